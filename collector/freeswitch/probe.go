package freeswitch

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/source"
)

// NewProbe builds a one-off instance for a /probe target that is not
// configured: it dials, authenticates, scrapes and hangs up within one
// collection, with the module's password and timeout.
func NewProbe(target string, module config.Module, scrapers []source.Scraper[API], logger *slog.Logger) *source.Probe[API] {
	return &source.Probe[API]{
		Kind: Namespace, Target: target, Deadline: module.Timeout, Scrapers: scrapers, Logger: logger,
		Connect: func(ctx context.Context) (API, func(), func(chan<- prometheus.Metric), error) {
			conn, err := esl.Dial(ctx, target, string(module.Password), esl.Options{DialTimeout: module.Timeout, CommandTimeout: module.Timeout})
			if err != nil {
				return nil, nil, nil, err
			}
			stats := func(ch chan<- prometheus.Metric) { sendESLStats(ch, conn.Stats()) }
			return conn, func() { conn.Close() }, stats, nil
		},
	}
}
