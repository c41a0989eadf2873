package source

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Probe is a one-off Instance for a /probe target that is not configured:
// each collection connects, scrapes once and hangs up. Sources differ only
// in Connect.
type Probe[C any] struct {
	Kind     string // the source: "freeswitch", "kamailio"…
	Target   string // as given in /probe?target=
	Deadline time.Duration
	Scrapers []Scraper[C]
	Logger   *slog.Logger
	// Connect reaches the target. release frees the connection; stats, when
	// not nil, sends the connection's own counters after the scrape.
	Connect func(ctx context.Context) (client C, release func(), stats func(chan<- prometheus.Metric), err error)
	// ScrapeContext, when set, prepares the context scrapers run under.
	ScrapeContext func(context.Context) context.Context

	mu      sync.Mutex
	lastErr string
	errAt   time.Time
}

// Source implements Instance.
func (p *Probe[C]) Source() string { return p.Kind }

// Name implements Instance: a probe is named by its target.
func (p *Probe[C]) Name() string { return p.Target }

// Address implements Instance.
func (p *Probe[C]) Address() string { return p.Target }

// Timeout implements Instance.
func (p *Probe[C]) Timeout() time.Duration { return p.Deadline }

// Run implements Instance; a probe keeps no connection.
func (p *Probe[C]) Run(context.Context) {}

// Close releases the probe; nothing outlives a collection.
func (p *Probe[C]) Close() {}

// Collect connects to the target and scrapes it once.
func (p *Probe[C]) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	logger := p.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	coll := &Collector[C]{Source: p.Kind, Scrapers: p.Scrapers, Logger: logger}
	client, release, stats, err := p.Connect(ctx)
	if err != nil {
		p.setErr(err)
		logger.Warn("probe could not connect", "target", p.Target, "err", err)
		coll.Ready = func() error { return err }
		_ = coll.Collect(ctx, ch)
		return
	}
	defer release()
	coll.Client = client
	if p.ScrapeContext != nil {
		ctx = p.ScrapeContext(ctx)
	}
	if err := coll.Collect(ctx, ch); err != nil {
		p.setErr(err)
	}
	if stats != nil {
		stats(ch)
	}
}

func (p *Probe[C]) setErr(err error) {
	p.mu.Lock()
	p.lastErr, p.errAt = err.Error(), time.Now()
	p.mu.Unlock()
}

// Health implements Instance.
func (p *Probe[C]) Health() Health {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Health{Source: p.Kind, Name: p.Target, Address: p.Target, LastError: p.lastErr, LastErrorTime: p.errAt}
}
