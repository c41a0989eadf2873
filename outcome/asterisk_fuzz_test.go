package outcome

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/voip-exporter/voip_exporter/ami"
)

// FuzzAsteriskAMI feeds arbitrary AMI event streams (seeded with the real capture
// testdata/asterisk/ami/events/01 and, in testdata/fuzz/FuzzAsteriskAMI, failed PJSIP attempts) through
// a tracker: nothing may panic; no more attempts than Hangup and Cdr events; no more live legs than
// DialBegins; every label bounded, every figure finite and non-negative.
func FuzzAsteriskAMI(f *testing.F) {
	if raw, err := os.ReadFile(filepath.Join(amiEventsDir, "01-lifecycle-exporter-default.raw")); err == nil {
		if _, rest, ok := bytes.Cut(raw, []byte("\r\n")); ok { // without the greeting line
			f.Add(rest)
		}
	}
	f.Add([]byte("Event: DialBegin\r\nDestChannel: PJSIP/c-1\r\n\r\nEvent: DialEnd\r\nDestChannel: PJSIP/c-1\r\nDialStatus: BUSY\r\n\r\n" +
		"Event: Hangup\r\nChannel: PJSIP/c-1\r\nCause: 17\r\nTechCause: 486\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		tr := New(Options{Source: "asterisk", MaxGateways: 3, MaxSeries: 4, Now: func() time.Time {
			clock = clock.Add(time.Second)
			return clock
		}})
		rd := ami.NewReader(bytes.NewReader(data), ami.ReaderOptions{MaxMessageBytes: 1 << 16})
		var ends, begins uint64
		for {
			m, err := rd.ReadMessage()
			if err != nil {
				break
			}
			switch e := m.Event(); {
			case strings.EqualFold(e, "Hangup") || strings.EqualFold(e, "Cdr"):
				ends++
			case strings.EqualFold(e, "DialBegin"):
				begins++
			}
			tr.HandleAMI(m)
		}
		if st := tr.Stats(); st.Recorded > ends {
			t.Fatalf("%d attempts from %d Hangup/Cdr events", st.Recorded, ends)
		}
		if a := tr.AsteriskStats(); uint64(a.Live) > begins {
			t.Fatalf("%d live legs from %d DialBegins", a.Live, begins)
		}
		for _, s := range tr.Snapshots() {
			if len(s.Gateway) > maxGatewayBytes || !utf8.ValidString(s.Gateway) {
				t.Fatalf("gateway %q", s.Gateway)
			}
			for _, v := range []float64{s.PDDSum, s.DurationSum} {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Fatalf("snapshot %+v", s)
				}
			}
		}
	})
}
