package kamailio

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/binrpc"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// NewProbe builds a one-off instance for a /probe target (a ctl address)
// that is not configured: it dials, scrapes and hangs up within one
// collection, with the module's timeout.
func NewProbe(target string, module config.Module, scrapers []source.Scraper[RPC], logger *slog.Logger) *source.Probe[RPC] {
	one := func() uint64 { return 1 }
	scrapers = configure(scrapers)
	setLoggers(scrapers, logger)
	gated := gateAll(scrapers, one, logger)
	return &source.Probe[RPC]{
		Kind: Namespace, Target: target, Deadline: module.Timeout,
		Scrapers:      gated,
		ScrapeContext: func(ctx context.Context) context.Context { return withOrder(ctx, gated) },
		Logger:        slog.New(quietHandler{logger.Handler()}),
		Connect: func(ctx context.Context) (RPC, func(), func(chan<- prometheus.Metric), error) {
			conn, err := binrpc.Dial(ctx, target, binrpc.Options{DialTimeout: module.Timeout, CallTimeout: module.Timeout})
			if err != nil {
				return nil, nil, nil, err
			}
			stats := func(ch chan<- prometheus.Metric) { sendRPCStats(ch, conn.Stats()) }
			return conn, func() { conn.Close() }, stats, nil
		},
	}
}
