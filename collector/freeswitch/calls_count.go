package freeswitch

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

var callsCurrent = newDesc("", "current_calls",
	"Calls up now (`show calls count`; a bridged call counts once). Seed 000: current_calls.")

// callsCountScraper runs `show calls count`.
type callsCountScraper struct{}

func (callsCountScraper) Name() string  { return "calls_count" }
func (callsCountScraper) Help() string  { return "calls up now, from `show calls count`" }
func (callsCountScraper) Default() bool { return true }

func (callsCountScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	return scrapeCount(ctx, api, "show calls count", callsCurrent, ch)
}

// scrapeCount runs a command whose reply ends in "N total." and reports N.
func scrapeCount(ctx context.Context, api API, cmd string, d *prometheus.Desc, ch chan<- prometheus.Metric) error {
	body, err := call(ctx, api, cmd)
	if err != nil {
		return err
	}
	n, err := ParseCount(body)
	if err != nil {
		return err
	}
	gauge(ch, d, float64(n))
	return nil
}
