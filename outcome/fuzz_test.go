package outcome

import (
	"math"
	"testing"
	"unicode/utf8"

	"github.com/voip-exporter/voip_exporter/esl"
)

// FuzzFreeSWITCHHangup feeds arbitrary plain event bodies (seeded in testdata/fuzz/FuzzFreeSWITCHHangup
// with real CHANNEL_HANGUP_COMPLETE captures and failed legs made of them) through the parser and a
// tracker: nothing may panic, and every figure that comes out is bounded and finite.
func FuzzFreeSWITCHHangup(f *testing.F) {
	f.Add([]byte("Event-Name: CHANNEL_HANGUP_COMPLETE\nUnique-ID: a\nvariable_hangup_cause: USER_BUSY\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := esl.ParseEventPlain(data)
		if err != nil {
			return
		}
		var a Attempt
		ParseFreeSWITCH(ev, &a)
		if len(a.Gateway) > maxGatewayBytes || len(a.Domain) > 253 || !utf8.ValidString(a.Gateway) {
			t.Fatalf("unbounded label in %+v", a)
		}
		if a.Cause < -1 || a.SIPCode != 0 && (a.SIPCode < 100 || a.SIPCode > 699) {
			t.Fatalf("cause %d, SIP code %d", a.Cause, a.SIPCode)
		}
		if !math.IsNaN(a.PDD) && (a.PDD < 0 || a.PDD > maxSeconds) || a.Billsec < 0 || a.Billsec > maxSeconds || math.IsNaN(a.Billsec) {
			t.Fatalf("PDD %v billsec %v", a.PDD, a.Billsec)
		}
		tr := New(Options{MaxGateways: 2, MaxDomains: 2, MaxSeries: 3})
		tr.Handle(ev)
		tr.Handle(ev) // a replay of a leg (Unique-ID) counts nothing twice
		if st := tr.Stats(); st.Recorded > 2 || ev.Get("Unique-ID") != "" && st.Recorded > 1 {
			t.Fatalf("%d attempts from one hangup", st.Recorded)
		}
		for _, s := range tr.Snapshots() {
			if !utf8.ValidString(s.Domain) || math.IsNaN(s.PDDSum) || math.IsNaN(s.DurationSum) {
				t.Fatalf("snapshot %+v", s)
			}
		}
		_ = tr.Recent()
	})
}
