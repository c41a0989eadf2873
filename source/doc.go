// Package source holds what every monitored system has in common: an Instance
// (one configured server), the Scraper interface and the per-instance collector
// that runs scrapers concurrently under one deadline and reports up/duration/success.
package source
