package quality

import (
	"math"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/voip-exporter/voip_exporter/esl"
)

// FuzzEventToLeg feeds arbitrary plain event bodies (seeded with the real
// captures in testdata/fuzz/FuzzEventToLeg) through leg extraction, report
// parsing, record building and a tracker: nothing may panic, and nothing
// unbounded, non-finite or negative may come out.
func FuzzEventToLeg(f *testing.F) {
	f.Add([]byte("Event-Name: CHANNEL_CREATE\nUnique-ID: a\nvariable_sip_from_host: x%2Ey\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := esl.ParseEventPlain(data)
		if err != nil {
			return
		}
		u := ExtractLeg(ev)
		for _, s := range []string{u.ChannelID, u.CorrelationID, u.CallUUID} {
			if len(s) > maxIDBytes {
				t.Fatalf("id of %d bytes", len(s))
			}
		}
		if len(u.Domain) > maxDomainBytes || len(u.Codec) > maxCodecBytes || len(u.LocalMediaIP) > maxIPBytes || len(u.RemoteMediaIP) > maxIPBytes {
			t.Fatalf("unbounded field in %+v", u)
		}
		for _, s := range []string{u.Domain, u.Codec, u.LocalMediaIP, u.RemoteMediaIP, u.Direction} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		if u.Created < 0 || u.Answered < 0 {
			t.Fatalf("negative time %+v", u)
		}
		for _, k := range []StreamKind{StreamSent, StreamReceived} {
			if r, reason := ParseReport(ev, k); reason == "" {
				var s Stream
				if d, _ := s.Update(r.Block, true); d < 0 {
					t.Fatalf("negative delta %d", d)
				}
				if rtt, ok := r.ReportRTT(); ok && (rtt < 0 || rtt > MaxRTT || math.IsNaN(rtt)) {
					t.Fatalf("rtt %v", rtt)
				}
			}
		}
		rec, _, ok := BuildRecord("fs", ev, nil, NewInterner(16))
		if ok {
			for _, fl := range rec.Fields() {
				switch fl.Kind {
				case KindFloat:
					if math.IsNaN(fl.Float) || math.IsInf(fl.Float, 0) {
						t.Fatalf("%s = %v", fl.Key, fl.Float)
					}
					if fl.Key != "emodel_r" && fl.Float < 0 {
						t.Fatalf("%s = %v", fl.Key, fl.Float)
					}
				case KindInt:
					if fl.Int < 0 {
						t.Fatalf("%s = %d", fl.Key, fl.Int)
					}
				case KindString:
					if !utf8.ValidString(fl.Str) {
						t.Fatalf("%s = %q", fl.Key, fl.Str)
					}
				}
			}
			if Known(rec.EModelMOS) && (rec.EModelMOS < 1 || rec.EModelMOS > 4.5) {
				t.Fatalf("MOS %v", rec.EModelMOS)
			}
		}
		st, sk := newMemStore(), &sink{}
		tr := newTestTracker(st, sk)
		tr.Handle(ev)
		tr.Handle(ev) // twice: duplicates must be harmless too
		for _, s := range sk.samples {
			if s.LostDelta < 0 || (Known(s.Jitter) && (s.Jitter < 0 || s.Jitter > MaxJitter)) || s.FractionLost < 0 || s.FractionLost > 1 {
				t.Fatalf("sample %+v", s)
			}
		}
	})
}

// FuzzParseChannels: `show channels as json` replies (seeded with the real
// captures in testdata/fuzz/FuzzParseChannels) never panic the parser nor
// the resync that consumes them.
func FuzzParseChannels(f *testing.F) {
	f.Add([]byte(`{"row_count":1,"rows":[{"uuid":"a","direction":"inbound","name":"sofia/x/1@d"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseChannels(data)
		if err != nil {
			return
		}
		tr := newTestTracker(newMemStore(), &sink{})
		res := tr.Resync(rows, time.Unix(0, 0))
		if res.Added > len(rows) {
			t.Fatalf("added %d of %d rows", res.Added, len(rows))
		}
		tr.Store().Range(func(l *Leg) bool {
			if len(l.ChannelID) > maxIDBytes || len(l.Domain) > maxDomainBytes || len(l.Codec) > maxCodecBytes {
				t.Fatalf("unbounded leg %+v", l)
			}
			return true
		})
	})
}
