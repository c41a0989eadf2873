package freeswitch

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/ha"
	"github.com/voip-exporter/voip_exporter/otlp"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/store"
)

// Exporter is an OTLP pipeline the event path hands samples and records to
// (otlp.Pipeline), with its own figures.
type Exporter interface {
	quality.Sink
	Stats() otlp.Stats
}

// QualityOptions turn on the event-driven call-quality path of an instance.
type QualityOptions struct {
	// RTCP and QoS are seed 001's events toggles.
	RTCP, QoS bool
	// Store keeps the live legs (default: a new store.Memory).
	Store quality.Store
	// Exporter, when set, receives samples and records (OTLP).
	Exporter Exporter
	// MaxDomains caps distinct domain label values (default 100).
	MaxDomains int
	// ReconcileInterval is how often the live legs are checked against
	// `show channels` on a connection that stays up (default 5m), to drop
	// legs whose hangup event was lost.
	ReconcileInterval time.Duration
	// Consumers take every event the path processes, under the same HA rule (only the owner's events,
	// the stand-by's hangups replayed at a takeover) and are collected with the event-derived series
	// (only while this agent owns the instance): the call outcomes (outcome.Tracker).
	Consumers []EventConsumer
}

// EventConsumer is a second user of the instance's event subscription. Handle runs on the connection's
// reader goroutine with a reused event (it copies what it keeps).
type EventConsumer interface {
	Handle(f quality.Fields)
	prometheus.Collector
}

// Option tunes NewInstance.
type Option func(*Instance)

// WithQuality subscribes the instance's connection to the channel and RTCP
// events and tracks call quality from them.
func WithQuality(o QualityOptions) Option {
	return func(i *Instance) { i.qopts = &o }
}

// qualityPath is the event path of one instance: tracker, Prometheus
// aggregation and optional OTLP pipeline.
type qualityPath struct {
	tracker   *quality.Tracker
	metrics   *qualityMetrics
	exporter  Exporter
	log       *slog.Logger
	reconcile time.Duration

	// HA (ha.go): nil lease = always the owner.
	lease *ha.Lease
	sb    standby

	consumers []EventConsumer
}

func newQualityPath(name string, o QualityOptions, logger *slog.Logger) *qualityPath {
	if o.Store == nil {
		o.Store = store.NewMemory()
	}
	if o.ReconcileInterval <= 0 {
		o.ReconcileInterval = 5 * time.Minute
	}
	q := &qualityPath{metrics: newQualityMetrics(), exporter: o.Exporter, log: logger, reconcile: o.ReconcileInterval,
		consumers: o.Consumers}
	sinks := []quality.Sink{q.metrics}
	if o.Exporter != nil {
		sinks = append(sinks, o.Exporter)
	}
	q.tracker = quality.NewTracker(quality.Options{
		Instance: name, RTCP: o.RTCP, QoS: o.QoS, Store: o.Store, Sinks: sinks,
		MaxDomains: o.MaxDomains, Logger: logger,
	})
	return q
}

// onEvent runs on the connection's reader goroutine with a reused event:
// the tracker copies what it keeps.
func (q *qualityPath) onEvent(e *esl.Event) { q.handle(e) }

// dispatch hands one event to the other consumers, then the tracker (whose sinks may read what a
// consumer made of the same event: the OTLP record's call outcome).
func (q *qualityPath) dispatch(f quality.Fields) {
	for _, c := range q.consumers {
		c.Handle(f)
	}
	q.tracker.Handle(f)
}

// onConnect learns the calls in progress after each (re)connect, so that an
// agent restart or a lost connection loses no live leg. A failure is
// logged and counted, not fatal: the scrapes on this connection go on.
func (q *qualityPath) onConnect(ctx context.Context, c *esl.Conn) error {
	if !q.owns() {
		// A stand-by needs the hangups only: FreeSWITCH sends the rest (RTCP above all) to the owner alone.
		if err := c.Nixevent(ctx, q.standbyNix()...); err != nil {
			return err
		}
		if !q.owns() {
			return nil // the takeover resyncs
		}
		// Taken over meanwhile: this connection needs the whole subscription again.
		if err := c.Subscribe(ctx, "plain", q.tracker.Subscriptions()...); err != nil { // the client's format
			return err
		}
	}
	start := time.Now()
	body, err := c.API(ctx, "show channels as json")
	var rows []quality.ChannelRow
	if err == nil {
		rows, err = quality.ParseChannels(body)
	}
	if err != nil {
		q.tracker.ResyncFailed()
		q.log.Warn("call quality: could not learn the calls in progress (show channels as json); live legs are learned from events from now on", "err", err)
		return nil
	}
	res := q.tracker.Resync(rows, start)
	q.log.Info("call quality: live legs resynchronised", "channels", len(rows), "added", res.Added, "kept", res.Kept, "vanished", res.Vanished)
	return nil
}

// reconcileLoop checks the live legs against FreeSWITCH's channels every
// q.reconcile while connected, until ctx ends.
func (q *qualityPath) reconcileLoop(ctx context.Context, c *esl.Client, timeout time.Duration) {
	t := time.NewTicker(q.reconcile)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !c.Status().Connected || !q.owns() {
			continue
		}
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, timeout)
		body, err := c.API(cctx, "show channels as json")
		cancel()
		var rows []quality.ChannelRow
		if err == nil {
			rows, err = quality.ParseChannels(body)
		}
		if err != nil {
			q.tracker.ResyncFailed()
			q.log.Debug("call quality: periodic check of the live legs failed", "err", err)
			continue
		}
		if res := q.tracker.Reconcile(rows, start); res.Added > 0 || res.Vanished > 0 {
			q.log.Info("call quality: live legs corrected", "added", res.Added, "vanished", res.Vanished)
		}
	}
}

// load brings persisted legs back (Redis) before the first connection.
func (q *qualityPath) load(ctx context.Context) {
	n, err := q.tracker.Load(ctx)
	switch {
	case err != nil:
		q.log.Warn("call quality: could not load live legs from the store; relearning them from FreeSWITCH", "err", err)
	case n > 0:
		q.log.Info("call quality: live legs loaded from the store", "legs", n)
	}
}

// Tracker returns the instance's call-quality tracker (nil when the event
// path is off).
func (i *Instance) Tracker() *quality.Tracker {
	if i.quality == nil {
		return nil
	}
	return i.quality.tracker
}
