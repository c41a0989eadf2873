// Package asterisk scrapes Asterisk over a persistent AMI connection (actions and the Command action) or, for hosts
// without AMI, over `asterisk -rx`: one file per action or CLI command, each a pure parser plus a source.Scraper.
package asterisk
