package rtpengine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/ng"
	"github.com/voip-exporter/voip_exporter/source"
)

var (
	ngCallsDesc = prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, "ng", "calls_total"),
		"ng commands sent to rtpengine (retransmissions not counted).", nil, nil)
	ngErrorsDesc = prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, "ng", "call_errors_total"),
		"ng commands without a usable reply: no answer within the deadline, transport error or malformed reply.", nil, nil)
	ngFailuresDesc = prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, "ng", "error_replies_total"),
		"ng replies with result error (e.g. a call that ended between list and query).", nil, nil)
	ngRetransDesc = prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, "ng", "retransmits_total"),
		"ng requests sent again, same cookie, for want of a reply.", nil, nil)
	ngBytesDesc = prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, "ng", "bytes_read_total"),
		"Bytes of ng replies read from rtpengine.", nil, nil)
)

// Instance is one configured rtpengine. The ng protocol is UDP, so there is
// no connection to keep: each scrape sends its commands under the scrape
// deadline, and the outcome is what /health shows.
type Instance struct {
	cfg    config.RTPEngine
	client *ng.Client
	coll   *source.Collector[Caller]
	log    *slog.Logger

	mu     sync.Mutex
	health source.Health
}

// NewInstance builds the instance from its configuration and its enabled
// scrapers (Scrapers(OptionsOf(cfg)) filtered).
func NewInstance(cfg config.RTPEngine, scrapers []source.Scraper[Caller], logger *slog.Logger) *Instance {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client := &ng.Client{Address: cfg.Address, Timeout: cfg.Timeout}
	i := &Instance{
		cfg: cfg, client: client, log: logger,
		health: source.Health{Source: Namespace, Name: cfg.Name, Address: cfg.Address},
	}
	i.coll = &source.Collector[Caller]{Source: Namespace, Client: client, Scrapers: scrapers, Logger: logger}
	return i
}

// OptionsOf returns the collector options of a configured instance.
func OptionsOf(cfg config.RTPEngine) Options { return Options{MaxCalls: cfg.MaxCalls} }

// Client is the instance's ng client.
func (i *Instance) Client() *ng.Client { return i.client }

// Source implements source.Instance.
func (i *Instance) Source() string { return Namespace }

// Name implements source.Instance.
func (i *Instance) Name() string { return i.cfg.Name }

// Address implements source.Instance.
func (i *Instance) Address() string { return i.cfg.Address }

// Timeout implements source.Instance.
func (i *Instance) Timeout() time.Duration { return i.cfg.Timeout }

// Run implements source.Instance; there is no connection to keep.
func (i *Instance) Run(context.Context) {}

// Collect implements source.Instance, and remembers the outcome for /health.
func (i *Instance) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	err := i.coll.Collect(ctx, ch)
	sendNGStats(ch, i.client.Stats())
	now := time.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	h := &i.health
	if err == nil {
		if !h.Connected {
			if !h.LastErrorTime.IsZero() {
				h.Reconnects++
				i.log.Info("rtpengine answers again", "address", i.cfg.Address)
			}
			h.Connected, h.ConnectedSince = true, now
		}
		h.LastEvent = now
		return
	}
	h.Connected, h.ConnectedSince = false, time.Time{}
	h.LastError, h.LastErrorTime = err.Error(), now
}

func sendNGStats(ch chan<- prometheus.Metric, s ng.Stats) {
	ch <- prometheus.MustNewConstMetric(ngCallsDesc, prometheus.CounterValue, float64(s.Calls))
	ch <- prometheus.MustNewConstMetric(ngErrorsDesc, prometheus.CounterValue, float64(s.Errors))
	ch <- prometheus.MustNewConstMetric(ngFailuresDesc, prometheus.CounterValue, float64(s.Failures))
	ch <- prometheus.MustNewConstMetric(ngRetransDesc, prometheus.CounterValue, float64(s.Retransmits))
	ch <- prometheus.MustNewConstMetric(ngBytesDesc, prometheus.CounterValue, float64(s.BytesReceived))
}

// Health implements source.Instance.
func (i *Instance) Health() source.Health {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.health
}
