package recordings

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// Instance is one configured set of recording directories. It holds no
// connection; /health shows whether the last scrape could read them.
type Instance struct {
	cfg  config.Recordings
	tree *Tree
	coll *source.Collector[*Tree]
	log  *slog.Logger

	mu     sync.Mutex
	health source.Health
}

// NewInstance builds the instance.
func NewInstance(cfg config.Recordings, scrapers []source.Scraper[*Tree], logger *slog.Logger) *Instance {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t := &Tree{
		Dirs: cfg.Directories, WalkInterval: cfg.WalkInterval, WalkTimeout: cfg.WalkTimeout,
		MaxFiles: cfg.MaxFiles, Logger: logger,
	}
	i := &Instance{
		cfg: cfg, tree: t, log: logger,
		health: source.Health{Source: Namespace, Name: cfg.Name, Address: strings.Join(cfg.Directories, ",")},
	}
	i.coll = &source.Collector[*Tree]{Source: Namespace, Client: t, Scrapers: scrapers, Logger: logger}
	return i
}

// Tree is the instance's directories and walk cache.
func (i *Instance) Tree() *Tree { return i.tree }

// Source implements source.Instance.
func (i *Instance) Source() string { return Namespace }

// Name implements source.Instance.
func (i *Instance) Name() string { return i.cfg.Name }

// Address implements source.Instance: the directories.
func (i *Instance) Address() string { return i.health.Address }

// Timeout implements source.Instance.
func (i *Instance) Timeout() time.Duration { return i.cfg.Timeout }

// Run implements source.Instance; walks start from scrapes.
func (i *Instance) Run(context.Context) {}

// Collect implements source.Instance, and remembers the outcome for /health.
func (i *Instance) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	err := i.coll.Collect(ctx, ch)
	now := time.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	h := &i.health
	if err == nil {
		h.Connected, h.LastEvent = true, now
		if h.ConnectedSince.IsZero() {
			h.ConnectedSince = now
		}
		return
	}
	h.Connected, h.ConnectedSince = false, time.Time{}
	h.LastError, h.LastErrorTime = err.Error(), now
}

// Health implements source.Instance.
func (i *Instance) Health() source.Health {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.health
}
