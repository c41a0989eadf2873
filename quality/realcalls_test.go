package quality

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// realCallFigures replays a captured call through a tracker with RTCP
// events on or off and returns its records by channel.
func realCallFigures(t *testing.T, call string, rtcp bool) (map[string]Record, *sink) {
	t.Helper()
	sk := &sink{}
	tr := NewTracker(Options{Instance: "fs1", RTCP: rtcp, QoS: true, Store: newMemStore(), Sinks: []Sink{sk},
		Now: func() time.Time { return time.Unix(1795373500, 0) }})
	for _, ev := range loadCall(t, call, "plain") {
		tr.Handle(ev)
	}
	out := map[string]Record{}
	for _, r := range sk.records {
		out[r.ChannelID] = r
	}
	return out, sk
}

// TestRealCallsRTCPOnAndOff checks, on the three real FreeSWITCH 1.10.12
// calls, what each end-of-call figure is made of with `events.rtcp` on and
// off. Expected values are read from the captured events themselves (the
// test's own parsing, not the tracker's): the last SEND_RTCP_MESSAGE of a
// leg (FreeSWITCH's receiver report on the media it receives) and the
// CHANNEL_HANGUP_COMPLETE's rtp_audio_in_* variables.
func TestRealCallsRTCPOnAndOff(t *testing.T) {
	for _, call := range []string{"call1-echo-hupall", "call2-bridge-natural-hangup", "call3-degraded-loss-jitter"} {
		on, sk := realCallFigures(t, call, true)
		off, _ := realCallFigures(t, call, false)
		if len(on) < 2 || len(on) != len(off) {
			t.Fatalf("%s: %d records with RTCP, %d without", call, len(on), len(off))
		}
		// What the capture says, per leg.
		type capt struct {
			firstLost, lastLost, firstSeq, lastSeq, reports float64
			packets, skip, maxVar                           float64
		}
		want := map[string]*capt{}
		for _, ev := range loadCall(t, call, "plain") {
			id := ev.Get("Unique-ID")
			c := want[id]
			if c == nil {
				c = &capt{}
				want[id] = c
			}
			num := func(k string) float64 {
				v, err := strconv.ParseFloat(ev.Get(k), 64)
				if err != nil {
					t.Fatalf("%s: %s %s = %q", call, ev.Name(), k, ev.Get(k))
				}
				return v
			}
			switch ev.Name() {
			case "SEND_RTCP_MESSAGE":
				lost, seq := num("Source-Lost"), num("Source-Highest-Sequence-Number-Received")
				if c.reports == 0 {
					c.firstLost, c.firstSeq = lost, seq
				}
				c.lastLost, c.lastSeq = lost, seq
				c.reports++
			case "CHANNEL_HANGUP_COMPLETE":
				c.packets, c.skip = num("variable_rtp_audio_in_packet_count"), num("variable_rtp_audio_in_skip_packet_count")
				c.maxVar = num("variable_rtp_audio_in_jitter_max_variance")
			}
		}
		// The live loss counter of the received stream, per leg.
		live := map[string]int64{}
		for _, s := range sk.samples {
			if s.Kind == StreamReceived {
				live[s.ChannelID] += s.LostDelta
			}
		}
		for id, r := range on {
			c := want[id]
			// RTCP on: lost = the last report's cumulative count, which is
			// also what the live counter added up; loss over the reported span.
			if r.LossBasis != BasisRTCP || float64(r.LostIn) != c.lastLost || r.LostIn != live[id] {
				t.Errorf("%s %s: lost %d (%s), want %v = live %d", call, id, r.LostIn, r.LossBasis, c.lastLost, live[id])
			}
			if w := (c.lastLost - c.firstLost) / (c.lastSeq - c.firstSeq); !near(r.LossRatio, w, 1e-12) {
				t.Errorf("%s %s: loss %v, want %v", call, id, r.LossRatio, w)
			}
			// RTCP off: the share of playout slots FreeSWITCH had to fill;
			// the E-model's jitter is √max_variance ms.
			o := off[id]
			if o.LossBasis != BasisHangupStats || o.LostIn != -1 || !near(o.LossRatio, c.skip/(c.packets+c.skip), 1e-12) {
				t.Errorf("%s %s: rtcp off: loss %v (%s) lost %d, want %v", call, id, o.LossRatio, o.LossBasis, o.LostIn, c.skip/(c.packets+c.skip))
			}
			if !near(o.EModelJitter, math.Sqrt(c.maxVar)/1000, 1e-12) || Known(o.JitterAvg) {
				t.Errorf("%s %s: rtcp off: E-model jitter %v, avg %v", call, id, o.EModelJitter, o.JitterAvg)
			}
			for _, m := range []float64{r.MOS, r.EModelMOS, o.MOS, o.EModelMOS} {
				if !(m >= 1 && m <= 4.5) {
					t.Errorf("%s %s: MOS %v outside [1, 4.5]", call, id, m)
				}
			}
			if d := math.Abs(r.EModelMOS - o.EModelMOS); d > 0.5 {
				t.Errorf("%s %s: E-model MOS %.3f with RTCP, %.3f without: %.2f apart", call, id, r.EModelMOS, o.EModelMOS, d)
			}
			t.Logf("%s %s %s: FreeSWITCH MOS %.2f | rtcp on: MOS %.3f jitter %.2f ms loss %.3f %% (lost %d) | rtcp off: MOS %.3f jitter %.2f ms loss %.3f %% (%d filler of %d)",
				call, id[:8], r.Direction, r.MOS, r.EModelMOS, r.JitterAvg*1000, r.LossRatio*100, r.LostIn,
				o.EModelMOS, o.EModelJitter*1000, o.LossRatio*100, o.SkipPackets, o.PacketsIn+o.SkipPackets)
		}
	}
}

// TestCall3WithoutRTCPByHand: the degraded call with `events.rtcp: false`,
// worked out from CHANNEL_HANGUP_COMPLETE (events 031 and 033).
func TestCall3WithoutRTCPByHand(t *testing.T) {
	off, _ := realCallFigures(t, "call3-degraded-loss-jitter", false)
	for _, c := range []struct {
		id         string
		loss       float64
		jitter     float64 // seconds
		mos        float64
		derivation string
	}{
		{"b2eef4e9-c9cb-47b0-9603-cf92036fd144", 3.0 / 1307, math.Sqrt(8.60) / 1000, 4.390,
			"skip 3, packets 1304: Ppl 0.2295; Ie,eff = 95·0.2295/25.3295 = 0.861; R = 92.34; MOS = 1 + 3.232 + 92.34·32.34·7.66·7e-6 = 4.392"},
		{"6f0dba1d-ba35-4616-ac99-36916db4d5b1", 122.0 / 1305, math.Sqrt(37.51) / 1000, 3.474,
			"skip 122, packets 1183: Ppl 9.349; Ie,eff = 95·9.349/34.449 = 25.78; R = 67.42; MOS = 1 + 2.360 + 67.42·7.42·32.58·7e-6 = 3.474"},
	} {
		r := off[c.id]
		if !near(r.LossRatio, c.loss, 1e-12) || !near(r.EModelJitter, c.jitter, 1e-12) || !near(r.EModelMOS, c.mos, 3e-3) {
			t.Errorf("%s: loss %v jitter %v MOS %v; want %s", c.id, r.LossRatio, r.EModelJitter, r.EModelMOS, c.derivation)
		}
		// √variance is milliseconds: 2.93 ms and 6.12 ms, nowhere near the
		// 0.43 s that reading ms² as ms and averaging gave.
		if r.EModelJitter > 0.01 {
			t.Errorf("%s: E-model jitter %v s", c.id, r.EModelJitter)
		}
	}
}

// TestMOSFromRNeverUnderOne: G.107 Annex B's polynomial is 0.992 at R = 5.03;
// a MOS is at least 1 (and at most 4.5) for every R.
func TestMOSFromRNeverUnderOne(t *testing.T) {
	// 1 + 0.035·5.03 + 5.03·(5.03−60)·(100−5.03)·7e-6 = 1 + 0.17605 − 0.18381 = 0.99224
	if raw := 1 + 0.035*5.03 + 5.03*(5.03-60)*(100-5.03)*7e-6; raw >= 1 {
		t.Fatalf("premise: raw polynomial %v", raw)
	}
	for r := -10.0; r <= 110; r += 0.01 {
		if m := MOSFromR(r); m < 1 || m > 4.5 {
			t.Fatalf("MOSFromR(%v) = %v", r, m)
		}
	}
	if MOSFromR(5.03) != 1 {
		t.Errorf("MOSFromR(5.03) = %v, want 1", MOSFromR(5.03))
	}
}
