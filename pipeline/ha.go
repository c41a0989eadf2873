package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	fscollector "github.com/voip-exporter/voip_exporter/collector/freeswitch"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/ha"
	"github.com/voip-exporter/voip_exporter/otlp"
	"github.com/voip-exporter/voip_exporter/outcome"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/source"
	"github.com/voip-exporter/voip_exporter/store"
	"github.com/voip-exporter/voip_exporter/web"
)

// haRuntime is this agent's part of an HA group (ha.enabled): the lease manager of every event-driven
// instance (FreeSWITCH event paths, Asterisk RTCP tracking), and, when OTLP is on, the shared Redis
// stream of QoS records with its consumer.
type haRuntime struct {
	m      *ha.Manager
	stream *ha.Stream
	redis  *store.RedisClient
	log    *slog.Logger
	ttl    time.Duration
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	start  func() // runs the loops, once
	closed sync.Once

	mu       sync.Mutex
	handlers map[string]*leaseHandler
}

func newHA(cfg *config.Config, agentID string, logger *slog.Logger) *haRuntime {
	h := cfg.HA
	redisClient := store.NewRedisClient(redisOptions(cfg.Storage.Redis, logger.With("component", "ha")))
	r := &haRuntime{redis: redisClient, log: logger, ttl: h.LeaseTTL}
	r.m = ha.New(ha.Options{Client: redisClient.Redis(), KeyPrefix: redisClient.Options().KeyPrefix, AgentID: agentID,
		LeaseTTL: h.LeaseTTL, SafetyMargin: h.SafetyMargin, Logger: logger})
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.start = sync.OnceFunc(func() {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); r.m.Run(r.ctx) }()
		r.mu.Lock()
		if s := r.stream; s != nil {
			r.wg.Add(1)
			go func() { defer r.wg.Done(); s.Run(r.ctx) }()
		}
		r.mu.Unlock()
		logger.Info("ha: agent joined", "component", "ha", "agent", r.m.AgentID(), "lease_ttl", h.LeaseTTL)
	})
	return r
}

// addStream adds the shared queue of QoS records, exported through exp (once; it runs from start).
func (r *haRuntime) addStream(cfg *config.Config, exp *otlp.Exporter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stream != nil {
		return
	}
	r.stream = ha.NewStream(ha.StreamOptions{Client: r.redis.Redis(), Key: r.redis.Options().KeyPrefix + "qos-stream",
		Group: "voip_exporter", Consumer: r.m.AgentID(), MaxLen: cfg.HA.StreamMaxLen, ClaimIdle: cfg.HA.ClaimIdle,
		Send: exp.SendLogs, Permanent: otlp.Permanent,
		RetryInitial: cfg.OTLP.Retry.InitialInterval, RetryMax: cfg.OTLP.Retry.MaxInterval, Logger: r.log})
}

// leaseHandler binds a lease to its instance, which exists only after the option was applied.
type leaseHandler struct {
	ready chan struct{}
	mu    sync.Mutex
	inst  *fscollector.Instance
}

func (h *leaseHandler) instance() *fscollector.Instance {
	select {
	case <-h.ready:
	case <-time.After(30 * time.Second):
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.inst
}

func (h *leaseHandler) set(inst *fscollector.Instance) {
	h.mu.Lock()
	h.inst = inst
	h.mu.Unlock()
	close(h.ready)
}

// Acquired implements ha.Handler.
func (h *leaseHandler) Acquired(l *ha.Lease) {
	if inst := h.instance(); inst != nil && l.Owned() {
		inst.TakeOver(context.Background())
	}
}

// Lost implements ha.Handler.
func (h *leaseHandler) Lost(_ *ha.Lease, reason string) {
	select {
	case <-h.ready:
	default:
		return // not built yet: nothing runs
	}
	if inst := h.instance(); inst != nil {
		inst.StepDown(reason == ha.ReasonRebalance || reason == ha.ReasonShutdown)
	}
}

// option adds the lease of one instance: fenced store, records through the stream, ownership-gated events.
func (r *haRuntime) option(name string, o *fscollector.QualityOptions, p *otlp.Pipeline, t *outcome.Tracker) fscollector.Option {
	h := &leaseHandler{ready: make(chan struct{})}
	r.mu.Lock()
	if r.handlers == nil {
		r.handlers = map[string]*leaseHandler{}
	}
	r.handlers[name] = h
	queued := p != nil && r.stream != nil
	r.mu.Unlock()
	l := r.m.Register(name, h)
	if rs, ok := o.Store.(*store.Redis); ok {
		rs.SetFence(l, func() { r.m.Fenced(l) }, queued)
	}
	if queued {
		o.Exporter = &haSink{p: p, r: r, lease: l, instance: name, outcomes: t}
	}
	return fscollector.WithOwnership(l, 3*r.ttl)
}

// bind hands the built instance to its lease handler.
func (r *haRuntime) bind(inst *fscollector.Instance) {
	r.mu.Lock()
	h := r.handlers[inst.Name()]
	delete(r.handlers, inst.Name())
	r.mu.Unlock()
	if h != nil {
		h.set(inst)
	}
}

// haSink sends a pipeline's metrics as usual and its QoS log records to the shared stream.
type haSink struct {
	p        *otlp.Pipeline
	r        *haRuntime
	lease    *ha.Lease
	instance string
	outcomes *outcome.Tracker // nil: events.outcomes off
}

func (s *haSink) Sample(l *quality.Leg, lb quality.Labels, smp quality.Sample) {
	s.p.Sample(l, lb, smp)
}

func (s *haSink) Record(rec *quality.Record, lb quality.Labels) {
	// Bounded: this runs on the event reader; when Redis is down the record waits in memory (ha.Stream).
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	done := ha.Done{Key: s.r.redis.DoneKey(s.instance, rec.ChannelID), Agent: s.r.m.AgentID(), TTL: s.r.redis.Options().TTL}
	var a *outcome.Attempt
	if s.outcomes != nil {
		if x, ok := s.outcomes.LastAttempt(rec.ChannelID); ok {
			a = &x
		}
	}
	queued, err := s.r.stream.Add(ctx, s.lease, done, rec.ID, otlp.LogRecordOutcome(rec, a, time.Now()))
	switch {
	case errors.Is(err, ha.ErrFenced):
		s.r.m.Fenced(s.lease) // nothing written: the new owner replays the hangup and exports it
	case queued || err != nil: // err: kept in memory until Redis answers, still this agent's record
		s.p.RecordMetrics(rec, lb)
	}
}

func (s *haSink) Stats() otlp.Stats { return s.p.Stats() }

// close releases the leases (the owners write their state back first), then stops the loops.
func (r *haRuntime) close(ctx context.Context) {
	r.closed.Do(func() {
		r.m.Close(ctx)
		r.cancel()
		r.wg.Wait()
		_ = r.redis.Close()
	})
}

// view is this agent's HA summary for /health.
func (r *haRuntime) view() *web.AgentView {
	st := r.m.Stats()
	v := &web.AgentView{ID: r.m.AgentID(), Agents: st.Agents, Quota: st.Quota, LeasesHeld: st.Held,
		Takeovers: st.Takeovers, LeasesLost: st.Lost}
	r.mu.Lock()
	if r.stream != nil {
		up := r.stream.Stats().Up
		v.StreamUp = &up
	}
	r.mu.Unlock()
	return v
}

var (
	haHeldDesc      = haDesc("leases_held", "HA leases this agent holds (instances whose events it processes).")
	haTakeoversDesc = haDesc("takeovers_total", "HA leases this agent acquired (each with a new fencing token).")
	haLostDesc      = haDesc("leases_lost_total", "HA leases this agent lost without releasing them (renewal failed, taken, fenced write).")
	haReleasedDesc  = haDesc("leases_released_total", "HA leases this agent released (rebalance, shutdown).")
	haAgentsDesc    = haDesc("agents", "Live agents this agent counted at its last tick.")
	haQuotaDesc     = haDesc("lease_quota", "Most leases this agent may hold: ceil(instances / agents).")
	haStreamDesc    = haDesc("stream_records_total", "QoS records through the shared Redis stream, by what happened (added, fenced, add_failed, exported, claimed, dropped, duplicate).", "result")
	haStreamUpDesc  = haDesc("stream_up", "Whether the last export of QoS records from the shared stream succeeded (1) or not (0).")
)

func haDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, "ha", name), help, labels, nil)
}

// haCollector exports the agent-wide HA metrics (none until an instance joined the group).
type haCollector struct{ p *Pipeline }

func (c haCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c haCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.p.currentHA()
	if r == nil {
		return
	}
	s := r.m.Stats()
	ch <- prometheus.MustNewConstMetric(haHeldDesc, prometheus.GaugeValue, float64(s.Held))
	ch <- prometheus.MustNewConstMetric(haTakeoversDesc, prometheus.CounterValue, float64(s.Takeovers))
	ch <- prometheus.MustNewConstMetric(haLostDesc, prometheus.CounterValue, float64(s.Lost))
	ch <- prometheus.MustNewConstMetric(haReleasedDesc, prometheus.CounterValue, float64(s.Released))
	ch <- prometheus.MustNewConstMetric(haAgentsDesc, prometheus.GaugeValue, float64(s.Agents))
	ch <- prometheus.MustNewConstMetric(haQuotaDesc, prometheus.GaugeValue, float64(s.Quota))
	r.mu.Lock()
	stream := r.stream
	r.mu.Unlock()
	if stream == nil {
		return
	}
	st := stream.Stats()
	for _, kv := range []struct {
		k string
		v uint64
	}{{"added", st.Added}, {"fenced", st.Fenced}, {"add_failed", st.AddErrors}, {"exported", st.Exported},
		{"claimed", st.Claimed}, {"dropped", st.Dropped}, {"duplicate", st.Duplicates}} {
		ch <- prometheus.MustNewConstMetric(haStreamDesc, prometheus.CounterValue, float64(kv.v), kv.k)
	}
	up := 0.0
	if st.Up {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(haStreamUpDesc, prometheus.GaugeValue, up)
}
