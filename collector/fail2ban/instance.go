package fail2ban

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// Instance is one configured fail2ban server. It holds no connection: each
// scrape runs one fail2ban-client session under the scrape deadline.
type Instance struct {
	cfg    config.Fail2ban
	client *Client
	coll   *source.Collector[*Client]
	log    *slog.Logger

	mu     sync.Mutex
	health source.Health
}

// NewInstance builds the instance.
func NewInstance(cfg config.Fail2ban, scrapers []source.Scraper[*Client], logger *slog.Logger) *Instance {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client := &Client{Path: cfg.Client, Socket: cfg.Socket, Logger: logger}
	i := &Instance{
		cfg: cfg, client: client, log: logger,
		health: source.Health{Source: Namespace, Name: cfg.Name, Address: cfg.Socket},
	}
	i.coll = &source.Collector[*Client]{Source: Namespace, Client: client, Scrapers: scrapers, Logger: logger}
	return i
}

// Client is the instance's fail2ban-client runner.
func (i *Instance) Client() *Client { return i.client }

// Source implements source.Instance.
func (i *Instance) Source() string { return Namespace }

// Name implements source.Instance.
func (i *Instance) Name() string { return i.cfg.Name }

// Address implements source.Instance: the server's socket.
func (i *Instance) Address() string { return i.cfg.Socket }

// Timeout implements source.Instance.
func (i *Instance) Timeout() time.Duration { return i.cfg.Timeout }

// Run implements source.Instance; there is no connection to keep.
func (i *Instance) Run(context.Context) {}

// Collect implements source.Instance, and remembers the outcome for /health.
func (i *Instance) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	err := i.coll.Collect(ctx, ch)
	now := time.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	h := &i.health
	if err == nil {
		if !h.Connected {
			if !h.LastErrorTime.IsZero() {
				h.Reconnects++
				i.log.Info("fail2ban answers again", "socket", i.cfg.Socket)
			}
			h.Connected, h.ConnectedSince = true, now
		}
		h.LastEvent = now
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
