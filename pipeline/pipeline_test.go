package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	astcollector "github.com/voip-exporter/voip_exporter/collector/asterisk"
	fscollector "github.com/voip-exporter/voip_exporter/collector/freeswitch"
	"github.com/voip-exporter/voip_exporter/config"
	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
	"github.com/voip-exporter/voip_exporter/source"
	"github.com/voip-exporter/voip_exporter/store"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

var quiet = slog.New(slog.DiscardHandler)

func parse(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.yml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// waitFor polls cond (which says what is still missing, "" when done) under a generous deadline.
func waitFor(t *testing.T, what func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		miss := what()
		if miss == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(miss)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func gather(t *testing.T, p *Pipeline) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(p.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

func startSim(t *testing.T) *fssim.Server {
	s := fssim.New(fssim.Config{RTCPInterval: 200 * time.Millisecond})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// build makes the configured FreeSWITCH instances the way cmd/voip_exporter does.
func build(t *testing.T, p *Pipeline, cfg *config.Config) []*fscollector.Instance {
	t.Helper()
	var out []*fscollector.Instance
	for _, fc := range cfg.FreeSWITCH {
		opts, err := p.FreeSWITCH(fc.Name)
		if err != nil {
			t.Fatal(err)
		}
		inst := fscollector.NewInstance(fc, fscollector.Scrapers(), quiet, opts...)
		p.Bind(inst)
		out = append(out, inst)
	}
	return out
}

// Without FreeSWITCH events nor HA the pipeline adds nothing: no options, no calls, no agent, no metrics.
func TestNothingToRun(t *testing.T) {
	cfg := parse(t, "events:\n  rtcp: false\n  qos: false\nfreeswitch:\n  - name: fs0\n    address: 127.0.0.1:1\n")
	p, err := New(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := p.FreeSWITCH("fs0")
	if err != nil || len(opts) != 0 {
		t.Fatalf("events off: %d options, %v", len(opts), err)
	}
	p.Bind(fscollector.NewInstance(cfg.FreeSWITCH[0], nil, quiet))
	p.Start()
	if c := p.Calls(); c != nil {
		t.Errorf("calls = %v", c)
	}
	if a := p.Agent(); a != nil {
		t.Errorf("agent = %+v", a)
	}
	if mfs := gather(t, p); len(mfs) != 0 {
		t.Errorf("metrics without HA: %v", mfs)
	}
	p.Close(context.Background())
	p.Close(context.Background()) // idempotent
}

// The live-call view lists every leg the simulator has up, per server, learned through the options the
// pipeline gave (show channels at connect, then the events); Close ends the event stream.
func TestLiveCalls(t *testing.T) {
	sim := startSim(t)
	// A bridged call is two legs (inbound A, outbound B), an unbridged outbound call one: 3 legs.
	sim.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMA", Domain: "a.example", Bridged: true, Duration: time.Hour})
	sim.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "G722", Domain: "b.example", Direction: "outbound", Duration: time.Hour})
	cfg := parse(t, fmt.Sprintf("freeswitch:\n  - name: fs-live\n    address: %s\n", sim.Addr()))
	p, err := New(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	insts := build(t, p, cfg)
	if insts[0].Tracker() == nil {
		t.Fatal("events on (the default) but no call-quality path")
	}
	p.Start()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go insts[0].Run(ctx)
	var got []string
	waitFor(t, func() string {
		got = nil
		for _, c := range p.Calls() {
			got = append(got, c.Server+" "+c.Direction+" "+c.Domain+" "+c.Codec)
		}
		slices.Sort(got)
		want := []string{"fs-live inbound a.example PCMA", "fs-live outbound a.example PCMA", "fs-live outbound b.example G722"}
		if !slices.Equal(got, want) {
			return fmt.Sprintf("live calls %q, want %q", got, want)
		}
		return ""
	})
	p.Close(context.Background())
	waitFor(t, func() string {
		if insts[0].Client().Status().Connected {
			return "the event connection is still up after Close"
		}
		return ""
	})
}

// With ha.enabled the FreeSWITCH instance and an Asterisk instance with RTCP tracking each get a lease
// ("asterisk:" prefixed, as Asterisk and FreeSWITCH names may clash); a lone agent holds both, reports them
// on /health and in its metrics, and releases them at Close.
func TestHAGroup(t *testing.T) {
	rs := redistest.Start(t)
	sim := startSim(t)
	cfg := parse(t, fmt.Sprintf(`freeswitch:
  - name: pbx
    address: %s
asterisk:
  - name: pbx
    address: 127.0.0.1:1
    username: u
    secret: s
storage:
  type: redis
  redis:
    address: %s
ha:
  enabled: true
  agent_id: agent-t
  lease_ttl: 2s
`, sim.Addr(), rs.Addr()))
	p, err := New(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	fs := build(t, p, cfg)
	ast, err := astcollector.NewInstance(cfg.Asterisk[0], nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	p.Bind(ast)
	p.Bind(source.Instance(nil)) // ignored
	p.Start()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go fs[0].Run(ctx)

	rc := store.NewRedisClient(store.RedisOptions{Address: rs.Addr()})
	defer rc.Close()
	prefix := cfg.Storage.Redis.KeyPrefix // default "voip_exporter:" (config/quality.go)
	keys := []string{prefix + "lease:pbx", prefix + "lease:asterisk:pbx"}
	waitFor(t, func() string {
		a := p.Agent()
		if a == nil || a.ID != "agent-t" || a.LeasesHeld != 2 || a.Agents != 1 || a.Quota != 2 {
			return fmt.Sprintf("agent view %+v, want agent-t holding 2 of quota ceil(2/1)=2", a)
		}
		for _, k := range keys {
			// The lease value is "<token> <agent>" (ha/doc.go).
			if v, _ := rc.Redis().Get(ctx, k).Result(); !strings.HasSuffix(v, " agent-t") {
				return fmt.Sprintf("%s = %q, want held by agent-t", k, v)
			}
		}
		return ""
	})
	mfs := gather(t, p)
	for name, want := range map[string]float64{"voip_exporter_ha_leases_held": 2, "voip_exporter_ha_agents": 1,
		"voip_exporter_ha_lease_quota": 2, "voip_exporter_ha_takeovers_total": 2} {
		mf := mfs[name]
		if mf == nil {
			t.Errorf("%s missing", name)
			continue
		}
		m := mf.GetMetric()[0]
		if v := m.GetGauge().GetValue() + m.GetCounter().GetValue(); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
	for name, mf := range mfs {
		if strings.HasSuffix(mf.GetHelp(), "New.") {
			t.Errorf("%s help still ends in New.: %q", name, mf.GetHelp())
		}
	}
	if _, ok := mfs["voip_exporter_ha_stream_up"]; ok {
		t.Error("stream metrics without OTLP")
	}
	p.Close(context.Background())
	for _, k := range keys {
		if n, _ := rc.Redis().Exists(context.Background(), k).Result(); n != 0 {
			t.Errorf("%s still held after Close", k)
		}
	}
}
