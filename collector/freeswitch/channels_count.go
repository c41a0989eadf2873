package freeswitch

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

var channelsCurrent = newDesc("", "current_channels",
	"Channels (call legs) up now (`show channels count`). New; not in seed 000.")

// channelsCountScraper runs `show channels count`.
type channelsCountScraper struct{}

func (channelsCountScraper) Name() string  { return "channels_count" }
func (channelsCountScraper) Help() string  { return "channels up now, from `show channels count`" }
func (channelsCountScraper) Default() bool { return true }

func (channelsCountScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	return scrapeCount(ctx, api, "show channels count", channelsCurrent, ch)
}
