package quality

import (
	"testing"
)

func TestStreamDeltas(t *testing.T) {
	type step struct {
		b     Block
		delta int64
		res   UpdateResult
	}
	cases := []struct {
		name       string
		countFirst bool
		steps      []step
	}{
		{"first report counts when watched from the start", true, []step{
			{Block{SSRC: 1, Lost: 12, HighSeq: 8707}, 12, UpdateFirst},
			{Block{SSRC: 1, Lost: 18, HighSeq: 8908}, 6, UpdateAccepted},
			{Block{SSRC: 1, Lost: 32, HighSeq: 9109}, 14, UpdateAccepted},
		}},
		{"first report is a baseline for a leg learned mid-call", false, []step{
			{Block{SSRC: 1, Lost: 500, HighSeq: 1000}, 0, UpdateFirst},
			{Block{SSRC: 1, Lost: 510, HighSeq: 1250}, 10, UpdateAccepted},
		}},
		{"24-bit cumulative loss wraps", true, []step{
			{Block{SSRC: 7, Lost: 0x7FFFF0, HighSeq: 100}, 0x7FFFF0, UpdateFirst},
			{Block{SSRC: 7, Lost: 0x800005, HighSeq: 200}, 0x15, UpdateAccepted},
		}},
		{"24-bit two's complement: negative (duplicates) then recovering", true, []step{
			{Block{SSRC: 2, Lost: 10, HighSeq: 100}, 10, UpdateFirst},
			{Block{SSRC: 2, Lost: 0xFFFFFF, HighSeq: 300}, 0, UpdateAccepted}, // -1: 11 fewer
			{Block{SSRC: 2, Lost: 12, HighSeq: 500}, 2, UpdateAccepted},       // only the rise above 10 counts
		}},
		{"32-bit extended highest sequence wraps", true, []step{
			{Block{SSRC: 3, Lost: 0, HighSeq: 0xFFFFFF00}, 0, UpdateFirst},
			{Block{SSRC: 3, Lost: 4, HighSeq: 0x00000040}, 4, UpdateAccepted},
		}},
		{"reordered (older) report is ignored", true, []step{
			{Block{SSRC: 4, Lost: 5, HighSeq: 1000}, 5, UpdateFirst},
			{Block{SSRC: 4, Lost: 9, HighSeq: 1400}, 4, UpdateAccepted},
			{Block{SSRC: 4, Lost: 7, HighSeq: 1200}, 0, UpdateStale},
			{Block{SSRC: 4, Lost: 11, HighSeq: 1600}, 2, UpdateAccepted},
		}},
		{"duplicate report is ignored", true, []step{
			{Block{SSRC: 5, Lost: 3, HighSeq: 50}, 3, UpdateFirst},
			{Block{SSRC: 5, Lost: 3, HighSeq: 50}, 0, UpdateDuplicate},
		}},
		{"new SSRC resets the stream and its loss is new", false, []step{
			{Block{SSRC: 6, Lost: 40, HighSeq: 5000}, 0, UpdateFirst},
			{Block{SSRC: 6, Lost: 45, HighSeq: 5200}, 5, UpdateAccepted},
			{Block{SSRC: 9, Lost: 2, HighSeq: 17}, 2, UpdateReset},
			{Block{SSRC: 9, Lost: 3, HighSeq: 217}, 1, UpdateAccepted},
		}},
		{"sequence restart far back resets", true, []step{
			{Block{SSRC: 8, Lost: 40, HighSeq: 90000}, 40, UpdateFirst},
			{Block{SSRC: 8, Lost: 1, HighSeq: 100}, 1, UpdateReset},
		}},
		{"unknown SSRC (00000000) then a real one is the same stream", true, []step{
			{Block{SSRC: 0, Lost: 1, HighSeq: 29816}, 1, UpdateFirst},
			{Block{SSRC: 0xf728b0fa, Lost: 1, HighSeq: 30017}, 0, UpdateAccepted},
		}},
		{"more loss than packets expected is absurd: followed, not counted", true, []step{
			{Block{SSRC: 1, Lost: 0, HighSeq: 100}, 0, UpdateFirst},
			{Block{SSRC: 1, Lost: 90000, HighSeq: 300}, 0, UpdateAbsurd},
			{Block{SSRC: 1, Lost: 90003, HighSeq: 500}, 3, UpdateAccepted},
		}},
		{"a forward jump of millions of packets is absurd too", true, []step{
			{Block{SSRC: 1, Lost: 0, HighSeq: 100}, 0, UpdateFirst},
			{Block{SSRC: 1, Lost: 5000, HighSeq: 100 + 1<<21}, 0, UpdateAbsurd},
			{Block{SSRC: 1, Lost: 5002, HighSeq: 300 + 1<<21}, 2, UpdateAccepted},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s Stream
			total := int64(0)
			for i, st := range c.steps {
				d, res := s.Update(st.b, c.countFirst)
				if d != st.delta || res != st.res {
					t.Fatalf("step %d: got (%d, %s), want (%d, %s)", i, d, res, st.delta, st.res)
				}
				if d < 0 {
					t.Fatalf("negative delta %d", d)
				}
				total += d
			}
		})
	}
}

// TestRTTFromCapture checks A − LSR − DLSR on call3's RECV_RTCP_MESSAGE
// 013: the arrival time is its Capture-Time.
func TestRTTFromCapture(t *testing.T) {
	evs := loadCall(t, "call3-degraded-loss-jitter", "plain")
	ev := evs[13]
	if ev.Name() != "RECV_RTCP_MESSAGE" {
		t.Fatalf("event 13 is %s", ev.Name())
	}
	r, reason := ParseReport(ev, StreamSent)
	if reason != "" {
		t.Fatal(reason)
	}
	// Capture-Time 1795373434315735 µs: NTP seconds 4004362234 (= the SR's
	// NTP-Most-Significant-Word), low 16 bits 47098; fraction .315735·65536 = 20692.
	if got, want := NTPShort(r.Capture), uint32(47098<<16|20692); got != want {
		t.Fatalf("NTPShort = %d, want %d", got, want)
	}
	rtt, ok := RTT(r.Capture, r.Block.LSR, r.Block.DLSR)
	want := float64(47098*65536+20692-3086369106-260832) / 65536
	if !ok || !near(rtt, want, 1e-9) {
		t.Fatalf("RTT = %v %v, want %v", rtt, ok, want)
	}
	// FreeSWITCH's own figure is preferred when present.
	if got, ok := r.ReportRTT(); !ok || got != 0.060013 {
		t.Fatalf("ReportRTT = %v %v, want FreeSWITCH's 0.060013", got, ok)
	}
	if _, ok := RTT(r.Capture, 0, 0); ok {
		t.Fatal("no LSR must give no RTT")
	}
	if _, ok := RTT(r.Capture, r.Block.LSR, r.Block.DLSR+65536*20); ok {
		t.Fatal("a very negative RTT must be rejected")
	}
}

func TestParseReportRejects(t *testing.T) {
	ok := MapFields{"Unique-ID": "u1", "Source0-SSRC": "870d09fa", "Source0-Fraction": "15", "Source0-Lost": "12",
		"Source0-Highest-Sequence-Number-Received": "8707", "Source0-Jitter": "53", "Source0-LSR": "0", "Source0-DLSR": "0"}
	if _, reason := ParseReport(ok, StreamSent); reason != "" {
		t.Fatal(reason)
	}
	with := func(k, v string) MapFields {
		m := MapFields{}
		for a, b := range ok {
			m[a] = b
		}
		if v == "\x00delete" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		f    MapFields
		want string
	}{
		{with("Unique-ID", "\x00delete"), RejectMissingID},
		{with("Unique-ID", "has space"), RejectMissingID},
		{with("Source0-SSRC", "\x00delete"), RejectNoBlock},
		{with("Source0-SSRC", "xyz"), RejectInvalidBlock},
		{with("Source0-Fraction", "256"), RejectInvalidBlock},
		{with("Source0-Lost", "-1"), RejectInvalidBlock},
		{with("Source0-Lost", "16777216"), RejectInvalidBlock},
		{with("Source0-Jitter", "NaN"), RejectInvalidBlock},
		{with("Source0-Highest-Sequence-Number-Received", "99999999999999999999"), RejectInvalidBlock},
	} {
		if _, reason := ParseReport(c.f, StreamSent); reason != c.want {
			t.Errorf("%v: reason %q, want %q", c.f, reason, c.want)
		}
	}
	// Absurd jitter (over 10 s) and RTT are not exported.
	if j := jitterSeconds(8000*11, 8000); Known(j) {
		t.Errorf("jitter of 11 s accepted: %v", j)
	}
	r, _ := ParseReport(with("Rtt0-Avg", "1e9"), StreamSent)
	if Known(r.FSRTT) {
		t.Errorf("absurd Rtt0-Avg accepted: %v", r.FSRTT)
	}
}
