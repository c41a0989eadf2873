package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"

	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/otlp/otlptest"
	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

// qSum adds up the samples of a metric whose label set contains every
// fragment (e.g. `server="fs1"`).
func qSum(exposition, name string, fragments ...string) (float64, bool) {
	total, found := 0.0, false
	for _, line := range strings.Split(exposition, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		ok := true
		for _, f := range fragments {
			if !strings.Contains(line[:sp], f) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err == nil {
			total += v
			found = true
		}
	}
	return total, found
}

// qWaitMetric waits until a metric sum satisfies cond.
func qWaitMetric(t *testing.T, e *exporter, d time.Duration, name string, cond func(float64) bool, fragments ...string) {
	t.Helper()
	waitFor(t, d, func() string {
		_, body := e.get("/metrics")
		v, _ := qSum(body, name, fragments...)
		if !cond(v) {
			return fmt.Sprintf("%s%v = %v", name, fragments, v)
		}
		return ""
	})
}

func attr(kvs []*commonpb.KeyValue, key string) string {
	for _, kv := range kvs {
		if kv.GetKey() == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

func num(kvs []*commonpb.KeyValue, key string) float64 {
	for _, kv := range kvs {
		if kv.GetKey() == key {
			switch v := kv.GetValue().GetValue().(type) {
			case *commonpb.AnyValue_IntValue:
				return float64(v.IntValue)
			case *commonpb.AnyValue_DoubleValue:
				return v.DoubleValue
			}
		}
	}
	return -1
}

// hangupLog keeps the CHANNEL_HANGUP_COMPLETE events a second, independent
// Event Socket subscriber saw.
type hangupLog struct {
	mu sync.Mutex
	m  map[string]*esl.Event
}

func (h *hangupLog) get(id string) *esl.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[id]
}

func observeHangups(t testing.TB, addr string) *hangupLog {
	h := &hangupLog{m: map[string]*esl.Event{}}
	c, err := esl.NewClient(esl.ClientOptions{Address: addr, Password: "ClueCon", Events: []string{"CHANNEL_HANGUP_COMPLETE"},
		OnEvent: func(e *esl.Event) { h.mu.Lock(); h.m[e.Get("Unique-ID")] = e; h.mu.Unlock() },
		Logger:  slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, 5*time.Second, func() string {
		if !c.Status().Connected {
			return "observer not connected"
		}
		return ""
	})
	return h
}

// legsOf lists the channel ids of the calls now up.
func legsOf(calls []fssim.CallInfo) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.UUID)
		if c.BLegUUID != "" {
			out = append(out, c.BLegUUID)
		}
	}
	return out
}

func hangupAll(sim *fssim.Server, calls []fssim.CallInfo) {
	for _, c := range calls {
		sim.HangupCall(c.UUID, "NORMAL_CLEARING")
	}
}

// TestQualityOTLPNothingLost runs the binary against the simulator and a
// real OTLP/gRPC receiver: the receiver gets the metric instruments and
// every QoS record; stopping the receiver for a while and restarting the
// agent meanwhile loses no record and duplicates none.
func TestQualityOTLPNothingLost(t *testing.T) {
	rec := &otlptest.Received{}
	recv, err := otlptest.StartGRPC("127.0.0.1:0", rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	recvAddr := recv.Addr()
	sim := fssim.New(fssim.Config{RTCPInterval: 200 * time.Millisecond})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	hangups := observeHangups(t, sim.Addr())
	queueDir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  timeout: 2s
freeswitch:
  - name: fs1
    address: %s
otlp:
  endpoint: %s
  insecure: true
  timeout: 2s
  metric_interval: 1s
  headers:
    x-api-key: ${OTLP_KEY}
  queue:
    dir: %s
  retry:
    initial_interval: 100ms
    max_interval: 500ms
`, sim.Addr(), recvAddr, queueDir)
	t.Setenv("OTLP_KEY", "secret-key")
	e := startExporter(t, cfg, "http")
	qWaitMetric(t, e, 10*time.Second, "voip_exporter_connection_up", func(v float64) bool { return v == 1 }, `server="fs1"`)

	var want []string
	start := func(specs ...fssim.CallSpec) []fssim.CallInfo {
		before := map[string]bool{}
		for _, c := range sim.Calls() {
			before[c.UUID] = true
		}
		for _, s := range specs {
			s.Duration = time.Hour
			if sim.StartCall(s) == "" {
				t.Fatal("call not started")
			}
		}
		var out []fssim.CallInfo
		for _, c := range sim.Calls() {
			if !before[c.UUID] {
				out = append(out, c)
			}
		}
		return out
	}
	// Phase 1: receiver up.
	calls := start(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMU", Domain: "a.example"},
		fssim.CallSpec{Quality: fssim.QualityLossy, Codec: "PCMA", Domain: "b.example", Bridged: true},
		fssim.CallSpec{Quality: fssim.QualityJittery, Codec: "G722", Domain: "a.example", Direction: "outbound"})
	qWaitMetric(t, e, 10*time.Second, "voip_exporter_quality_rtcp_messages_processed_total", func(v float64) bool { return v >= 16 }, `server="fs1"`)
	waitFor(t, 10*time.Second, func() string { // the live gauges exist while the legs do
		names := rec.MetricNames()
		for _, n := range []string{"freeswitch.rtcp.jitter", "freeswitch.rtcp.fraction_lost", "freeswitch.quality.live_legs"} {
			if !names[n] {
				return "metric " + n + " not received"
			}
		}
		return ""
	})
	hangupAll(sim, calls)
	want = append(want, legsOf(calls)...)
	waitFor(t, 10*time.Second, func() string {
		if n := len(rec.Logs()); n != len(want) {
			return fmt.Sprintf("%d records received, want %d", n, len(want))
		}
		return ""
	})
	waitFor(t, 10*time.Second, func() string {
		names := rec.MetricNames()
		for _, n := range []string{"freeswitch.rtcp.packets_lost", "freeswitch.qos.mos_score", "freeswitch.qos.jitter",
			"freeswitch.qos.loss_ratio", "freeswitch.qos.packets", "freeswitch.qos.bytes", "freeswitch.qos.legs"} {
			if !names[n] {
				return "metric " + n + " not received"
			}
		}
		return ""
	})
	for _, md := range rec.Headers() {
		if v := md.Get("x-api-key"); len(v) != 1 || v[0] != "secret-key" {
			t.Fatalf("headers %v", md)
		}
	}
	_, body := e.get("/metrics")
	promtoolCheck(t, body)
	for _, m := range []string{"freeswitch_qos_mos_score_count", "freeswitch_rtcp_jitter_seconds_count", "freeswitch_qos_loss_ratio_count",
		"freeswitch_rtcp_rtt_seconds_count", "freeswitch_qos_legs_total", "voip_exporter_otlp_records_exported_total"} {
		if v, ok := qSum(body, m, `server="fs1"`); !ok || v == 0 {
			t.Errorf("%s = %v", m, v)
		}
	}
	if strings.Contains(body, "channel_id=") || strings.Contains(body, "correlation_id=") {
		t.Error("per-call id in a Prometheus label")
	}

	// Phase 2: the receiver stops; records wait on disk.
	recv.Stop()
	calls = start(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "opus", Domain: "a.example"},
		fssim.CallSpec{Quality: fssim.QualityLossy, Codec: "PCMU", Domain: "a.example", Bridged: true})
	time.Sleep(300 * time.Millisecond)
	hangupAll(sim, calls)
	want = append(want, legsOf(calls)...)
	qWaitMetric(t, e, 10*time.Second, "voip_exporter_otlp_queue_records", func(v float64) bool { return v == 3 }, `server="fs1"`)
	qWaitMetric(t, e, 10*time.Second, "voip_exporter_otlp_export_failures_total", func(v float64) bool { return v > 0 }, `signal="logs"`)
	qWaitMetric(t, e, 10*time.Second, "voip_exporter_otlp_up", func(v float64) bool { return v == 0 }, `server="fs1"`)

	// Phase 3: a call stays up while the agent restarts (receiver still down).
	long := start(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMU", Domain: "c.example", Bridged: true})
	e.stop()
	if !strings.Contains(e.logs.String(), "kept on disk for the next start") {
		t.Errorf("shutdown did not report the queued records:\n%s", e.logs)
	}
	e = startExporter(t, cfg, "http")
	qWaitMetric(t, e, 10*time.Second, "freeswitch_quality_live_legs", func(v float64) bool { return v == 2 }, `server="fs1"`, `domain="c.example"`)
	qWaitMetric(t, e, 10*time.Second, "voip_exporter_otlp_queue_records", func(v float64) bool { return v == 3 }, `server="fs1"`)
	short := start(fssim.CallSpec{Quality: fssim.QualityJittery, Codec: "PCMU", Domain: "d.example", Direction: "outbound"})
	qWaitMetric(t, e, 10*time.Second, "freeswitch_rtcp_rtt_seconds_count", func(v float64) bool { return v >= 2 }, `server="fs1"`)
	hangupAll(sim, short)
	want = append(want, legsOf(short)...)
	qWaitMetric(t, e, 10*time.Second, "voip_exporter_otlp_queue_records", func(v float64) bool { return v == 4 }, `server="fs1"`)
	_, docBody := e.get("/metrics") // live legs, RTCP, records and a backed-up queue: every family
	hangupAll(sim, long)
	want = append(want, legsOf(long)...)
	qWaitMetric(t, e, 10*time.Second, "voip_exporter_otlp_queue_records", func(v float64) bool { return v == 6 }, `server="fs1"`)

	// Phase 4: the receiver returns where it was: everything arrives, once.
	recv, err = otlptest.StartGRPC(recvAddr, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Stop()
	waitFor(t, 15*time.Second, func() string {
		if n := len(rec.Logs()); n < len(want) {
			return fmt.Sprintf("%d records received, want %d", n, len(want))
		}
		return ""
	})
	qWaitMetric(t, e, 10*time.Second, "voip_exporter_otlp_queue_records", func(v float64) bool { return v == 0 }, `server="fs1"`)
	seen := map[string]int{}
	for _, lr := range rec.Logs() {
		id, ch := attr(lr.GetAttributes(), "record_id"), attr(lr.GetAttributes(), "channel_id")
		if !strings.HasPrefix(id, "fs1/"+ch+"/") {
			t.Errorf("record_id %q for channel %q", id, ch)
		}
		seen[ch]++
	}
	if len(rec.Logs()) != len(want) {
		t.Errorf("%d records received, want exactly %d", len(rec.Logs()), len(want))
	}
	// Each record says what the simulator's hangup event said.
	for _, lr := range rec.Logs() {
		a := lr.GetAttributes()
		h := hangups.get(attr(a, "channel_id"))
		if h == nil {
			t.Errorf("no hangup event seen for %s", attr(a, "channel_id"))
			continue
		}
		for key, hdr := range map[string]string{"domain_name": "variable_domain_name", "codec_name": "variable_rtp_use_codec_name",
			"direction": "Call-Direction", "hangup_cause": "Hangup-Cause", "correlation_id": "variable_sip_call_id",
			"src_ip": "variable_local_media_ip", "dst_ip": "variable_remote_media_ip"} {
			if got := attr(a, key); got != h.Get(hdr) {
				t.Errorf("%s: %s = %q, want %q", attr(a, "channel_id"), key, got, h.Get(hdr))
			}
		}
		for key, hdr := range map[string]string{"mos_score": "variable_rtp_audio_in_mos", "packets_in": "variable_rtp_audio_in_packet_count",
			"skip_packets_in": "variable_rtp_audio_in_skip_packet_count", "bytes_out": "variable_rtp_audio_out_media_bytes"} {
			want, _ := strconv.ParseFloat(h.Get(hdr), 64)
			if got := num(a, key); got != want {
				t.Errorf("%s: %s = %v, want %v", attr(a, "channel_id"), key, got, want)
			}
		}
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("leg %s: %d records, want 1", id, seen[id])
		}
	}
	_, body = e.get("/metrics")
	if v, _ := qSum(body, "voip_exporter_otlp_records_dropped_total", `server="fs1"`); v != 0 {
		t.Errorf("records dropped: %v", v)
	}
	promtoolCheck(t, docBody)
	checkMetricsDoc(t, docBody, "../docs/metrics-quality.md",
		"a scrape after calls of each quality on the simulator, a receiver outage and an agent restart (`e2e/quality_test.go`)",
		func(name string) bool {
			for _, p := range []string{"freeswitch_rtcp_", "freeswitch_qos_", "freeswitch_quality_", "voip_exporter_quality_", "voip_exporter_storage_", "voip_exporter_otlp_"} {
				if strings.HasPrefix(name, p) {
					return true
				}
			}
			return false
		})
}

// TestQualityRedis runs two agents on one simulator sharing a real
// redis-server: the leg state is in Redis with its TTL, each record is
// exported once between them, a restarted agent resumes the live calls
// from Redis, and when Redis is killed the agent keeps working, says so,
// and writes its state back once Redis returns.
func TestQualityRedis(t *testing.T) {
	rs := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr(), Protocol: 2, DisableIdentity: true})
	defer rdb.Close()
	ctx := context.Background()
	rec := &otlptest.Received{}
	recv, err := otlptest.StartGRPC("127.0.0.1:0", rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Stop()
	sim := fssim.New(fssim.Config{RTCPInterval: 200 * time.Millisecond})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	cfgFor := func() string {
		return fmt.Sprintf(`freeswitch:
  - name: fs1
    address: %s
storage:
  type: redis
  redis:
    address: %s
otlp:
  endpoint: %s
  insecure: true
  queue:
    dir: %s
`, sim.Addr(), rs.Addr(), recv.Addr(), t.TempDir())
	}
	a := startExporter(t, cfgFor(), "http")
	b := startExporter(t, cfgFor(), "http")
	for _, e := range []*exporter{a, b} {
		qWaitMetric(t, e, 10*time.Second, "voip_exporter_connection_up", func(v float64) bool { return v == 1 }, `server="fs1"`)
	}
	for _, s := range []fssim.CallSpec{
		{Quality: fssim.QualityGood, Codec: "PCMU", Domain: "r.example", Duration: time.Hour, Bridged: true},
		{Quality: fssim.QualityLossy, Codec: "PCMA", Domain: "r.example", Duration: time.Hour},
		{Quality: fssim.QualityJittery, Codec: "PCMU", Domain: "r.example", Duration: time.Hour},
	} {
		sim.StartCall(s)
	}
	calls := sim.Calls()
	for _, e := range []*exporter{a, b} {
		qWaitMetric(t, e, 10*time.Second, "freeswitch_quality_live_legs", func(v float64) bool { return v == 4 }, `server="fs1"`)
	}
	// The state is in Redis, with its TTL.
	waitFor(t, 5*time.Second, func() string {
		if n := rdb.SCard(ctx, "voip_exporter:legs:fs1").Val(); n != 4 {
			return fmt.Sprintf("%d legs in redis", n)
		}
		return ""
	})
	key := "voip_exporter:leg:fs1:" + calls[0].UUID
	if ttl := rdb.TTL(ctx, key).Val(); ttl <= 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("TTL of %s = %v", key, ttl)
	}
	if d := rdb.HGet(ctx, key, "domain").Val(); d != "r.example" {
		t.Errorf("domain in redis = %q", d)
	}
	// One call ends: one record per leg between the two agents.
	sim.HangupCall(calls[0].UUID, "NORMAL_CLEARING")
	waitFor(t, 10*time.Second, func() string {
		if n := len(rec.Logs()); n != 2 {
			return fmt.Sprintf("%d records, want 2", n)
		}
		return ""
	})
	time.Sleep(300 * time.Millisecond) // the other agent's claim is refused, not late
	if n := len(rec.Logs()); n != 2 {
		t.Errorf("%d records for 2 legs watched by 2 agents", n)
	}
	claimed := 0.0
	for _, e := range []*exporter{a, b} {
		_, body := e.get("/metrics")
		v, _ := qSum(body, "voip_exporter_quality_events_rejected_total", `reason="claimed_by_other_agent"`)
		claimed += v
	}
	if claimed != 2 {
		t.Errorf("claims refused: %v, want 2", claimed)
	}

	// Agent a restarts: it resumes the live legs from Redis.
	a.stop()
	a = startExporter(t, cfgFor(), "http")
	qWaitMetric(t, a, 10*time.Second, "voip_exporter_quality_legs_loaded_total", func(v float64) bool { return v == 2 }, `server="fs1"`)
	qWaitMetric(t, a, 10*time.Second, "freeswitch_quality_live_legs", func(v float64) bool { return v == 2 }, `server="fs1"`)

	// Redis dies: agent a keeps working and says why.
	rs.Kill()
	sim.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMU", Domain: "r.example", Duration: time.Hour})
	qWaitMetric(t, a, 10*time.Second, "freeswitch_quality_live_legs", func(v float64) bool { return v == 3 }, `server="fs1"`)
	qWaitMetric(t, a, 10*time.Second, "voip_exporter_storage_up", func(v float64) bool { return v == 0 }, `server="fs1"`)
	qWaitMetric(t, a, 10*time.Second, "voip_exporter_storage_operations_total", func(v float64) bool { return v > 0 }, `server="fs1"`, `result="error"`)
	if !strings.Contains(a.logs.String(), "redis unreachable") {
		t.Errorf("no clear error in the log:\n%s", a.logs)
	}
	qWaitMetric(t, a, 10*time.Second, "voip_exporter_quality_rtcp_messages_processed_total", func(v float64) bool { return v > 0 }, `server="fs1"`)
	// Redis returns (empty): the agents write their state back.
	rs.Restart()
	qWaitMetric(t, a, 15*time.Second, "voip_exporter_storage_up", func(v float64) bool { return v == 1 }, `server="fs1"`)
	waitFor(t, 10*time.Second, func() string {
		if n := rdb.SCard(ctx, "voip_exporter:legs:fs1").Val(); n != 3 {
			return fmt.Sprintf("%d legs in redis after it returned, want 3", n)
		}
		return ""
	})
	a.alive()
	b.alive()
}
