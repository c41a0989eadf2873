package freeswitch

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/source"
)

// Probe is a one-off instance for /probe targets that are not configured: it
// dials, authenticates, scrapes and hangs up within one collection.
type Probe struct {
	target   string
	module   config.Module
	scrapers []source.Scraper[API]
	log      *slog.Logger

	mu      sync.Mutex
	lastErr string
	errAt   time.Time
}

// NewProbe builds a probe of target with the module's settings.
func NewProbe(target string, module config.Module, scrapers []source.Scraper[API], logger *slog.Logger) *Probe {
	return &Probe{target: target, module: module, scrapers: scrapers, log: logger}
}

// Source implements source.Instance.
func (p *Probe) Source() string { return Namespace }

// Name implements source.Instance: a probe is named by its target.
func (p *Probe) Name() string { return p.target }

// Address implements source.Instance.
func (p *Probe) Address() string { return p.target }

// Timeout implements source.Instance.
func (p *Probe) Timeout() time.Duration { return p.module.Timeout }

// Run implements source.Instance; a probe keeps no connection.
func (p *Probe) Run(context.Context) {}

// Close implements the web package's probe release; nothing is held.
func (p *Probe) Close() {}

// Collect dials the target and scrapes it once.
func (p *Probe) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	conn, err := esl.Dial(ctx, p.target, string(p.module.Password), esl.Options{DialTimeout: p.module.Timeout, CommandTimeout: p.module.Timeout})
	coll := &source.Collector[API]{Source: Namespace, Scrapers: p.scrapers, Logger: p.log}
	if err != nil {
		p.setErr(err)
		p.log.Warn("probe could not connect", "target", p.target, "err", err)
		coll.Ready = func() error { return err }
		_ = coll.Collect(ctx, ch)
		return
	}
	defer conn.Close()
	coll.Client = conn
	if err := coll.Collect(ctx, ch); err != nil {
		p.setErr(err)
	}
	sendESLStats(ch, conn.Stats())
}

func (p *Probe) setErr(err error) {
	p.mu.Lock()
	p.lastErr, p.errAt = err.Error(), time.Now()
	p.mu.Unlock()
}

// Health implements source.Instance.
func (p *Probe) Health() source.Health {
	p.mu.Lock()
	defer p.mu.Unlock()
	return source.Health{Source: Namespace, Name: p.target, Address: p.target, LastError: p.lastErr, LastErrorTime: p.errAt}
}
