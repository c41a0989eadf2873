package quality

import (
	"fmt"
	"math"
	"os"
	"testing"
	"time"
)

func hangupFields(id string, extra map[string]string) MapFields {
	m := MapFields{"Event-Name": "CHANNEL_HANGUP_COMPLETE", "Unique-ID": id, "Call-Direction": "inbound",
		"Hangup-Cause": "NORMAL_CLEARING", "Caller-Channel-Created-Time": "1795373426235161",
		"Caller-Channel-Answered-Time": "1795373426255160", "Caller-Channel-Hangup-Time": "1795373452355180",
		"variable_sip_from_host": "example.com", "variable_rtp_use_codec_name": "PCMA",
		"variable_rtp_audio_in_mos": "4.30", "variable_rtp_audio_in_packet_count": "1000",
		"variable_rtp_audio_in_skip_packet_count": "10", "variable_rtp_audio_in_media_bytes": "160000",
		"variable_rtp_audio_in_jitter_min_variance": "1.00", "variable_rtp_audio_in_jitter_max_variance": "3.00",
		"variable_rtp_audio_in_quality_percentage": "90.00"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestBadInput(t *testing.T) {
	st, sk := newMemStore(), &sink{}
	tr := newTestTracker(st, sk)

	// Events missing fields.
	tr.Handle(MapFields{"Event-Name": "CHANNEL_CREATE"})
	tr.Handle(MapFields{"Event-Name": "CHANNEL_ANSWER", "Unique-ID": "   "})
	tr.Handle(MapFields{"Event-Name": "CHANNEL_HANGUP_COMPLETE"})
	tr.Handle(MapFields{"Event-Name": "RECV_RTCP_MESSAGE"})
	tr.Handle(MapFields{"Event-Name": "RECV_RTCP_MESSAGE", "Unique-ID": "a"}) // no report block
	tr.Handle(MapFields{})                                                    // no Event-Name at all
	tr.Handle(MapFields{"Event-Name": "CUSTOM", "Unique-ID": "x"})

	// RTCP for a channel never seen.
	rtcp := MapFields{"Event-Name": "RECV_RTCP_MESSAGE", "Unique-ID": "ghost", "Source0-SSRC": "1", "Source0-Fraction": "0",
		"Source0-Lost": "0", "Source0-Highest-Sequence-Number-Received": "10", "Source0-Jitter": "1", "Source0-LSR": "0", "Source0-DLSR": "0"}
	tr.Handle(rtcp)

	// A leg with absurd values everywhere.
	tr.Handle(MapFields{"Event-Name": "CHANNEL_CREATE", "Unique-ID": "leg1", "Caller-Channel-Created-Time": "-5",
		"variable_rtp_use_codec_rate": "NaN", "variable_sip_from_host": "a.test"})
	bad := MapFields{"Event-Name": "SEND_RTCP_MESSAGE", "Unique-ID": "leg1", "Source-SSRC": "1", "Source-Fraction": "300",
		"Source-Lost": "5", "Source-Highest-Sequence-Number-Received": "10", "Source-Jitter": "1", "Source-LSR": "0", "Source-DLSR": "0"}
	tr.Handle(bad)
	huge := MapFields{"Event-Name": "SEND_RTCP_MESSAGE", "Unique-ID": "leg1", "Source-SSRC": "1", "Source-Fraction": "0",
		"Source-Lost": "0", "Source-Highest-Sequence-Number-Received": "10", "Source-Jitter": "4294967295", "Source-LSR": "0", "Source-DLSR": "0"}
	tr.Handle(huge)
	tr.Handle(hangupFields("leg1", map[string]string{
		"variable_rtp_audio_in_mos":                 "NaN",
		"variable_rtp_audio_in_packet_count":        "-3",
		"variable_rtp_audio_in_skip_packet_count":   "1e400",
		"variable_rtp_audio_in_media_bytes":         "999999999999999999999999",
		"variable_rtp_audio_in_jitter_min_variance": "Inf",
		"variable_rtp_audio_in_quality_percentage":  "250",
		"Hangup-Cause":               "<b>bad",
		"Caller-Channel-Hangup-Time": "12",
	}))
	// Duplicate and late events for that leg.
	tr.Handle(hangupFields("leg1", nil))
	tr.Handle(MapFields{"Event-Name": "CHANNEL_ANSWER", "Unique-ID": "leg1"})
	tr.Handle(MapFields{"Event-Name": "SEND_RTCP_MESSAGE", "Unique-ID": "leg1", "Source-SSRC": "1", "Source-Fraction": "0",
		"Source-Lost": "0", "Source-Highest-Sequence-Number-Received": "20", "Source-Jitter": "1", "Source-LSR": "0", "Source-DLSR": "0"})

	// Out-of-order: a hangup for a leg never created still makes a record.
	tr.Handle(hangupFields("orphan", nil))

	if len(sk.records) != 2 {
		t.Fatalf("%d records, want 2 (leg1 once, orphan)", len(sk.records))
	}
	r := sk.records[0]
	// Nothing absurd is exported: those figures are unknown.
	for name, v := range map[string]float64{"MOS": r.MOS, "JitterMinVariance": r.JitterMinVariance, "Quality": r.QualityPercentage,
		"JitterAvg": r.JitterAvg, "Duration": r.Duration} {
		if Known(v) {
			t.Errorf("%s = %v exported from absurd input", name, v)
		}
	}
	// The loss comes from the one report that was valid but for its jitter
	// ("huge": fraction 0, lost 0), not from the absurd hangup counters.
	if r.LossBasis != BasisRTCP || r.LossRatio != 0 || r.LostIn != 0 {
		t.Errorf("loss %v (%s), lost %d: want 0 from the RTCP report", r.LossRatio, r.LossBasis, r.LostIn)
	}
	if r.PacketsIn != -1 || r.SkipPackets != -1 || r.BytesIn != -1 || r.HangupCause != "" {
		t.Errorf("absurd counters kept: %+v", r)
	}
	for _, f := range r.Fields() {
		if f.Kind == KindFloat && (math.IsNaN(f.Float) || math.IsInf(f.Float, 0)) || f.Kind == KindInt && f.Int < 0 {
			t.Errorf("field %s = %+v", f.Key, f)
		}
	}
	// The orphan's record is complete from the hangup event alone.
	o := sk.records[1]
	if o.MOS != 4.3 || o.Domain != "example.com" || o.Codec != "PCMA" || o.LossRatio != 10.0/1010 {
		t.Errorf("orphan record %+v", o)
	}
	// Samples: none from the absurd reports (fraction 300 is invalid; the
	// huge jitter is accepted as a report but its jitter is not exported).
	for _, s := range sk.samples {
		if Known(s.Jitter) && s.Jitter > MaxJitter {
			t.Errorf("absurd jitter exported: %+v", s)
		}
	}

	s := tr.Stats()
	want := map[[2]int]uint64{
		{EvCreate, RejMissingID}:               1,
		{EvAnswer, RejMissingID}:               1,
		{EvHangupComplete, RejMissingID}:       1,
		{EvRecvRTCP, RejMissingID}:             1,
		{EvRecvRTCP, RejNoBlock}:               1,
		{EvRecvRTCP, RejUnknownChannel}:        1,
		{EvSendRTCP, RejInvalidBlock}:          1,
		{EvHangupComplete, RejDuplicateHangup}: 1,
		{EvAnswer, RejLateEvent}:               1,
		{EvSendRTCP, RejLateEvent}:             1,
	}
	for k, v := range want {
		if got := s.Rejected[k[0]][k[1]]; got != v {
			t.Errorf("rejected[%s][%s] = %d, want %d", EventNames[k[0]], RejectReasons[k[1]], got, v)
		}
	}
	for _, f := range []string{FieldMOS, FieldPackets, FieldBytes, FieldJitter, FieldQuality, FieldHangup, FieldTimes, "created", "codec_rate", FieldRTCPJitter} {
		if s.Invalid[f] == 0 {
			t.Errorf("invalid[%s] not counted: %v", f, s.Invalid)
		}
	}
	if s.Received[EvOther] != 2 {
		t.Errorf("other events %d", s.Received[EvOther])
	}
}

// TestSharedClaim: with a store shared by two agents, the second agent to
// see a hangup does not export a second record.
func TestSharedClaim(t *testing.T) {
	st := newMemStore()
	st.shared = true
	sk1, sk2 := &sink{}, &sink{}
	a, b := newTestTracker(st, sk1), newTestTracker(st, sk2)
	a.Handle(hangupFields("x", nil))
	b.Handle(hangupFields("x", nil))
	if len(sk1.records)+len(sk2.records) != 1 {
		t.Fatalf("records %d+%d, want 1", len(sk1.records), len(sk2.records))
	}
	if b.Stats().Rejected[EvHangupComplete][RejClaimed] != 1 {
		t.Error("claim rejection not counted")
	}
}

func TestDomainCap(t *testing.T) {
	st, sk := newMemStore(), &sink{}
	tr := NewTracker(Options{Instance: "fs", QoS: true, Store: st, Sinks: []Sink{sk}, MaxDomains: 3})
	for i, d := range []string{"a.test", "b.test", "c.test", "d.test", "a.test", "e.test"} {
		tr.Handle(hangupFields(fmt.Sprintf("id-%d", i), map[string]string{"variable_sip_from_host": d}))
	}
	var got []string
	for _, lb := range sk.labels {
		got = append(got, lb.Domain)
	}
	want := []string{"a.test", "b.test", "c.test", "other", "a.test", "other"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("domain labels %v, want %v", got, want)
		}
	}
	if tr.Stats().Overflow["domain"] != 2 {
		t.Errorf("overflow %v", tr.Stats().Overflow)
	}
}

// TestResync reconciles with the captured `show channels as json` of call3.
func TestResync(t *testing.T) {
	body, err := os.ReadFile(callsDir + "/call3-degraded-loss-jitter/during-api-show-channels-as-json.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, b, _ := cutFrame(body)
	rows, err := ParseChannels(b)
	if err != nil || len(rows) != 2 {
		t.Fatalf("ParseChannels: %d rows, %v", len(rows), err)
	}
	st, sk := newMemStore(), &sink{}
	tr := newTestTracker(st, sk)
	// A leg we believed live that FreeSWITCH no longer has.
	st.Put(Leg{ChannelID: "gone", Origin: OriginEvent, Seen: 1})
	res := tr.Resync(rows, time.Unix(1795373500, 0))
	if res != (ResyncResult{Added: 2, Vanished: 1}) {
		t.Fatalf("resync %+v", res)
	}
	l, ok := st.Get("6f0dba1d-ba35-4616-ac99-36916db4d5b1")
	if !ok || l.Origin != OriginResync || l.Direction != "outbound" || l.Codec != "PCMU" || l.Domain != "127.0.0.1" || l.Created != 1795373426000000 {
		t.Fatalf("resynced leg %+v", l)
	}
	// Its first RTCP report after a resync is a baseline, not new loss.
	for _, ev := range loadCall(t, "call3-degraded-loss-jitter", "plain") {
		if ev.Name() == "SEND_RTCP_MESSAGE" || ev.Name() == "RECV_RTCP_MESSAGE" {
			tr.Handle(ev)
		}
	}
	var lost int64
	for _, s := range sk.samples {
		if s.ChannelID == "6f0dba1d-ba35-4616-ac99-36916db4d5b1" && s.Kind == StreamReceived {
			lost += s.LostDelta
		}
	}
	if lost != 65-12 {
		t.Errorf("lost after resync = %d, want 53 (65 minus the 12 of the baseline report)", lost)
	}
	if _, err := ParseChannels([]byte("{\"row_count\": 0}\n")); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"-ERR no such command", "{", `{"rows":[]}`, "[]"} {
		if _, err := ParseChannels([]byte(bad)); err == nil {
			t.Errorf("ParseChannels(%q) accepted", bad)
		}
	}
	counts := tr.LiveCounts()
	legs, calls := 0, 0
	for _, c := range counts {
		legs += c.Legs
		calls += c.Calls
	}
	if legs != 2 || calls != 2 {
		t.Errorf("live %d legs %d calls: %+v", legs, calls, counts)
	}
	n := 0
	tr.Live(func(v LiveLeg) {
		n++
		if v.MOS < 1 || v.MOS > 4.5 {
			t.Errorf("live MOS %v", v.MOS)
		}
	})
	if n != 2 {
		t.Errorf("Live saw %d legs", n)
	}
}

// cutFrame splits a captured frame into headers and body.
func cutFrame(b []byte) (string, []byte, bool) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\n' && b[i+1] == '\n' {
			return string(b[:i]), b[i+2:], true
		}
	}
	return "", nil, false
}

// TestReconcileTwoStrikes: the periodic check drops a leg FreeSWITCH no
// longer lists only the second time, and a hangup in flight still makes
// its record.
func TestReconcileTwoStrikes(t *testing.T) {
	st, sk := newMemStore(), &sink{}
	tr := newTestTracker(st, sk)
	tr.Handle(MapFields{"Event-Name": "CHANNEL_CREATE", "Unique-ID": "a", "variable_sip_from_host": "x.test"})
	tr.Handle(MapFields{"Event-Name": "CHANNEL_CREATE", "Unique-ID": "b", "variable_sip_from_host": "x.test"})
	later := time.Unix(1795373600, 0)
	rows := []ChannelRow{{UUID: "b"}}
	if res := tr.Reconcile(rows, later); res.Vanished != 0 || st.Len() != 2 {
		t.Fatalf("first check dropped a leg: %+v", res)
	}
	if res := tr.Reconcile(rows, later); res.Vanished != 1 || st.Len() != 1 {
		t.Fatalf("second check: %+v, %d legs", res, st.Len())
	}
	// The hangup of a leg a resync dropped still makes a record.
	tr.Handle(hangupFields("a", nil))
	if len(sk.records) != 1 || sk.records[0].ChannelID != "a" {
		t.Fatalf("records %+v", sk.records)
	}
}
