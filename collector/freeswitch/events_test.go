package freeswitch

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/otlp"
	"github.com/voip-exporter/voip_exporter/quality"
	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
)

// recordSink keeps the records an instance exports.
type recordSink struct {
	mu      sync.Mutex
	records map[string]quality.Record
}

func (s *recordSink) Sample(*quality.Leg, quality.Labels, quality.Sample) {}
func (s *recordSink) Record(r *quality.Record, _ quality.Labels) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[r.ChannelID] = *r
}
func (s *recordSink) Stats() otlp.Stats { return otlp.Stats{Dropped: map[string]uint64{}} }
func (s *recordSink) n() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// observer is a second, independent Event Socket subscriber that keeps
// what the simulator sent, to derive the expected figures from.
type observer struct {
	mu     sync.Mutex
	events []*esl.Event
	client *esl.Client
}

func observe(tb testing.TB, addr string) *observer {
	o := &observer{}
	c, err := esl.NewClient(esl.ClientOptions{Address: addr, Password: "ClueCon",
		Events:  []string{"CHANNEL_HANGUP_COMPLETE", "RECV_RTCP_MESSAGE", "SEND_RTCP_MESSAGE"},
		OnEvent: func(e *esl.Event) { o.mu.Lock(); o.events = append(o.events, e); o.mu.Unlock() },
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	o.client = c
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(5 * time.Second)
	for !c.Status().Connected {
		if time.Now().After(deadline) {
			tb.Fatal("observer not connected")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return o
}

func (o *observer) snapshot() []*esl.Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]*esl.Event(nil), o.events...)
}

func startQualityInstance(tb testing.TB, sim *fssim.Server, q QualityOptions) *Instance {
	tb.Helper()
	inst := NewInstance(config.FreeSWITCH{Name: "fs", Address: sim.Addr(), Password: "ClueCon", Timeout: 2 * time.Second},
		Scrapers(), slog.New(slog.NewTextHandler(io.Discard, nil)), WithQuality(q))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { inst.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	waitConnected(tb, inst)
	return inst
}

func waitUntil(tb testing.TB, d time.Duration, what string, ok func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func gather(tb testing.TB, inst *Instance) map[string]*dto.MetricFamily {
	tb.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(instanceCollector{inst})
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// series finds the metric of a family whose labels include want.
func series(mf *dto.MetricFamily, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range mf.GetMetric() {
		ok := true
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				ok = false
			}
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

func num(e *esl.Event, key string) float64 {
	v, err := strconv.ParseFloat(e.Get(key), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// TestQualityAgainstSimulator: a scripted set of calls of each quality on
// the simulator produces exactly the records, histograms and counters the
// simulator's own events imply (read back by an independent subscriber).
func TestQualityAgainstSimulator(t *testing.T) {
	sim := fssim.New(fssim.Config{Hostname: "sim", RTCPInterval: 150 * time.Millisecond, Seed: 7})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	obs := observe(t, sim.Addr())
	sink := &recordSink{records: map[string]quality.Record{}}
	inst := startQualityInstance(t, sim, QualityOptions{RTCP: true, QoS: true, Exporter: sink})

	specs := []fssim.CallSpec{
		{Quality: fssim.QualityGood, Codec: "PCMU", Domain: "a.example", Duration: 900 * time.Millisecond},
		{Quality: fssim.QualityLossy, Codec: "PCMA", Domain: "a.example", Duration: 1000 * time.Millisecond, Bridged: true},
		{Quality: fssim.QualityJittery, Codec: "G722", Domain: "b.example", Direction: "outbound", Duration: 1100 * time.Millisecond},
		{Quality: fssim.QualityGood, Codec: "opus", Domain: "b.example", Duration: 800 * time.Millisecond},
	}
	for _, s := range specs {
		if sim.StartCall(s) == "" {
			t.Fatal("call not started")
		}
	}
	const legs = 5
	waitUntil(t, 10*time.Second, "5 records", func() bool { return sink.n() == legs })
	var hangups []*esl.Event
	waitUntil(t, 5*time.Second, "5 observed hangups", func() bool {
		hangups = hangups[:0]
		for _, e := range obs.snapshot() {
			if e.Name() == "CHANNEL_HANGUP_COMPLETE" {
				hangups = append(hangups, e)
			}
		}
		return len(hangups) == legs
	})
	events := obs.snapshot()

	type expect struct {
		jitSum, rttSum float64
		jitN, rttN     int
		lastLost       [2]int64 // received (SEND), sent (RECV)
		// SEND reports: the received stream's loss span (RFC 3550 counters)
		firstLost, firstSeq, lastSeq, lastFrac float64
		sendN                                  int
	}
	exp := map[string]*expect{}
	for _, e := range events {
		id := e.Get("Unique-ID")
		if exp[id] == nil {
			exp[id] = &expect{}
		}
		x := exp[id]
		switch e.Name() {
		case "SEND_RTCP_MESSAGE":
			x.jitSum += num(e, "Source-Jitter")
			x.jitN++
			x.lastLost[0] = int64(num(e, "Source-Lost"))
			if x.sendN == 0 {
				x.firstLost, x.firstSeq = num(e, "Source-Lost"), num(e, "Source-Highest-Sequence-Number-Received")
			}
			x.lastSeq, x.lastFrac = num(e, "Source-Highest-Sequence-Number-Received"), num(e, "Source-Fraction")
			x.sendN++
		case "RECV_RTCP_MESSAGE":
			if r := num(e, "Rtt0-Avg"); r > 0 {
				x.rttSum += r
				x.rttN++
			}
			x.lastLost[1] = int64(num(e, "Source0-Lost"))
		}
	}
	clock := map[string]float64{"PCMU": 8000, "PCMA": 8000, "G722": 8000, "opus": 48000}
	mosSum := map[[3]string]float64{}
	mosN := map[[3]string]int{}
	lostTotal := map[[2]string]int64{}
	for _, h := range hangups {
		id := h.Get("Unique-ID")
		r, ok := sink.records[id]
		if !ok {
			t.Fatalf("no record for %s", id)
		}
		x := exp[id]
		codec := h.Get("variable_rtp_use_codec_name")
		in, skip := num(h, "variable_rtp_audio_in_packet_count"), num(h, "variable_rtp_audio_in_skip_packet_count")
		// Loss: lost over expected between the first and last SEND report;
		// one report: its fraction lost; none: filler frames over slots.
		loss, lost := skip/(in+skip), int64(-1)
		switch {
		case x.sendN >= 2 && x.lastSeq > x.firstSeq:
			loss, lost = (float64(x.lastLost[0])-x.firstLost)/(x.lastSeq-x.firstSeq), x.lastLost[0]
		case x.sendN >= 1:
			loss, lost = x.lastFrac/256, x.lastLost[0]
		}
		want := quality.Record{
			Domain: h.Get("variable_domain_name"), Codec: codec, Direction: h.Get("Call-Direction"),
			CorrelationID: h.Get("variable_sip_call_id"), HangupCause: h.Get("Hangup-Cause"),
			LocalMediaIP: h.Get("variable_local_media_ip"), RemoteMediaIP: h.Get("variable_remote_media_ip"),
			MOS: num(h, "variable_rtp_audio_in_mos"), PacketsIn: int64(in), LostIn: lost, SkipPackets: int64(skip),
			BytesIn: int64(num(h, "variable_rtp_audio_in_media_bytes")), PacketsOut: int64(num(h, "variable_rtp_audio_out_packet_count")),
			LossRatio: loss, JitterAvg: x.jitSum / float64(x.jitN) / clock[codec],
			RTTAvg: x.rttSum / float64(x.rttN), SentLost: x.lastLost[1],
		}
		if r.Domain != want.Domain || r.Codec != want.Codec || r.Direction != want.Direction || r.CorrelationID != want.CorrelationID ||
			r.HangupCause != want.HangupCause || r.LocalMediaIP != want.LocalMediaIP || r.RemoteMediaIP != want.RemoteMediaIP ||
			r.MOS != want.MOS || r.PacketsIn != want.PacketsIn || r.LostIn != want.LostIn || r.SkipPackets != want.SkipPackets || r.BytesIn != want.BytesIn ||
			r.PacketsOut != want.PacketsOut || r.SentLost != want.SentLost ||
			!approx(r.LossRatio, want.LossRatio) || !approx(r.JitterAvg, want.JitterAvg) || !approx(r.RTTAvg, want.RTTAvg) {
			t.Errorf("record %s:\n got %+v\nwant %+v", id, r, want)
		}
		_, wantMOS := quality.EModel(quality.EModelInput{Codec: codec, LossRatio: want.LossRatio, Jitter: want.JitterAvg, RTT: want.RTTAvg})
		if !approx(r.EModelMOS, wantMOS) {
			t.Errorf("%s: E-model MOS %v, want %v", id, r.EModelMOS, wantMOS)
		}
		k := [3]string{want.Domain, codec, want.Direction}
		mosSum[k] += want.MOS
		mosN[k]++
		lostTotal[[2]string{want.Domain, "received"}] += x.lastLost[0]
		lostTotal[[2]string{want.Domain, "sent"}] += x.lastLost[1]
	}

	mfs := gather(t, inst)
	for k, n := range mosN {
		ms := series(mfs["freeswitch_qos_mos_score"], map[string]string{"domain": k[0], "codec": k[1], "direction": k[2], "estimator": "freeswitch"})
		if len(ms) != 1 || ms[0].GetHistogram().GetSampleCount() != uint64(n) || !approx(ms[0].GetHistogram().GetSampleSum(), mosSum[k]) {
			t.Errorf("mos histogram %v: %v, want count %d sum %v", k, ms, n, mosSum[k])
		}
	}
	for k, want := range lostTotal {
		total := 0.0
		for _, m := range series(mfs["freeswitch_rtcp_packets_lost_total"], map[string]string{"domain": k[0], "stream": k[1]}) {
			total += m.GetCounter().GetValue()
		}
		if int64(total) != want {
			t.Errorf("packets lost %v = %v, want %d", k, total, want)
		}
	}
	if got := series(mfs["voip_exporter_quality_qos_records_generated_total"], nil); len(got) != 1 || got[0].GetCounter().GetValue() != legs {
		t.Errorf("records counter %v", got)
	}
	if got := series(mfs["freeswitch_qos_legs_total"], map[string]string{"hangup_cause": "NORMAL_CLEARING"}); len(got) == 0 {
		t.Error("no legs_total by hangup cause")
	}
	for name := range mfs {
		for _, m := range mfs[name].GetMetric() {
			for _, lp := range m.GetLabel() {
				if n := lp.GetName(); n == "channel_id" || n == "correlation_id" || n == "uuid" {
					t.Fatalf("per-call label %s on %s", n, name)
				}
			}
		}
	}
	if ml := mfs["freeswitch_quality_live_legs"]; ml != nil && len(ml.GetMetric()) > 0 {
		t.Errorf("live legs left: %v", ml)
	}
}

func approx(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// TestQualityLearnsCallsInProgress: calls up before the agent connects (or
// while it was away) are learned with `show channels as json`, and calls
// that ended meanwhile are dropped.
func TestQualityLearnsCallsInProgress(t *testing.T) {
	sim := fssim.New(fssim.Config{RTCPInterval: time.Hour})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	sim.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMA", Domain: "c.example", Duration: time.Hour, Bridged: true})
	sim.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMU", Domain: "c.example", Duration: time.Hour})
	inst := startQualityInstance(t, sim, QualityOptions{RTCP: true, QoS: true})
	tr := inst.Tracker()
	waitUntil(t, 5*time.Second, "3 legs", func() bool { return tr.Store().Len() == 3 })
	legs := 0.0
	for _, m := range series(gather(t, inst)["freeswitch_quality_live_legs"], map[string]string{"domain": "c.example"}) {
		legs += m.GetGauge().GetValue()
	}
	if legs != 3 {
		t.Errorf("live legs %v", legs)
	}
	// The connection drops; a call ends meanwhile; on reconnect it is gone.
	sim.Stop()
	calls := sim.Calls()
	sim.HangupCall(calls[1].UUID, "NORMAL_CLEARING")
	if err := sim.Resume(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "2 legs after reconnect", func() bool { return tr.Store().Len() == 2 && tr.Stats().Resyncs >= 2 })
	if tr.Stats().Vanished != 1 {
		t.Errorf("vanished %d", tr.Stats().Vanished)
	}
}

// TestQualityReconcile: a leg whose hangup event never came is dropped by
// the periodic check on a connection that stays up.
func TestQualityReconcile(t *testing.T) {
	sim := fssim.New(fssim.Config{RTCPInterval: time.Hour})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	inst := startQualityInstance(t, sim, QualityOptions{RTCP: true, QoS: true, ReconcileInterval: 50 * time.Millisecond})
	tr := inst.Tracker()
	// A leg the agent believes up but FreeSWITCH does not have (its hangup was lost).
	tr.Store().Put(quality.Leg{ChannelID: "lost-hangup", Origin: quality.OriginEvent, Seen: 1})
	sim.StartCall(fssim.CallSpec{Duration: time.Hour})
	waitUntil(t, 5*time.Second, "the lost leg dropped", func() bool {
		_, ok := tr.Store().Get("lost-hangup")
		return !ok && tr.Store().Len() == 1
	})
}
