package kamailio

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/binrpc"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// Probe is a one-off instance for /probe targets that are not configured:
// it dials the ctl address, scrapes and hangs up within one collection.
type Probe struct {
	target   string
	module   config.Module
	scrapers []source.Scraper[RPC]
	log      *slog.Logger

	mu      sync.Mutex
	lastErr string
	errAt   time.Time
}

// NewProbe builds a probe of target (a ctl address) with the module's settings.
func NewProbe(target string, module config.Module, scrapers []source.Scraper[RPC], logger *slog.Logger) *Probe {
	scrapers = configure(scrapers)
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
	one := func() uint64 { return 1 }
	coll := &source.Collector[RPC]{Source: Namespace, Scrapers: gateAll(p.scrapers, one, p.log),
		Logger: slog.New(quietHandler{p.log.Handler()})}
	conn, err := binrpc.Dial(ctx, p.target, binrpc.Options{DialTimeout: p.module.Timeout, CallTimeout: p.module.Timeout})
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
	sendRPCStats(ch, conn.Stats())
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
