// Package freeswitch scrapes FreeSWITCH over the Event Socket API: one file per command (status.go for
// `status`, sofia_gateways.go for `sofia xmlstatus gateway`…), each a pure parser plus a source.Scraper.
package freeswitch
