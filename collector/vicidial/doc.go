// Package vicidial reads ViciDial's MySQL/MariaDB tables with a read-only user: one file per query
// (live_agents.go for vicidial_live_agents, queues.go for vicidial_auto_calls…), each a source.Scraper.
package vicidial
