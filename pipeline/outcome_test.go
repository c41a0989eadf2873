package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	astcollector "github.com/voip-exporter/voip_exporter/collector/asterisk"
	fscollector "github.com/voip-exporter/voip_exporter/collector/freeswitch"
	"github.com/voip-exporter/voip_exporter/otlp/otlptest"
	"github.com/voip-exporter/voip_exporter/outcome"
	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

// replayESL is an Event Socket server that accepts any password, answers every command +OK (api: an
// empty channel list) and, once the client subscribed, writes the captured event frames as they were
// received from FreeSWITCH 1.10.12.
func replayESL(t *testing.T, frames [][]byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveReplay(c, frames)
		}
	}()
	return ln.Addr().String()
}

func serveReplay(c net.Conn, frames [][]byte) {
	defer c.Close()
	r := bufio.NewReader(c)
	if _, err := c.Write([]byte("Content-Type: auth/request\n\n")); err != nil {
		return
	}
	sent := false
	for {
		var cmd string
		for { // a command ends with an empty line
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			if cmd == "" {
				cmd = line
			}
		}
		if strings.HasPrefix(cmd, "api ") {
			body := `{"row_count":0}`
			fmt.Fprintf(c, "Content-Type: api/response\nContent-Length: %d\n\n%s", len(body), body)
		} else {
			fmt.Fprint(c, "Content-Type: command/reply\nReply-Text: +OK\n\n")
		}
		if strings.HasPrefix(cmd, "event ") && strings.Contains(cmd, "CHANNEL_HANGUP_COMPLETE") && !sent {
			sent = true
			go func() {
				for _, f := range frames {
					if _, err := c.Write(f); err != nil {
						return
					}
				}
			}()
		}
	}
}

// capturedFrames reads every event frame of the real calls, in arrival order per call.
func capturedFrames(t *testing.T, calls ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, call := range calls {
		names, err := filepath.Glob(filepath.Join("../testdata/freeswitch/calls", call, "events-plain", "*.txt"))
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: no frames (%v)", call, err)
		}
		sort.Strings(names)
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

func gatherInstance(t *testing.T, inst *fscollector.Instance) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(instCollector{inst})
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

// instCollector collects an instance the way the exporter's handler does (unchecked).
type instCollector struct{ i *fscollector.Instance }

func (instCollector) Describe(chan<- *prometheus.Desc) {}
func (c instCollector) Collect(ch chan<- prometheus.Metric) {
	c.i.Collect(context.Background(), ch)
}

func labelsOf(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

// The three real FreeSWITCH calls, replayed over the Event Socket into an instance built by the pipeline,
// give their outcomes on the instance's metrics: 8 CHANNEL_HANGUP_COMPLETE (call1: 2 legs, call2: 4,
// call3: 2), all answered (Caller-Channel-Answered-Time ≠ 0 in each), 4 inbound and 4 outbound
// (Call-Direction), domain 127.0.0.1 (variable_sip_from_host), no gateway (no variable_sip_gateway_name,
// last_app not a gateway bridge): answered = attempts = 4 per direction, ASR 1.
func TestOutcomesFromRealCalls(t *testing.T) {
	addr := replayESL(t, capturedFrames(t, "call1-echo-hupall", "call2-bridge-natural-hangup", "call3-degraded-loss-jitter"))
	cfg := parse(t, fmt.Sprintf("freeswitch:\n  - name: fs-real\n    address: %s\n", addr))
	p, err := New(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	insts := build(t, p, cfg)
	p.Start()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go insts[0].Run(ctx)
	tr := p.quality.outcomeTracker("fs-real")
	if tr == nil {
		t.Fatal("events.outcomes defaults to on, but no outcome tracker")
	}
	waitFor(t, func() string {
		if s := tr.Stats(); s.Recorded != 8 {
			return fmt.Sprintf("%d attempts recorded, want 8", s.Recorded)
		}
		return ""
	})
	mfs := gatherInstance(t, insts[0])
	mf := mfs["voip_call_attempts_total"]
	if mf == nil {
		t.Fatal("no voip_call_attempts_total on the instance's metrics")
	}
	got := map[string]float64{}
	for _, m := range mf.GetMetric() {
		l := labelsOf(m)
		if l["source"] != "freeswitch" || l["gateway"] != "none" || l["domain"] != "127.0.0.1" {
			t.Errorf("series %v", l)
		}
		got[l["direction"]+" "+l["outcome"]] += m.GetCounter().GetValue()
	}
	for _, dir := range []string{"inbound", "outbound"} {
		var all float64
		for k, v := range got {
			if strings.HasPrefix(k, dir+" ") {
				all += v
			}
		}
		if ans := got[dir+" answered"]; ans != 4 || all != 4 {
			t.Errorf("%s: answered %v of %v attempts, want 4 of 4 (ASR 1); all: %v", dir, ans, all, got)
		}
	}
	// The status page's view: the 8 legs, all through no gateway, all answered, no failure cause.
	if c := p.Carriers(); len(c) != 1 || c[0].Server != "fs-real" || c[0].Gateway != "none" || c[0].Attempts != 8 ||
		c[0].Answered != 8 || c[0].ASR != 1 || c[0].TopCause != "" {
		t.Errorf("carriers %+v, want fs-real none 8/8 ASR 1", c)
	}
	if h := mfs["voip_call_answered_duration_seconds"]; h == nil || len(h.GetMetric()) != 2 {
		t.Errorf("answered-duration histograms: %v", h)
	} else {
		var n uint64
		for _, m := range h.GetMetric() {
			n += m.GetHistogram().GetSampleCount()
		}
		if n != 8 {
			t.Errorf("answered durations observed %d, want 8 (every leg answered, billusec > 0)", n)
		}
	}
}

// events.outcomes: false leaves the outcome series out.
func TestOutcomesOff(t *testing.T) {
	cfg := parse(t, "events:\n  outcomes: false\nfreeswitch:\n  - name: fs0\n    address: 127.0.0.1:1\n")
	p, err := New(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	build(t, p, cfg)
	if p.quality.outcomeTracker("fs0") != nil {
		t.Error("outcome tracker with events.outcomes: false")
	}
}

// With OTLP on, a failed attempt without media gets its log record with the outcome, and the outcome
// instruments reach the receiver: the simulator's busy attempt through gw-loop (sim/freeswitch/failures.go:
// 486 → USER_BUSY, Q.850 17, sofia_glue.c:1854) with its 180 1.5 s after the INVITE.
func TestOutcomeInOTLPRecords(t *testing.T) {
	rec := &otlptest.Received{}
	recv, err := otlptest.StartGRPC("127.0.0.1:0", rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Stop()
	sim := startSim(t)
	cfg := parse(t, fmt.Sprintf("freeswitch:\n  - name: fs-otlp\n    address: %s\notlp:\n  endpoint: %s\n  insecure: true\n  metric_interval: 1s\n  queue:\n    dir: %s\n",
		sim.Addr(), recv.Addr(), t.TempDir()))
	p, err := New(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	insts := build(t, p, cfg)
	p.Start()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go insts[0].Run(ctx)
	waitFor(t, func() string {
		if !insts[0].Client().Status().Connected {
			return "not connected"
		}
		return ""
	})
	uuid := sim.StartCall(fssim.CallSpec{Failure: fssim.FailBusy, Gateway: "gw-loop", PDD: 1500 * time.Millisecond, Duration: 4 * time.Second})
	var got map[string]any
	waitFor(t, func() string {
		for _, lr := range rec.Logs() {
			a := logAttrs(lr)
			if a["channel_id"] == uuid {
				got = a
				return ""
			}
		}
		return "no log record of the failed attempt " + uuid
	})
	for k, want := range map[string]any{"call_outcome": "busy", "hangup_cause": "USER_BUSY", "hangup_cause_q850": int64(17),
		"sip_final_code": int64(486), "gateway": "gw-loop", "post_dial_delay_seconds": 1.5} {
		if got[k] != want {
			t.Errorf("%s = %v (%T), want %v", k, got[k], got[k], want)
		}
	}
	waitFor(t, func() string {
		names := rec.MetricNames()
		for _, n := range []string{"voip.call.attempts", "voip.call.failures", "voip.call.sip_final_responses", "voip.call.post_dial_delay"} {
			if !names[n] {
				return "no OTLP metric " + n
			}
		}
		return ""
	})
}

func logAttrs(lr *logspb.LogRecord) map[string]any {
	out := map[string]any{}
	for _, kv := range lr.GetAttributes() {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			out[kv.GetKey()] = v.StringValue
		case *commonpb.AnyValue_DoubleValue:
			out[kv.GetKey()] = v.DoubleValue
		case *commonpb.AnyValue_IntValue:
			out[kv.GetKey()] = v.IntValue
		}
	}
	return out
}

// HA: two agents on one FreeSWITCH; only the lease owner counts and exports the outcomes, so a failed
// attempt is counted once over both agents' metrics.
func TestOutcomesOwnerOnly(t *testing.T) {
	rs := redistest.Start(t)
	sim := startSim(t)
	yaml := func(agent string) string {
		return fmt.Sprintf("freeswitch:\n  - name: pbx\n    address: %s\nstorage:\n  type: redis\n  redis:\n    address: %s\nha:\n  enabled: true\n  agent_id: %s\n  lease_ttl: 2s\n",
			sim.Addr(), rs.Addr(), agent)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var insts []*fscollector.Instance
	for _, agent := range []string{"agent-a", "agent-b"} {
		cfg := parse(t, yaml(agent))
		p, err := New(cfg, quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(context.Background())
		in := build(t, p, cfg)
		p.Start()
		go in[0].Run(ctx)
		insts = append(insts, in[0])
	}
	count := func() (total float64, exporters int) {
		for _, in := range insts {
			mf := gatherInstance(t, in)["voip_call_attempts_total"]
			if mf == nil {
				continue
			}
			exporters++
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
		return
	}
	// One owner, both connected (the stand-by keeps its connection for the hangups).
	waitFor(t, func() string {
		owners := 0
		for _, in := range insts {
			if !in.Client().Status().Connected {
				return "an agent is not connected"
			}
			if h := in.Health(); h.HAState == "owner" {
				owners++
			}
		}
		if owners != 1 {
			return fmt.Sprintf("%d owners, want 1", owners)
		}
		return ""
	})
	sim.StartCall(fssim.CallSpec{Failure: fssim.FailCongestion, Gateway: "gw-loop", Duration: time.Second})
	waitFor(t, func() string {
		if n, e := count(); n != 1 || e != 1 {
			return fmt.Sprintf("%v attempts from %d agents, want 1 from the owner alone", n, e)
		}
		return ""
	})
}

// The status page's carriers include an Asterisk instance's trunks (its outcome tracker, collector/asterisk).
func TestCarriersIncludeAsteriskTrunks(t *testing.T) {
	cfg := parse(t, "asterisk:\n  - name: pbx\n    address: 127.0.0.1:1\n    username: u\n    secret: s\n")
	p, err := New(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	ast, err := astcollector.NewInstance(cfg.Asterisk[0], nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if ast.Outcomes() == nil {
		t.Skip("this Asterisk mode tracks no outcomes")
	}
	p.Bind(ast)
	ast.Outcomes().Record(&outcome.Attempt{Gateway: "trunk1", Direction: "outbound", Cause: outcome.CauseUserBusy, PDD: math.NaN()})
	c := p.Carriers()
	if len(c) != 1 || c[0].Server != "pbx" || c[0].Source != "asterisk" || c[0].Gateway != "trunk1" || c[0].Attempts != 1 ||
		c[0].ASR != 0 || c[0].TopCause != "USER_BUSY" || c[0].TopCauseCount != 1 {
		t.Errorf("carriers %+v, want pbx/asterisk trunk1: 1 attempt, ASR 0, USER_BUSY ×1", c)
	}
}
