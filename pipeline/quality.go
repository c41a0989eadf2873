package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/common/version"

	fscollector "github.com/voip-exporter/voip_exporter/collector/freeswitch"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/otlp"
	"github.com/voip-exporter/voip_exporter/outcome"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/source"
	"github.com/voip-exporter/voip_exporter/store"
	"github.com/voip-exporter/voip_exporter/web"
)

// qualityConsumer is what the FreeSWITCH instances' call-quality paths share: the Redis client and the
// OTLP exporter, built once from the configuration and torn down in order at exit.
type qualityConsumer struct {
	cfg   *config.Config
	log   *slog.Logger
	redis *store.RedisClient
	otlp  *otlp.Exporter
	ha    *haRuntime // ha.enabled

	mu        sync.Mutex
	instances []*fscollector.Instance
	stores    []quality.Store
	outcomes  map[string]*outcome.Tracker // by instance name (events.outcomes)
}

// newQuality connects what the configuration asks for (lazily: an unreachable Redis or receiver is
// retried, not fatal).
func newQuality(p *Pipeline) (*qualityConsumer, error) {
	cfg := p.cfg
	q := &qualityConsumer{cfg: cfg, log: p.log.With("component", "quality")}
	if cfg.Storage.Type == "redis" {
		q.redis = store.NewRedisClient(redisOptions(cfg.Storage.Redis, q.log))
	}
	if o := cfg.OTLP; o.Endpoint != "" {
		headers := map[string]string{}
		for k, v := range o.Headers {
			headers[k] = string(v)
		}
		e, err := otlp.New(otlp.Config{
			Endpoint: o.Endpoint, Protocol: o.Protocol, Insecure: o.Insecure,
			TLS: otlp.TLSConfig{CAFile: o.TLS.CAFile, CertFile: o.TLS.CertFile, KeyFile: o.TLS.KeyFile,
				ServerName: o.TLS.ServerName, InsecureSkipVerify: o.TLS.InsecureSkipVerify},
			Headers: headers, Timeout: o.Timeout,
			QueueDir: o.Queue.Dir, QueueMaxBytes: int64(o.Queue.MaxBytes), QueueMaxAge: o.Queue.MaxAge,
			PerCallAttributes: o.PerCallAttributes, MetricInterval: o.MetricInterval,
			RetryInitial: o.Retry.InitialInterval, RetryMax: o.Retry.MaxInterval,
			Version: version.Version, Logger: q.log,
			ServiceInstanceID: p.agentID, // HA: each agent its own OTLP resource, so their streams add up
		})
		if err != nil {
			q.close(context.Background())
			return nil, err
		}
		q.otlp = e
		if o.PerCallAttributes {
			q.log.Warn("otlp.per_call_attributes is on: every call leg makes new metric series at the receiver (channel_id, correlation_id)")
		}
	}
	if q.ha = p.haGroup(); q.ha != nil && q.otlp != nil {
		q.ha.addStream(cfg, q.otlp)
	}
	return q, nil
}

// freeswitch returns the options that turn an instance's event path on: its leg store, its OTLP
// pipeline and, with HA, its lease.
func (q *qualityConsumer) freeswitch(name string) ([]fscollector.Option, error) {
	o := fscollector.QualityOptions{RTCP: q.cfg.Events.RTCPOn(), QoS: q.cfg.Events.QoSOn(), MaxDomains: q.cfg.Events.MaxDomains}
	if q.redis != nil {
		o.Store = store.NewRedis(q.redis, name)
	} else {
		o.Store = store.NewMemory()
	}
	var pipe *otlp.Pipeline
	if q.otlp != nil {
		var err error
		if pipe, err = q.otlp.Pipeline(name); err != nil {
			o.Store.Close()
			return nil, fmt.Errorf("freeswitch %s: %w", name, err)
		}
		o.Exporter = pipe
	}
	var tr *outcome.Tracker
	if q.cfg.Events.OutcomesOn() {
		// A second consumer of the same events: collected with the instance (server=), owner-only under HA.
		oo := outcome.Options{Source: "freeswitch", MaxDomains: q.cfg.Events.MaxDomains}
		if pipe != nil {
			rec, err := pipe.Outcomes()
			if err != nil {
				o.Store.Close()
				return nil, fmt.Errorf("freeswitch %s: otlp call outcomes: %w", name, err)
			}
			oo.OnAttempt = rec.Record // OTLP counters and histograms of the outcomes (otlp/outcome.go)
		}
		tr = outcome.New(oo)
		if pipe != nil {
			o.Exporter = &outcomeSink{p: pipe, t: tr} // the log records carry the outcome
		}
		o.Consumers = append(o.Consumers, tr)
		q.mu.Lock()
		if q.outcomes == nil {
			q.outcomes = map[string]*outcome.Tracker{}
		}
		q.outcomes[name] = tr
		q.mu.Unlock()
	}
	q.mu.Lock()
	q.stores = append(q.stores, o.Store)
	q.mu.Unlock()
	if q.ha == nil {
		return []fscollector.Option{fscollector.WithQuality(o)}, nil
	}
	own := q.ha.option(name, &o, pipe, tr) // before WithQuality copies o: fences the store, routes the records
	return []fscollector.Option{own, fscollector.WithQuality(o)}, nil
}

// bind keeps a FreeSWITCH instance for the live-call view and the shutdown, hands its live legs to its OTLP
// pipeline and the instance to its lease.
func (q *qualityConsumer) bind(inst source.Instance) {
	fs, ok := inst.(*fscollector.Instance)
	if !ok {
		return
	}
	q.mu.Lock()
	q.instances = append(q.instances, fs)
	q.mu.Unlock()
	if t := fs.Tracker(); q.otlp != nil && t != nil {
		q.otlp.ObserveLive(fs.Name(), t) // the OTLP live gauges report this tracker's live legs
	}
	if q.ha != nil {
		q.ha.bind(fs)
	}
}

// close stops the event streams, writes the leg state back, sends or keeps on disk what the OTLP queues
// hold, and closes the connections.
func (q *qualityConsumer) close(ctx context.Context) {
	q.mu.Lock()
	insts, stores := q.instances, q.stores
	q.instances, q.stores = nil, nil
	q.mu.Unlock()
	for _, inst := range insts {
		_ = inst.Client().Close() // no more events
	}
	for _, s := range stores {
		_ = s.Close()
	}
	if q.otlp != nil {
		if err := q.otlp.Shutdown(ctx); err != nil {
			q.log.Warn("otlp shutdown", "err", err)
		}
	}
	if q.redis != nil {
		_ = q.redis.Close()
	}
}

// calls lists the live legs of every instance.
func (q *qualityConsumer) calls() []web.CallView {
	q.mu.Lock()
	insts := append([]*fscollector.Instance(nil), q.instances...)
	q.mu.Unlock()
	var out []web.CallView
	for _, inst := range insts {
		t := inst.Tracker()
		if t == nil {
			continue
		}
		name := inst.Name()
		t.Live(func(l quality.LiveLeg) {
			out = append(out, web.CallView{Server: name, Domain: l.Domain, Codec: l.Codec, Direction: l.Direction,
				Started: l.Started, MOS: l.MOS, JitterSeconds: l.Jitter, LossRatio: l.LossRatio, RTTSeconds: l.RTT})
		})
	}
	return out
}

// outcomeTracker is the call-outcome tracker of the FreeSWITCH instance name (nil when off).
func (q *qualityConsumer) outcomeTracker(name string) *outcome.Tracker {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.outcomes[name]
}

// outcomeSink is an instance's OTLP pipeline whose log records carry the leg's call outcome: the outcome
// tracker handled the hangup just before the quality tracker made the record (fscollector dispatch order).
type outcomeSink struct {
	p *otlp.Pipeline
	t *outcome.Tracker
}

func (s *outcomeSink) Sample(l *quality.Leg, lb quality.Labels, smp quality.Sample) {
	s.p.Sample(l, lb, smp)
}

func (s *outcomeSink) Record(r *quality.Record, lb quality.Labels) {
	if a, ok := s.t.LastAttempt(r.ChannelID); ok {
		s.p.RecordOutcome(r, lb, &a)
		return
	}
	s.p.Record(r, lb)
}

func (s *outcomeSink) Stats() otlp.Stats { return s.p.Stats() }

// carriers lists per instance and gateway the call attempts of the last 15 minutes.
func (q *qualityConsumer) carriers() []web.CarrierView {
	q.mu.Lock()
	names := make([]string, 0, len(q.outcomes))
	trs := make([]*outcome.Tracker, 0, len(q.outcomes))
	for n, t := range q.outcomes {
		names, trs = append(names, n), append(trs, t)
	}
	q.mu.Unlock()
	var out []web.CarrierView
	for i, t := range trs {
		out = append(out, recentViews(names[i], "freeswitch", t)...)
	}
	return out
}
