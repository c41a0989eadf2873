package freeswitch

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/ha"
	"github.com/voip-exporter/voip_exporter/source"
)

var (
	connUpDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "connection", "up"),
		"Whether the exporter's persistent connection to the instance is up (1) or not (0).",
		[]string{"source"}, nil)
	reconnectsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "", "reconnects_total"),
		"Connections to the instance re-established after a loss.",
		[]string{"source"}, nil)
	dialFailuresDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "", "connect_failures_total"),
		"Failed connection attempts (dial, authentication or setup) to the instance.",
		[]string{"source"}, nil)
	eslBytesDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "esl", "bytes_read_total"),
		"Bytes read from the FreeSWITCH Event Socket.", nil, nil)
	eslFramesDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "esl", "frames_read_total"),
		"Event Socket frames (replies, events, logs) read.", nil, nil)
	eslEventsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "esl", "events_read_total"),
		"Event Socket events read.", nil, nil)
	eslEventErrorsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "esl", "event_errors_total"),
		"Event Socket events that could not be parsed and were skipped.", nil, nil)
	eslCommandsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "esl", "commands_total"),
		"Event Socket commands sent.", nil, nil)
	eslCommandErrorsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "esl", "command_errors_total"),
		"Event Socket commands that failed (transport error, timeout or -ERR reply).", nil, nil)
)

// Instance is one configured FreeSWITCH: a persistent Event Socket client
// shared by scrapes (and event consumers), and the collector over it.
type Instance struct {
	cfg    config.FreeSWITCH
	client *esl.Client
	coll   *source.Collector[API]
	log    *slog.Logger

	qopts   *QualityOptions
	quality *qualityPath // nil: no event path

	lease      *ha.Lease // WithOwnership (ha.go)
	standbyAge time.Duration
}

// NewInstance builds the instance; Run connects it. WithQuality adds the
// event-driven call-quality path on the same connection.
func NewInstance(cfg config.FreeSWITCH, scrapers []source.Scraper[API], logger *slog.Logger, opts ...Option) *Instance {
	i := &Instance{cfg: cfg, log: logger}
	for _, o := range opts {
		o(i)
	}
	co := esl.ClientOptions{
		Address:        cfg.Address,
		Password:       string(cfg.Password),
		DialTimeout:    cfg.Timeout,
		CommandTimeout: cfg.Timeout,
		MaxBodyBytes:   MaxReplyBytes,
		// HEARTBEAT (every 20 s by default) keeps /health's last_event
		// moving, so a FreeSWITCH whose core is stuck shows even between scrapes.
		Events: []string{"HEARTBEAT"},
		Logger: logger,
	}
	if i.qopts != nil {
		i.quality = newQualityPath(cfg.Name, *i.qopts, logger)
		if i.lease != nil {
			i.quality.lease = i.lease
			i.quality.sb.maxAge = max(i.standbyAge, time.Second)
		}
		co.Events = append(co.Events, i.quality.tracker.Subscriptions()...)
		co.OnEvent = i.quality.onEvent
		co.ReuseEvent = true
		co.OnConnect = i.quality.onConnect
	}
	client, err := esl.NewClient(co)
	if err != nil {
		// Options come from a validated config; this is a programming error.
		panic(fmt.Sprintf("freeswitch %s: %v", cfg.Name, err))
	}
	i.client = client
	i.coll = &source.Collector[API]{Source: Namespace, Client: client, Scrapers: scrapers, Logger: logger, Ready: i.ready}
	return i
}

// Client is the instance's Event Socket client (for event consumers).
func (i *Instance) Client() *esl.Client { return i.client }

// Source implements source.Instance.
func (i *Instance) Source() string { return Namespace }

// Name implements source.Instance.
func (i *Instance) Name() string { return i.cfg.Name }

// Address implements source.Instance.
func (i *Instance) Address() string { return i.cfg.Address }

// Timeout implements source.Instance.
func (i *Instance) Timeout() time.Duration { return i.cfg.Timeout }

// Run implements source.Instance: it keeps the connection up until ctx ends
// (after loading persisted live legs when the event path has a persistent store).
func (i *Instance) Run(ctx context.Context) {
	if i.quality != nil {
		if i.quality.lease == nil { // with HA the takeover loads them
			i.quality.load(ctx)
		}
		go i.quality.reconcileLoop(ctx, i.client, i.cfg.Timeout)
	}
	_ = i.client.Run(ctx)
}

func (i *Instance) ready() error {
	st := i.client.Status()
	if st.Connected {
		return nil
	}
	if st.LastError != "" {
		return fmt.Errorf("not connected: %s", st.LastError)
	}
	return fmt.Errorf("not connected yet")
}

// Collect implements source.Instance.
func (i *Instance) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	_ = i.coll.Collect(ctx, ch)
	st := i.client.Status()
	stats := i.client.Stats()
	up := 0.0
	if st.Connected {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(connUpDesc, prometheus.GaugeValue, up, Namespace)
	ch <- prometheus.MustNewConstMetric(reconnectsDesc, prometheus.CounterValue, float64(stats.Reconnects), Namespace)
	ch <- prometheus.MustNewConstMetric(dialFailuresDesc, prometheus.CounterValue, float64(stats.DialFailures), Namespace)
	sendESLStats(ch, stats)
	if i.quality != nil {
		if i.quality.owns() { // HA: event-derived series only from the owner
			i.quality.collect(ch)
		}
		i.quality.collectHA(ch)
	}
}

func sendESLStats(ch chan<- prometheus.Metric, s esl.Stats) {
	ch <- prometheus.MustNewConstMetric(eslBytesDesc, prometheus.CounterValue, float64(s.BytesRead))
	ch <- prometheus.MustNewConstMetric(eslFramesDesc, prometheus.CounterValue, float64(s.FramesRead))
	ch <- prometheus.MustNewConstMetric(eslEventsDesc, prometheus.CounterValue, float64(s.EventsRead))
	ch <- prometheus.MustNewConstMetric(eslEventErrorsDesc, prometheus.CounterValue, float64(s.EventErrors))
	ch <- prometheus.MustNewConstMetric(eslCommandsDesc, prometheus.CounterValue, float64(s.CommandsSent))
	ch <- prometheus.MustNewConstMetric(eslCommandErrorsDesc, prometheus.CounterValue, float64(s.CommandErrors))
}

// Health implements source.Instance.
func (i *Instance) Health() source.Health {
	st := i.client.Status()
	h := source.Health{
		Source:         Namespace,
		Name:           i.cfg.Name,
		Address:        i.cfg.Address,
		Connected:      st.Connected,
		ConnectedSince: st.ConnectedSince,
		LastEvent:      st.LastEvent,
		LastError:      st.LastError,
		LastErrorTime:  st.LastErrorTime,
		Reconnects:     st.Reconnects,
	}
	if i.quality != nil {
		i.quality.haHealth(&h)
	}
	return h
}
