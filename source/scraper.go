package source

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// Scraper gathers one family of metrics from one instance, usually with one
// command, in the style of mysqld_exporter's collector.Scraper. C is the
// protocol client the scraper is handed; it does not own it.
type Scraper[C any] interface {
	// Name is the collector name: it appears in --collector.<source>.<name>
	// and in the collector label of the scrape self metrics.
	Name() string
	// Help says in one line what the scraper exports.
	Help() string
	// Default tells whether the scraper is enabled when no flag says otherwise.
	Default() bool
	// Scrape sends its metrics to ch. It must return when ctx is done.
	// Metrics carry no instance label: the caller adds it.
	Scrape(ctx context.Context, client C, ch chan<- prometheus.Metric) error
}

// ErrNoData may be returned (wrapped) by a scraper that found nothing to
// report, e.g. a module that is not loaded. It does not count as a failure.
type noDataError struct{ reason string }

func (e noDataError) Error() string { return "no data: " + e.reason }

// NoData returns an error that marks a scrape as successful but empty.
func NoData(reason string) error { return noDataError{reason} }

// IsNoData reports whether err was built by NoData.
func IsNoData(err error) bool {
	_, ok := err.(noDataError)
	return ok
}
