package quality

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/esl"
)

func newTestTracker(st Store, sk Sink) *Tracker {
	return NewTracker(Options{Instance: "fs1", RTCP: true, QoS: true, Store: st, Sinks: []Sink{sk},
		Now: func() time.Time { return time.Unix(1795373500, 0) }})
}

// TestTrackerCall3 feeds the captured degraded call through the tracker and
// checks every record figure against the capture.
func TestTrackerCall3(t *testing.T) {
	for _, format := range []string{"plain", "json"} {
		t.Run(format, func(t *testing.T) {
			st, sk := newMemStore(), &sink{}
			tr := newTestTracker(st, sk)
			for _, ev := range loadCall(t, "call3-degraded-loss-jitter", format) {
				tr.Handle(ev)
			}
			if st.Len() != 0 {
				t.Fatalf("%d legs left after both hangups", st.Len())
			}
			if len(sk.records) != 2 {
				t.Fatalf("%d records, want 2", len(sk.records))
			}
			recs := map[string]Record{}
			for _, r := range sk.records {
				recs[r.ChannelID] = r
			}
			good, lossy := recs["b2eef4e9-c9cb-47b0-9603-cf92036fd144"], recs["6f0dba1d-ba35-4616-ac99-36916db4d5b1"]

			// The inbound leg (FreeSWITCH's MOS 4.50).
			checkRecord(t, good, Record{
				ID: "fs1/b2eef4e9-c9cb-47b0-9603-cf92036fd144/1795373452355180", Instance: "fs1",
				ChannelID: "b2eef4e9-c9cb-47b0-9603-cf92036fd144", CorrelationID: "6bfb8667-6148-1240-fb80-ea6f7e3be393",
				CallUUID: "b2eef4e9-c9cb-47b0-9603-cf92036fd144", Domain: "127.0.0.1", Direction: "inbound", Codec: "PCMU",
				LocalMediaIP: "127.0.0.1", RemoteMediaIP: "127.0.0.5", HangupCause: "MANAGER_REQUEST",
				Created: 1795373426235161, Answered: 1795373426255160, Hungup: 1795373452355180,
				Duration: 26.120019, BillSec: 26.10002,
				MOS: 4.50, QualityPercentage: 100, JitterMinVariance: 2.64, JitterMaxVariance: 8.60, MeanInterval: 0.020,
				PacketsIn: 1304, SkipPackets: 3, BytesIn: 224116, FlawTotal: 0, PacketsOut: 1302, BytesOut: 223944,
				// its five SEND_RTCP_MESSAGEs (events 008 … 025): Source-Lost 1
				// in each, Source-Highest-Sequence-Number-Received 29816 …
				// 30670, Source-Jitter 0: lost 1, loss (1−1)/(30670−29816) = 0.
				// The far end's reports on its media lost 65 packets in all;
				// RTT: the four Rtt0-Avg values of its RECV_RTCP_MESSAGEs.
				LostIn: 1, LossRatio: 0, LossBasis: BasisRTCP, JitterAvg: 0, EModelJitter: 0,
				RTTAvg:   (0.060013 + 0.066 + 0.0642 + 0.068931) / 4,
				SentLost: 65, RTCPReports: 10,
			})
			// The lossy outbound leg (FreeSWITCH's MOS 2.21).
			checkRecord(t, lossy, Record{
				ID: "fs1/6f0dba1d-ba35-4616-ac99-36916db4d5b1/1795373452375140", Instance: "fs1",
				ChannelID: "6f0dba1d-ba35-4616-ac99-36916db4d5b1", CorrelationID: "6bfb8667-6148-1240-fb80-ea6f7e3be393",
				CallUUID: "6f0dba1d-ba35-4616-ac99-36916db4d5b1", Domain: "127.0.0.1", Direction: "outbound", Codec: "PCMU",
				LocalMediaIP: "127.0.0.5", RemoteMediaIP: "127.0.0.1", HangupCause: "MANAGER_REQUEST",
				MOS: 2.21, QualityPercentage: 43, JitterMinVariance: 8.10, JitterMaxVariance: 37.51, MeanInterval: 0.02123,
				PacketsIn: 1183, SkipPackets: 122, BytesIn: 203476, FlawTotal: 684, PacketsOut: 1305, BytesOut: 224460,
				// SEND reports (events 007 … 024): Source-Lost 12, 18, 32, 43, 65 at
				// highest sequence 8707, 8908, 9109, 9310, 9561; Source-Jitter 53,
				// 69, 66, 50, 8 (8 kHz clock). Lost 65 (the live counter's sum);
				// loss over the reported span (65−12)/(9561−8707) = 53/854 = 6.21 %
				// (not 122 filler frames of 1305 slots = 9.35 %). The far end lost 1.
				LostIn: 65, LossRatio: 53.0 / 854, LossBasis: BasisRTCP,
				JitterAvg: (53 + 69 + 66 + 50 + 8) / 5.0 / 8000, EModelJitter: (53 + 69 + 66 + 50 + 8) / 5.0 / 8000,
				RTTAvg: (0.079971 + 0.073979 + 0.075777 + 0.071043) / 4, SentLost: 1, RTCPReports: 10,
			})
			// Our E-model: G.711 with PLC, Ta = RTT/2 + 2·jitter (< 100 ms: no delay impairment).
			for _, r := range []Record{good, lossy} {
				wantR := 93.2 - IeEff(Codecs["PCMU"], r.LossRatio*100)
				if !near(r.EModelR, wantR, 1e-9) || !near(r.EModelMOS, MOSFromR(wantR), 1e-9) {
					t.Errorf("%s: E-model R=%v MOS=%v, want R=%v", r.ChannelID, r.EModelR, r.EModelMOS, wantR)
				}
			}
			// good: R = 93.2 − 0 = 93.2, MOS = 1 + 3.262 + 93.2·33.2·6.8·7e-6 = 4.409;
			// lossy: Ppl 6.206, Ie,eff = 95·6.206/(6.206+25.1) = 18.83, R = 74.37,
			// MOS = 1 + 2.603 + 74.37·14.37·25.63·7e-6 = 3.795.
			if !near(lossy.EModelMOS, 3.795, 5e-4) || !near(good.EModelMOS, 4.409, 5e-4) {
				t.Errorf("E-model MOS good %.3f lossy %.3f", good.EModelMOS, lossy.EModelMOS)
			}

			// Live samples: 10 accepted reports per leg; the loss deltas of
			// each stream add up to its last cumulative count.
			lost := map[string]map[StreamKind]int64{}
			for _, s := range sk.samples {
				if lost[s.ChannelID] == nil {
					lost[s.ChannelID] = map[StreamKind]int64{}
				}
				lost[s.ChannelID][s.Kind] += s.LostDelta
				if s.Labels != (Labels{Domain: "127.0.0.1", Codec: "PCMU", Direction: map[bool]string{true: "inbound", false: "outbound"}[s.ChannelID == good.ChannelID]}) {
					t.Errorf("labels %+v", s.Labels)
				}
			}
			if len(sk.samples) != 20 {
				t.Errorf("%d samples, want 20", len(sk.samples))
			}
			want := map[string]map[StreamKind]int64{
				good.ChannelID:  {StreamReceived: 1, StreamSent: 65},
				lossy.ChannelID: {StreamReceived: 65, StreamSent: 1},
			}
			for id, m := range want {
				for k, v := range m {
					if lost[id][k] != v {
						t.Errorf("%s %s: lost %d, want %d", id, k, lost[id][k], v)
					}
				}
			}
			s := tr.Stats()
			if s.Records != 2 || s.RTCPProcessed != [2]uint64{10, 10} {
				t.Errorf("stats %+v", s)
			}
			if s.Processed[EvHangupComplete] != 2 || s.Processed[EvCreate] != 2 || s.Processed[EvAnswer] != 2 {
				t.Errorf("processed %v", s.Processed)
			}
		})
	}
}

func checkRecord(t *testing.T, got, want Record) {
	t.Helper()
	str := func(name, g, w string) {
		if g != w {
			t.Errorf("%s: %s = %q, want %q", want.ChannelID, name, g, w)
		}
	}
	num := func(name string, g, w float64) {
		if !near(g, w, 1e-9) {
			t.Errorf("%s: %s = %v, want %v", want.ChannelID, name, g, w)
		}
	}
	in := func(name string, g, w int64) {
		if g != w {
			t.Errorf("%s: %s = %d, want %d", want.ChannelID, name, g, w)
		}
	}
	if want.ID != "" {
		str("ID", got.ID, want.ID)
	}
	str("Instance", got.Instance, want.Instance)
	str("CorrelationID", got.CorrelationID, want.CorrelationID)
	str("CallUUID", got.CallUUID, want.CallUUID)
	str("Domain", got.Domain, want.Domain)
	str("Direction", got.Direction, want.Direction)
	str("Codec", got.Codec, want.Codec)
	str("LocalMediaIP", got.LocalMediaIP, want.LocalMediaIP)
	str("RemoteMediaIP", got.RemoteMediaIP, want.RemoteMediaIP)
	str("HangupCause", got.HangupCause, want.HangupCause)
	if want.Created != 0 {
		in("Created", got.Created, want.Created)
		in("Answered", got.Answered, want.Answered)
		in("Hungup", got.Hungup, want.Hungup)
		num("Duration", got.Duration, want.Duration)
		num("BillSec", got.BillSec, want.BillSec)
	}
	num("MOS", got.MOS, want.MOS)
	num("QualityPercentage", got.QualityPercentage, want.QualityPercentage)
	num("JitterMinVariance", got.JitterMinVariance, want.JitterMinVariance)
	num("JitterMaxVariance", got.JitterMaxVariance, want.JitterMaxVariance)
	num("MeanInterval", got.MeanInterval, want.MeanInterval)
	num("JitterAvg", got.JitterAvg, want.JitterAvg)
	num("EModelJitter", got.EModelJitter, want.EModelJitter)
	num("LossRatio", got.LossRatio, want.LossRatio)
	str("LossBasis", got.LossBasis, want.LossBasis)
	num("RTTAvg", got.RTTAvg, want.RTTAvg)
	in("PacketsIn", got.PacketsIn, want.PacketsIn)
	in("LostIn", got.LostIn, want.LostIn)
	in("SkipPackets", got.SkipPackets, want.SkipPackets)
	in("BytesIn", got.BytesIn, want.BytesIn)
	in("FlawTotal", got.FlawTotal, want.FlawTotal)
	in("PacketsOut", got.PacketsOut, want.PacketsOut)
	in("BytesOut", got.BytesOut, want.BytesOut)
	in("SentLost", got.SentLost, want.SentLost)
	in("RTCPReports", got.RTCPReports, want.RTCPReports)
}

// TestTrackerAllCaptures: every captured call closes all its legs with one
// record each, whose MOS is the hangup event's, and nothing is rejected.
func TestTrackerAllCaptures(t *testing.T) {
	for _, call := range []string{"call1-echo-hupall", "call2-bridge-natural-hangup", "call3-degraded-loss-jitter"} {
		for _, format := range []string{"plain", "json"} {
			st, sk := newMemStore(), &sink{}
			tr := newTestTracker(st, sk)
			wantMOS := map[string]string{}
			for _, ev := range loadCall(t, call, format) {
				if ev.Name() == "CHANNEL_HANGUP_COMPLETE" {
					wantMOS[ev.Get("Unique-ID")] = ev.Get("variable_rtp_audio_in_mos")
				}
				tr.Handle(ev)
			}
			if st.Len() != 0 || len(sk.records) != len(wantMOS) || len(wantMOS) < 2 {
				t.Fatalf("%s/%s: %d legs left, %d records for %d hangups", call, format, st.Len(), len(sk.records), len(wantMOS))
			}
			for _, r := range sk.records {
				if w, _ := parseFloat(wantMOS[r.ChannelID], 0, 5); r.MOS != w {
					t.Errorf("%s: %s MOS %v, want %v", call, r.ChannelID, r.MOS, w)
				}
				if r.Domain == "" || r.Codec == "" || r.Direction == "" || !Known(r.EModelMOS) || !Known(r.LossRatio) {
					t.Errorf("%s: incomplete record %+v", call, r)
				}
			}
			s := tr.Stats()
			for ev := range s.Rejected {
				for reason, n := range s.Rejected[ev] {
					if n != 0 {
						t.Errorf("%s/%s: %d %s rejected: %s", call, format, n, EventNames[ev], RejectReasons[reason])
					}
				}
			}
			for f, n := range s.Invalid {
				if n != 0 {
					t.Errorf("%s/%s: invalid %s: %d", call, format, f, n)
				}
			}
		}
	}
}

// TestTrackerReusedEvents reads each captured session as FreeSWITCH sent it
// into one reused event (as the connection does with ReuseEvent): records
// and legs must not alias the event's storage.
func TestTrackerReusedEvents(t *testing.T) {
	for _, call := range []string{"call2-bridge-natural-hangup", "call3-degraded-loss-jitter"} {
		for _, format := range []string{"plain", "json"} {
			want := &sink{}
			tr := newTestTracker(newMemStore(), want)
			for _, ev := range loadCall(t, call, format) {
				tr.Handle(ev)
			}
			raw, err := os.ReadFile(filepath.Join(callsDir, call, "session-events-"+format+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			got := &sink{}
			tr = newTestTracker(newMemStore(), got)
			rd := esl.NewReader(bytes.NewReader(raw), esl.ReaderOptions{})
			var ev esl.Event
			for rd.ReadEventInto(&ev) == nil {
				tr.Handle(&ev)
			}
			if len(got.records) != len(want.records) || len(got.records) == 0 {
				t.Fatalf("%s/%s: %d records, want %d", call, format, len(got.records), len(want.records))
			}
			for i := range want.records {
				checkRecord(t, got.records[i], want.records[i])
			}
		}
	}
}

func TestRecentSet(t *testing.T) {
	r := newRecentSet(3)
	for _, s := range []string{"a", "b", "c", "d"} {
		r.add(s)
	}
	if r.has("a") || !r.has("b") || !r.has("d") || len(r.m) != 3 {
		t.Fatalf("recent set %v", r.m)
	}
}
