package store

import (
	"testing"

	"github.com/voip-exporter/voip_exporter/quality"
)

// FuzzDecodeLeg: a leg hash read back from Redis (possibly written by
// another version, or damaged) never panics the decoder, and what it
// accepts encodes back to the same stream state.
func FuzzDecodeLeg(f *testing.F) {
	l := testLeg("b2eef4e9-c9cb-47b0-9603-cf92036fd144")
	enc := encodeLeg(&l)
	f.Add(enc["channel_id"].(string), enc["rx"].(string), enc["tx"].(string), enc["created_us"].(string), enc["rtt_sum"].(string))
	f.Add("x", "", "1 2 3", "-5", "NaN")
	f.Fuzz(func(t *testing.T, id, rx, tx, created, rtt string) {
		m := map[string]string{"channel_id": id, "rx": rx, "tx": tx, "created_us": created, "rtt_sum": rtt}
		got, ok := decodeLeg(m)
		if !ok {
			return
		}
		if got.ChannelID != id {
			t.Fatalf("channel id %q, want %q", got.ChannelID, id)
		}
		for _, st := range []quality.Stream{got.Received, got.Sent} {
			if isNaN32(st) || st.Jitter < 0 || st.JitSum < 0 || st.Fraction < 0 || st.Fraction > 1 || st.Counted < 0 {
				t.Fatalf("absurd stream accepted: %+v", st)
			}
		}
		if got.RTTSum < 0 || got.RTTSum != got.RTTSum {
			t.Fatalf("rtt sum %v", got.RTTSum)
		}
		again := encodeLeg(&got)
		back, ok := decodeLeg(map[string]string{"channel_id": id, "rx": again["rx"].(string), "tx": again["tx"].(string)})
		if !ok || back.Received != got.Received || back.Sent != got.Sent {
			t.Fatalf("stream state does not round-trip: %+v / %+v", got.Received, back.Received)
		}
	})
}

func isNaN32(s quality.Stream) bool {
	return s.Jitter != s.Jitter || s.Fraction != s.Fraction || s.JitSum != s.JitSum
}
