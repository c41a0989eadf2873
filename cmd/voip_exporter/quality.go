package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/common/version"

	fscollector "github.com/voip-exporter/voip_exporter/collector/freeswitch"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/otlp"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/store"
	vweb "github.com/voip-exporter/voip_exporter/web"
)

// shutdownTimeout bounds the flush at exit (Redis write-back, OTLP queue).
const shutdownTimeout = 5 * time.Second

// qualityRuntime is what the FreeSWITCH instances' call-quality paths
// share: the Redis client and the OTLP exporter, built once from the
// configuration, and torn down in order at exit.
type qualityRuntime struct {
	cfg   *config.Config
	log   *slog.Logger
	redis *store.RedisClient
	otlp  *otlp.Exporter
	ha    *haRuntime // ha.enabled: ha.go

	mu        sync.Mutex
	instances []*fscollector.Instance
	stores    []quality.Store
}

var (
	runtimesMu sync.Mutex
	runtimes   []*qualityRuntime
)

// newQualityRuntime connects what the configuration asks for (lazily: an
// unreachable Redis or receiver is retried, not fatal).
func newQualityRuntime(cfg *config.Config, logger *slog.Logger) (*qualityRuntime, error) {
	q := &qualityRuntime{cfg: cfg, log: logger.With("component", "quality")}
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
			ServiceInstanceID: haAgentID(cfg), // HA: each agent its own OTLP resource, so their streams add up
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
	if q.ha = haGroup(cfg, logger); q.ha != nil && q.otlp != nil {
		q.ha.startStream(cfg, q.otlp)
	}
	runtimesMu.Lock()
	runtimes = append(runtimes, q)
	runtimesMu.Unlock()
	return q, nil
}

// option returns the instance option that turns its event path on.
func (q *qualityRuntime) option(name string) (fscollector.Option, error) {
	o := fscollector.QualityOptions{RTCP: q.cfg.Events.RTCPOn(), QoS: q.cfg.Events.QoSOn(), MaxDomains: q.cfg.Events.MaxDomains}
	if q.redis != nil {
		o.Store = store.NewRedis(q.redis, name)
	} else {
		o.Store = store.NewMemory()
	}
	if q.otlp != nil {
		p, err := q.otlp.Pipeline(name)
		if err != nil {
			o.Store.Close()
			return nil, fmt.Errorf("freeswitch %s: %w", name, err)
		}
		o.Exporter = p
	}
	q.mu.Lock()
	q.stores = append(q.stores, o.Store)
	q.mu.Unlock()
	if q.ha != nil {
		var p *otlp.Pipeline
		if q.otlp != nil {
			p = o.Exporter.(*otlp.Pipeline)
		}
		own := q.ha.option(name, &o, p)
		withQ := fscollector.WithQuality(o)
		return func(i *fscollector.Instance) { own(i); withQ(i) }, nil
	}
	return fscollector.WithQuality(o), nil
}

func (q *qualityRuntime) add(inst *fscollector.Instance) {
	q.mu.Lock()
	q.instances = append(q.instances, inst)
	q.mu.Unlock()
	if q.ha != nil {
		q.ha.bind(inst)
	}
}

// close stops the event streams, writes the leg state back, sends or keeps
// on disk what the OTLP queues hold, and closes the connections.
func (q *qualityRuntime) close(ctx context.Context) {
	if q.ha != nil {
		q.ha.close(ctx) // owners write their state back and release their leases
	}
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

// shutdownQuality flushes every call-quality path; main runs it at exit.
func shutdownQuality() {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	closeHAGroup(ctx) // leases released first: the owners write their leg state back
	runtimesMu.Lock()
	rs := runtimes
	runtimes = nil
	runtimesMu.Unlock()
	for _, r := range rs {
		r.close(ctx)
	}
}

// liveCalls lists the live legs of every instance for the status page.
func liveCalls() []vweb.CallView {
	runtimesMu.Lock()
	rs := append([]*qualityRuntime(nil), runtimes...)
	runtimesMu.Unlock()
	var out []vweb.CallView
	for _, r := range rs {
		r.mu.Lock()
		insts := append([]*fscollector.Instance(nil), r.instances...)
		r.mu.Unlock()
		for _, inst := range insts {
			t := inst.Tracker()
			if t == nil {
				continue
			}
			name := inst.Name()
			t.Live(func(l quality.LiveLeg) {
				out = append(out, vweb.CallView{Server: name, Domain: l.Domain, Codec: l.Codec, Direction: l.Direction,
					Started: l.Started, MOS: l.MOS, JitterSeconds: l.Jitter, LossRatio: l.LossRatio, RTTSeconds: l.RTT})
			})
		}
	}
	return out
}

// redisOptions turns the storage.redis section into the client's options.
func redisOptions(r config.Redis, logger *slog.Logger) store.RedisOptions {
	return store.RedisOptions{Address: r.Address, Password: string(r.Password), DB: r.DB, KeyPrefix: r.KeyPrefix, TTL: r.TTL,
		SentinelMaster: r.Sentinel.MasterName, SentinelAddrs: r.Sentinel.Addresses, SentinelPassword: string(r.Sentinel.Password),
		Logger: logger}
}
