package rtpengine

import (
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ng"
)

func readCapture(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gatherStatistics exports one statistics reply through a registry, which
// fails on duplicate or inconsistent series.
func gatherStatistics(reply ng.Dict) (int, error) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(collectorFunc(func(ch chan<- prometheus.Metric) { sendStatistics(reply.Dict("statistics"), ch) }))
	fams, err := reg.Gather()
	n := 0
	for _, f := range fams {
		n += len(f.Metric)
	}
	return n, err
}

type collectorFunc func(chan<- prometheus.Metric)

func (collectorFunc) Describe(chan<- *prometheus.Desc)      {}
func (f collectorFunc) Collect(ch chan<- prometheus.Metric) { f(ch) }

// TestCapturedReplies reads the captured replies (testdata/README.md): the
// figures are rtpengine's, as captured.
func TestCapturedReplies(t *testing.T) {
	st, err := ng.DecodeDict(readCapture(t, "statistics.bencode"))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := gatherStatistics(st); err != nil || n < 40 {
		t.Fatalf("%d series, %v", n, err)
	}
	ch := make(chan prometheus.Metric, 512)
	sendStatistics(st.Dict("statistics"), ch)
	close(ch)
	got := map[string]bool{}
	for m := range ch {
		got[m.Desc().String()] = true
	}
	for _, d := range []*prometheus.Desc{statPackets, statBytes, statMOS, statMOSSamples, statRequests, statPorts, statSessions} {
		if !got[d.String()] {
			t.Errorf("no %s", d)
		}
	}

	q, err := ng.DecodeDict(readCapture(t, "query.bencode"))
	if err != nil {
		t.Fatal(err)
	}
	// The capture's two "average MOS" entries: MOS 43, jitter 5 ms, loss 0 %,
	// RTT 10879 µs (caller) and MOS 42, jitter 10 ms, loss 2 %, RTT 11092 µs:
	// sums 8.5, 0.015 s, 0.02, 0.021971 s.
	s := parseSSRCs(q)
	if len(s) != 2 {
		t.Fatalf("%d SSRCs: %+v", len(s), s)
	}
	sum := ssrcQoS{}
	for _, x := range s {
		sum.mos += x.mos
		sum.jitter += x.jitter
		sum.loss += x.loss
		sum.rtt += x.rtt
	}
	if !near(sum.mos, 8.5) || !near(sum.jitter, 0.015) || !near(sum.loss, 0.02) || !near(sum.rtt, 0.021971) {
		t.Errorf("sums %+v", sum)
	}
}

func FuzzStatistics(f *testing.F) {
	f.Add(readCapture(f, "statistics.bencode"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ng.DecodeDict(in)
		if err != nil {
			return
		}
		if _, err := gatherStatistics(d); err != nil {
			t.Fatalf("gather: %v", err)
		}
	})
}

func FuzzParseSSRCs(f *testing.F) {
	f.Add(readCapture(f, "query.bencode"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ng.DecodeDict(in)
		if err != nil {
			return
		}
		for _, s := range parseSSRCs(d) {
			if s.mos < 1 || s.mos > 5 || s.jitter < 0 || s.loss < 0 || s.loss > 1 || s.rtt < 0 {
				t.Fatalf("absurd %+v", s)
			}
		}
	})
}
