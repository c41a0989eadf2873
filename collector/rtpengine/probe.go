package rtpengine

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/ng"
	"github.com/voip-exporter/voip_exporter/source"
)

// NewProbe builds a one-off instance for a /probe target (an ng address,
// host:port) that is not configured. Only the statistics collector runs:
// query needs the state of earlier scrapes.
func NewProbe(target string, module config.Module, scrapers []source.Scraper[Caller], logger *slog.Logger) *source.Probe[Caller] {
	var keep []source.Scraper[Caller]
	for _, s := range scrapers {
		if s.Name() != "query" {
			keep = append(keep, s)
		}
	}
	return &source.Probe[Caller]{
		Kind: Namespace, Target: target, Deadline: module.Timeout, Scrapers: keep, Logger: logger,
		Connect: func(ctx context.Context) (Caller, func(), func(chan<- prometheus.Metric), error) {
			c := &ng.Client{Address: target, Timeout: module.Timeout}
			return c, func() {}, func(ch chan<- prometheus.Metric) { sendNGStats(ch, c.Stats()) }, nil
		},
	}
}
