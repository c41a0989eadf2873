package freeswitch

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/ha"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/source"
)

// WithOwnership makes the instance's event path follow an HA lease (ha.Lease): events are processed and
// event-derived series exported only while this agent owns the instance; TakeOver and StepDown are the
// lease handler's side. Without it (single agent) the event path always runs.
func WithOwnership(l *ha.Lease, maxBuffered time.Duration) Option {
	return func(i *Instance) {
		i.lease = l
		i.standbyAge = maxBuffered
	}
}

var haStandbyDesc = prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, "ha", "standby_events_total"),
	"Events received while this agent did not own the instance (ignored; hangups kept briefly for a takeover). New.", nil, nil)

// standby is what a non-owner keeps: the recent CHANNEL_HANGUP_COMPLETE events, replayed by the next
// takeover so calls that end while nobody owns the instance (the lease gap) still get their record.
type standby struct {
	mu     sync.Mutex
	active bool // this agent processes events (guarded by mu for the handover with the buffer)
	evs    []bufferedEvent
	maxAge time.Duration
	events atomic.Uint64
}

type bufferedEvent struct {
	at time.Time
	f  mapFields
}

// mapFields is a copied event.
type mapFields map[string]string

// Lookup implements quality.Fields.
func (m mapFields) Lookup(k string) (string, bool) { v, ok := m[k]; return v, ok }

const maxStandbyEvents = 8192

func (s *standby) keep(e *esl.Event) {
	s.events.Add(1)
	if e.Get("Event-Name") != "CHANNEL_HANGUP_COMPLETE" {
		return
	}
	f := make(mapFields, e.Len())
	e.Range(func(k, v string) bool {
		f[strings.Clone(k)] = strings.Clone(v)
		return true
	})
	now := time.Now()
	drop := 0
	for drop < len(s.evs) && (now.Sub(s.evs[drop].at) > s.maxAge || len(s.evs)-drop >= maxStandbyEvents) {
		drop++
	}
	s.evs = append(s.evs[drop:], bufferedEvent{at: now, f: f})
}

// owns reports whether the event path runs now.
func (q *qualityPath) owns() bool {
	if q.lease == nil {
		return true
	}
	q.sb.mu.Lock()
	a := q.sb.active
	q.sb.mu.Unlock()
	return a && q.lease.Owned()
}

// handle runs on the reader goroutine: the tracker when this agent owns the instance, else the standby buffer.
func (q *qualityPath) handle(e *esl.Event) {
	if q.lease == nil {
		q.dispatch(e)
		return
	}
	q.sb.mu.Lock()
	if q.sb.active && q.lease.Owned() {
		q.sb.mu.Unlock()
		q.dispatch(e)
		return
	}
	q.sb.keep(e)
	q.sb.mu.Unlock()
}

type resetter interface{ Reset() }

// TakeOver starts processing the instance after this agent acquired its lease: it loads the live legs
// the previous owner left in Redis, replays the hangups seen while standing by (the previous owner's
// fenced claim keeps a record from being exported twice), then resynchronises with `show channels as json`.
func (i *Instance) TakeOver(ctx context.Context) {
	q := i.quality
	if q == nil || q.lease == nil {
		return
	}
	if r, ok := q.tracker.Store().(resetter); ok {
		r.Reset()
	}
	n, err := q.tracker.Load(ctx)
	if err != nil {
		q.log.Warn("ha: could not load the live legs from Redis; relearning them from FreeSWITCH", "err", err)
	}
	if !q.lease.Owned() {
		return
	}
	q.sb.mu.Lock()
	q.sb.active = true
	evs := q.sb.evs
	q.sb.evs = nil
	q.sb.mu.Unlock()
	// Back to the whole subscription (a stand-by only takes hangups). Not connected: the next connection
	// subscribes to everything and, owner now, keeps it.
	sctx, scancel := context.WithTimeout(ctx, i.cfg.Timeout)
	if err := i.client.Subscribe(sctx, q.tracker.Subscriptions()...); err != nil && i.client.Status().Connected {
		q.log.Warn("ha: could not subscribe to the instance's events after the takeover", "err", err)
	}
	scancel()
	for _, e := range evs {
		q.dispatch(e.f)
	}
	res := quality.ResyncResult{}
	if i.client.Status().Connected {
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, i.cfg.Timeout)
		body, err := i.client.API(cctx, "show channels as json")
		cancel()
		var rows []quality.ChannelRow
		if err == nil {
			rows, err = quality.ParseChannels(body)
		}
		if err == nil {
			res = q.tracker.Resync(rows, start)
		} else {
			q.tracker.ResyncFailed()
		}
	}
	q.log.Info("ha: instance taken over", "fencing_token", q.lease.Token(), "legs_loaded", n, "hangups_replayed", len(evs),
		"added", res.Added, "vanished", res.Vanished)
}

// StepDown stops processing the instance. With flush (a voluntary release, the lease still held) the leg
// state is written back first; then the legs are forgotten locally (the new owner reads them from Redis).
func (i *Instance) StepDown(flush bool) {
	q := i.quality
	if q == nil || q.lease == nil {
		return
	}
	q.sb.mu.Lock()
	q.sb.active = false
	q.sb.mu.Unlock()
	nctx, ncancel := context.WithTimeout(context.Background(), i.cfg.Timeout)
	_ = i.client.Nixevent(nctx, q.standbyNix()...) // the new owner gets them; a failure costs only traffic
	ncancel()
	st := q.tracker.Store()
	if flush {
		ctx, cancel := context.WithTimeout(context.Background(), i.cfg.Timeout)
		_ = st.Flush(ctx)
		cancel()
	}
	if r, ok := st.(resetter); ok {
		r.Reset()
	}
}

// collectHA sends the instance's lease metrics.
func (q *qualityPath) collectHA(ch chan<- prometheus.Metric) {
	if q.lease == nil {
		return
	}
	q.lease.Collect(ch, q.owns())
	ch <- prometheus.MustNewConstMetric(haStandbyDesc, prometheus.CounterValue, float64(q.sb.events.Load()))
}

// haHealth adds the lease state to /health.
func (q *qualityPath) haHealth(h *source.Health) {
	if q.lease != nil {
		q.lease.FillHealth(h, q.owns())
	}
}

// standbyNix lists the subscribed events a stand-by does without: all but CHANNEL_HANGUP_COMPLETE.
func (q *qualityPath) standbyNix() []string {
	var out []string
	for _, e := range q.tracker.Subscriptions() {
		if e != "CHANNEL_HANGUP_COMPLETE" {
			out = append(out, e)
		}
	}
	return out
}
