package pipeline

import (
	"context"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	astcollector "github.com/voip-exporter/voip_exporter/collector/asterisk"
	fscollector "github.com/voip-exporter/voip_exporter/collector/freeswitch"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/ha"
	"github.com/voip-exporter/voip_exporter/outcome"
	"github.com/voip-exporter/voip_exporter/source"
	"github.com/voip-exporter/voip_exporter/store"
	"github.com/voip-exporter/voip_exporter/web"
)

// consumer is one user of the event-driven instances' events (see the package doc).
type consumer interface {
	// freeswitch returns the options that attach it to one FreeSWITCH instance's events.
	freeswitch(name string) ([]fscollector.Option, error)
	// bind sees every built instance.
	bind(inst source.Instance)
	// close stops it at exit, after the HA leases were released.
	close(ctx context.Context)
}

// Pipeline is the event pipeline of one process.
type Pipeline struct {
	cfg     *config.Config
	log     *slog.Logger
	agentID string // HA: this agent's id, the same for the whole process ("" without HA)

	quality   *qualityConsumer // nil: no FreeSWITCH event path
	consumers []consumer

	mu          sync.Mutex
	astOutcomes []namedTracker // the Asterisk instances' call-outcome trackers (status page)
	ha          *haRuntime     // started by the first instance that needs it; nil without HA
	started     bool
	closed      bool
}

// New builds the pipeline the configuration asks for. Connections are lazy: an unreachable Redis or OTLP
// receiver is retried, not fatal; a bad OTLP setting is an error.
func New(cfg *config.Config, logger *slog.Logger) (*Pipeline, error) {
	p := &Pipeline{cfg: cfg, log: logger}
	if cfg.HA.Enabled {
		p.agentID = cfg.HA.AgentID
		if p.agentID == "" {
			p.agentID = ha.DefaultAgentID()
		}
	}
	if len(cfg.FreeSWITCH) > 0 && cfg.Events.On() {
		q, err := newQuality(p)
		if err != nil {
			return nil, err
		}
		p.quality = q
		p.consumers = append(p.consumers, q)
	}
	return p, nil
}

// FreeSWITCH returns the options that turn on the event path of the FreeSWITCH instance name (none when
// events are off).
func (p *Pipeline) FreeSWITCH(name string) ([]fscollector.Option, error) {
	var out []fscollector.Option
	for _, c := range p.consumers {
		o, err := c.freeswitch(name)
		if err != nil {
			return nil, err
		}
		out = append(out, o...)
	}
	return out, nil
}

// Bind hands a built instance to the pipeline: a FreeSWITCH instance to its lease and the live-call view,
// an Asterisk instance with an event path (RTCP) to its lease. Other instances are ignored.
func (p *Pipeline) Bind(inst source.Instance) {
	if a, ok := inst.(*astcollector.Instance); ok && a.Outcomes() != nil {
		p.mu.Lock()
		p.astOutcomes = append(p.astOutcomes, namedTracker{a.Name(), a.Outcomes()}) // the status page's trunks
		p.mu.Unlock()
	}
	if a, ok := inst.(*astcollector.Instance); ok && a.HasEvents() {
		if g := p.haGroup(); g != nil {
			// Lease names are per source: an Asterisk and a FreeSWITCH may share a name.
			a.SetLease(g.m.Register("asterisk:"+a.Name(), ha.Nop{}))
		}
	}
	for _, c := range p.consumers {
		c.bind(inst)
	}
}

// Start runs the HA group's loops (lease manager, QoS stream); call it after every instance was bound and
// before they Run.
func (p *Pipeline) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.started = true
	if p.ha != nil {
		p.ha.start()
	}
}

// Close releases the HA leases (the owners write their leg state back first), then closes every consumer:
// the FreeSWITCH event streams, the leg stores, the OTLP queues (sent or kept on disk) and the connections.
// ctx bounds the flush. Close is idempotent.
func (p *Pipeline) Close(ctx context.Context) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	g := p.ha
	p.mu.Unlock()
	if g != nil {
		g.close(ctx)
	}
	for _, c := range p.consumers {
		c.close(ctx)
	}
}

// Collectors are the agent-wide metrics (HA group), for the exporter's own registry.
func (p *Pipeline) Collectors() []prometheus.Collector { return []prometheus.Collector{haCollector{p}} }

// Calls lists the live call legs of every FreeSWITCH instance, for the status page.
func (p *Pipeline) Calls() []web.CallView {
	if p.quality == nil {
		return nil
	}
	return p.quality.calls()
}

// Carriers lists per FreeSWITCH instance and gateway (Asterisk instance and trunk) the call attempts of the last 15 minutes (attempts,
// ASR, top failure cause), for the status page. Under HA a stand-by counts nothing, so lists nothing.
func (p *Pipeline) Carriers() []web.CarrierView {
	var out []web.CarrierView
	if p.quality != nil {
		out = p.quality.carriers()
	}
	p.mu.Lock()
	ast := append([]namedTracker(nil), p.astOutcomes...)
	p.mu.Unlock()
	for _, n := range ast {
		out = append(out, recentViews(n.name, "asterisk", n.t)...)
	}
	return out
}

type namedTracker struct {
	name string
	t    *outcome.Tracker
}

// recentViews is a tracker's last 15 minutes per gateway or trunk.
func recentViews(server, source string, t *outcome.Tracker) []web.CarrierView {
	var out []web.CarrierView
	for _, g := range t.Recent() {
		out = append(out, web.CarrierView{Server: server, Source: source, Gateway: g.Gateway, Attempts: g.Attempts,
			Answered: g.Answered, ASR: g.ASR, TopCause: g.TopCause, TopCauseCount: g.TopCauseCount})
	}
	return out
}

// Agent is this agent's HA summary for /health (nil without HA).
func (p *Pipeline) Agent() *web.AgentView {
	g := p.currentHA()
	if g == nil {
		return nil
	}
	return g.view()
}

// haGroup returns this agent's HA runtime, creating it on first use; nil unless ha.enabled.
func (p *Pipeline) haGroup() *haRuntime {
	if !p.cfg.HA.Enabled {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ha == nil {
		p.ha = newHA(p.cfg, p.agentID, p.log)
		if p.started {
			p.ha.start()
		}
	}
	return p.ha
}

// currentHA is the HA runtime, nil until an instance needed it.
func (p *Pipeline) currentHA() *haRuntime {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ha
}

// redisOptions turns the storage.redis section into the client's options.
func redisOptions(r config.Redis, logger *slog.Logger) store.RedisOptions {
	return store.RedisOptions{Address: r.Address, Password: string(r.Password), DB: r.DB, KeyPrefix: r.KeyPrefix, TTL: r.TTL,
		SentinelMaster: r.Sentinel.MasterName, SentinelAddrs: r.Sentinel.Addresses, SentinelPassword: string(r.Sentinel.Password),
		Logger: logger}
}
