package otlp

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/otlp/otlptest"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/store"
)

// point is one data point of an export, whatever its metric's kind.
type point struct {
	name, kind string
	attrs      []*commonpb.KeyValue
	value      float64 // gauge, sum
	count      uint64  // histogram
	sum        float64 // histogram
	bounds     []float64
	monotonic  bool
}

func (p point) attr(k string) string {
	for _, kv := range p.attrs {
		if kv.GetKey() == k {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

// points flattens exports into their data points.
func points(rms []*metricspb.ResourceMetrics) []point {
	var out []point
	for _, rm := range rms {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				switch d := m.GetData().(type) {
				case *metricspb.Metric_Gauge:
					for _, dp := range d.Gauge.GetDataPoints() {
						out = append(out, point{name: m.GetName(), kind: "gauge", attrs: dp.GetAttributes(), value: value(dp)})
					}
				case *metricspb.Metric_Sum:
					for _, dp := range d.Sum.GetDataPoints() {
						out = append(out, point{name: m.GetName(), kind: "sum", attrs: dp.GetAttributes(), value: value(dp),
							monotonic: d.Sum.GetIsMonotonic()})
					}
				case *metricspb.Metric_Histogram:
					for _, dp := range d.Histogram.GetDataPoints() {
						out = append(out, point{name: m.GetName(), kind: "histogram", attrs: dp.GetAttributes(),
							count: dp.GetCount(), sum: dp.GetSum(), bounds: dp.GetExplicitBounds()})
					}
				default:
					out = append(out, point{name: m.GetName(), kind: "other"})
				}
			}
		}
	}
	return out
}

func value(dp *metricspb.NumberDataPoint) float64 {
	if v, ok := dp.GetValue().(*metricspb.NumberDataPoint_AsInt); ok {
		return float64(v.AsInt)
	}
	return dp.GetAsDouble()
}

// loadEvents reads a captured call's events (plain format), in order.
func loadEvents(t *testing.T, call string) []*esl.Event {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("..", "testdata", "freeswitch", "calls", call, "events-plain", "*.txt"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no events of %s: %v", call, err)
	}
	sort.Strings(names)
	var out []*esl.Event
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := esl.NewReader(bytes.NewReader(b), esl.ReaderOptions{}).ReadEvent()
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out = append(out, ev)
	}
	return out
}

var liveNames = []string{nameRTCPJitter, nameRTCPFraction, nameRTCPRTT, nameLiveLegs}

// TestInstrumentsRealCall drives the real degraded call (FreeSWITCH 1.10.12,
// testdata/freeswitch/calls/call3-degraded-loss-jitter: leg b2eef4e9 inbound,
// leg 6f0dba1d outbound, PCMU so an 8000 Hz RTP clock, RFC 3551) through a
// tracker whose sink is the pipeline, exporting to the real OTLP/gRPC
// receiver. While the call is up the live gauges carry each leg's last RTCP
// report; after both hangups no later export carries any of them; the
// per-leg histograms count the two legs with the sums the capture gives and
// the Prometheus histograms' bucket bounds.
func TestInstrumentsRealCall(t *testing.T) {
	rec := &otlptest.Received{}
	recv, err := otlptest.StartGRPC("127.0.0.1:0", rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Stop()
	e := newTestExporter(t, Config{Endpoint: recv.Addr(), Insecure: true, MetricInterval: 50 * time.Millisecond})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Shutdown(ctx)
	}()
	p, err := e.Pipeline("fs1")
	if err != nil {
		t.Fatal(err)
	}
	tr := quality.NewTracker(quality.Options{Instance: "fs1", RTCP: true, QoS: true, Store: store.NewMemory(), Sinks: []quality.Sink{p}})
	e.ObserveLive("fs1", tr)

	evs := loadEvents(t, "call3-degraded-loss-jitter")
	first := slices.IndexFunc(evs, func(ev *esl.Event) bool { return ev.Name() == "CHANNEL_HANGUP" })
	if first < 0 {
		t.Fatal("no CHANNEL_HANGUP in the capture")
	}
	for _, ev := range evs[:first] {
		tr.Handle(ev)
	}

	// While up: each leg's last reports (events 024–027).
	type lk struct{ name, direction, stream string }
	want := map[lk]float64{
		// 025 SEND (6f0dba1d's own report): Source-Jitter 8 → 8/8000 s = 1 ms; Source-Fraction 22 → 22/256.
		{nameRTCPJitter, "outbound", "received"}: 1, {nameRTCPFraction, "outbound", "received"}: 22.0 / 256,
		// 024 SEND (b2eef4e9): jitter 0, fraction 0.
		{nameRTCPJitter, "inbound", "received"}: 0, {nameRTCPFraction, "inbound", "received"}: 0,
		// 026 RECV (the far end on b2eef4e9's media): Source0-Jitter 8 → 1 ms, Source0-Fraction 22.
		{nameRTCPJitter, "inbound", "sent"}: 1, {nameRTCPFraction, "inbound", "sent"}: 22.0 / 256,
		// 027 RECV (on 6f0dba1d's media): 0 and 0.
		{nameRTCPJitter, "outbound", "sent"}: 0, {nameRTCPFraction, "outbound", "sent"}: 0,
		// Rtt0-Avg of 026 and 027: 0.068931 s and 0.071043 s.
		{nameRTCPRTT, "inbound", ""}: 68.931, {nameRTCPRTT, "outbound", ""}: 71.043,
		// One leg each way.
		{nameLiveLegs, "inbound", ""}: 1, {nameLiveLegs, "outbound", ""}: 1,
	}
	var got map[lk]float64
	waitFor(t, 10*time.Second, "the live gauges of both legs", func() bool {
		ms := rec.Metrics()
		if len(ms) == 0 {
			return false
		}
		got = map[lk]float64{}
		for _, pt := range points(ms[len(ms)-1:]) {
			if slices.Contains(liveNames, pt.name) {
				got[lk{pt.name, pt.attr("direction"), pt.attr("stream")}] = pt.value
			}
		}
		return len(got) == len(want)
	})
	for k, w := range want {
		if g, ok := got[k]; !ok || math.Abs(g-w) > 1e-4 { // float32 leg state
			t.Errorf("%v = %v (present %v), want %v", k, g, ok, w)
		}
	}
	for _, pt := range points(rec.Metrics()) {
		if pt.name == nameRTCPLost && !pt.monotonic || pt.name == nameRTCPJitter && pt.kind != "gauge" {
			t.Errorf("%s: kind %s monotonic %v", pt.name, pt.kind, pt.monotonic)
		}
	}

	// Hang up; exports from the second one on were collected after it (the
	// periodic reader collects and exports in turn: at most one export, the
	// first, was collected before).
	n0 := len(rec.Metrics())
	for _, ev := range evs[first:] {
		tr.Handle(ev)
	}
	waitFor(t, 10*time.Second, "three exports after the hangups", func() bool { return len(rec.Metrics()) >= n0+3 })
	after := rec.Metrics()[n0+1:]
	for _, pt := range points(after) {
		if slices.Contains(liveNames, pt.name) {
			t.Errorf("after the hangups: %s %s/%s = %v still exported", pt.name, pt.attr("direction"), pt.attr("stream"), pt.value)
		}
	}

	// The finished legs, in the last export (cumulative).
	type hk struct{ name, estimator string }
	count, sum := map[hk]uint64{}, map[hk]float64{}
	bounds := map[string][]float64{nameQoSMOS: quality.MOSBuckets, nameQoSJitter: quality.JitterBuckets,
		nameQoSLoss: quality.LossBuckets, nameQoSRTT: quality.RTTBuckets}
	legs := 0.0
	for _, pt := range points(after[len(after)-1:]) {
		switch {
		case pt.kind == "histogram":
			k := hk{pt.name, pt.attr("estimator")}
			count[k] += pt.count
			sum[k] += pt.sum
			// The Prometheus histograms' bounds (collector/freeswitch/quality_metrics.go uses the same slices).
			if !slices.Equal(pt.bounds, bounds[pt.name]) {
				t.Errorf("%s bounds %v, want %v", pt.name, pt.bounds, bounds[pt.name])
			}
			for _, a := range pt.attrs {
				if a.GetKey() == "channel_id" || a.GetKey() == "correlation_id" {
					t.Errorf("%s carries %s", pt.name, a.GetKey())
				}
			}
		case pt.name == nameQoSLegs:
			legs += pt.value
			if !pt.monotonic || pt.attr("hangup_cause") == "" {
				t.Errorf("%s: monotonic %v cause %q", pt.name, pt.monotonic, pt.attr("hangup_cause"))
			}
		}
	}
	for _, c := range []struct {
		k   hk
		sum float64
		how string
	}{
		{hk{nameQoSMOS, "freeswitch"}, 4.50 + 2.21, "variable_rtp_audio_in_mos of 031 and 033"},
		{hk{nameQoSJitter, ""}, 0 + (53+69+66+50+8)/5.0/8000,
			"mean Source-Jitter of the SEND reports: b2eef4e9 all 0; 6f0dba1d 246/5 = 49.2 units = 6.15 ms"},
		{hk{nameQoSLoss, ""}, (1-1)/(30670.0-29816) + (65-12)/(9561.0-8707),
			"RTCP lost over expected, first to last SEND report: b2eef4e9 0/854; 6f0dba1d 53/854 = 0.06206"},
		{hk{nameQoSRTT, ""}, (0.060013+0.066000+0.064200+0.068931)/4 + (0.079971+0.073979+0.075777+0.071043)/4,
			"mean Rtt0-Avg of the RECV reports that have one: 0.064786 + 0.0751925"},
	} {
		if count[c.k] != 2 || math.Abs(sum[c.k]-c.sum) > 1e-9 {
			t.Errorf("%v: count %d sum %v, want 2 legs summing to %v (%s)", c.k, count[c.k], sum[c.k], c.sum, c.how)
		}
	}
	if n := count[hk{nameQoSMOS, "emodel"}]; n != 2 {
		t.Errorf("E-model MOS count %d, want 2", n)
	}
	if legs != 2 {
		t.Errorf("%s = %v, want 2", nameQoSLegs, legs)
	}
	t.Logf("after the hangups: %d exports without a live point; histograms %v sums %v", len(after), count, sum)
}

// TestInstrumentsRealCallPerCall: with per_call_attributes the live gauges
// carry one point per leg (its channel_id) while it lives and none after its
// hangup; the histograms are delta, so their counts over every export add up
// to the two legs.
func TestInstrumentsRealCallPerCall(t *testing.T) {
	rec := &otlptest.Received{}
	recv, err := otlptest.StartGRPC("127.0.0.1:0", rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Stop()
	e := newTestExporter(t, Config{Endpoint: recv.Addr(), Insecure: true, PerCallAttributes: true, MetricInterval: 50 * time.Millisecond})
	p, err := e.Pipeline("fs1")
	if err != nil {
		t.Fatal(err)
	}
	tr := quality.NewTracker(quality.Options{Instance: "fs1", RTCP: true, QoS: true, Store: store.NewMemory(), Sinks: []quality.Sink{p}})
	p.ObserveLive(tr)
	evs := loadEvents(t, "call3-degraded-loss-jitter")
	first := slices.IndexFunc(evs, func(ev *esl.Event) bool { return ev.Name() == "CHANNEL_HANGUP" })
	for _, ev := range evs[:first] {
		tr.Handle(ev)
	}
	const in, out = "b2eef4e9-c9cb-47b0-9603-cf92036fd144", "6f0dba1d-ba35-4616-ac99-36916db4d5b1"
	type lk struct{ channel, stream string }
	var got map[lk]float64
	waitFor(t, 10*time.Second, "per-leg live jitter", func() bool {
		ms := rec.Metrics()
		if len(ms) == 0 {
			return false
		}
		got = map[lk]float64{}
		for _, pt := range points(ms[len(ms)-1:]) {
			if pt.name == nameRTCPJitter {
				got[lk{pt.attr("channel_id"), pt.attr("stream")}] = pt.value
			}
		}
		return len(got) == 4
	})
	// Last reports, 024–027 (see TestInstrumentsRealCall): 8/8000 s = 1 ms on
	// 6f0dba1d's received and b2eef4e9's sent media, 0 on the other two.
	for k, w := range map[lk]float64{{out, "received"}: 1, {in, "sent"}: 1, {in, "received"}: 0, {out, "sent"}: 0} {
		if g, ok := got[k]; !ok || math.Abs(g-w) > 1e-4 {
			t.Errorf("jitter %v = %v (present %v), want %v ms", k, g, ok, w)
		}
	}
	n0 := len(rec.Metrics())
	for _, ev := range evs[first:] {
		tr.Handle(ev)
	}
	waitFor(t, 10*time.Second, "three exports after the hangups", func() bool { return len(rec.Metrics()) >= n0+3 })
	for _, pt := range points(rec.Metrics()[n0+1:]) {
		if slices.Contains(liveNames, pt.name) {
			t.Errorf("after the hangups: %s of %s still exported", pt.name, pt.attr("channel_id"))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil { // the last delta export
		t.Fatal(err)
	}
	legs := map[string]uint64{}
	for _, pt := range points(rec.Metrics()) {
		if pt.name == nameQoSMOS && pt.attr("estimator") == "freeswitch" {
			legs[pt.attr("channel_id")] += pt.count
		}
	}
	if len(legs) != 2 || legs[in] != 1 || legs[out] != 1 {
		t.Errorf("MOS histogram counts by leg over all exports %v, want 1 each for %s and %s", legs, in, out)
	}
}
