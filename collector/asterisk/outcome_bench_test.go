package asterisk

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/outcome"
)

// amiBenchGen renders the AMI events of synthetic calls from the real call of
// testdata/asterisk/ami/events/01 (the same headers and sizes; other channel names and unique ids).
type amiBenchGen struct {
	start  []string // Newstate Ring, DialBegin, Newstate Ringing, DialState, Newstate Up, DialEnd, Newstate Up
	rtcp   []string // one RTCPSent and one RTCPReceived of the dialled channel
	hangup []string // the two Hangups
}

func newAMIBenchGen(tb testing.TB) *amiBenchGen {
	g := &amiBenchGen{}
	var sent, recv bool
	for _, m := range amiCapture(tb, "events/01-lifecycle-exporter-default.raw") {
		if !m.IsEvent() {
			continue
		}
		txt := m.Raw()
		switch ev := m.Event(); {
		case ev == "Newstate" || strings.HasPrefix(ev, "Dial"):
			g.start = append(g.start, txt)
		case ev == "Hangup":
			g.hangup = append(g.hangup, txt)
		case ev == "RTCPSent" && !sent && m.Get("Channel") == "SIP/1032-0000000b":
			g.rtcp, sent = append(g.rtcp, txt), true
		case ev == "RTCPReceived" && !recv && m.Get("Channel") == "SIP/1032-0000000b":
			g.rtcp, recv = append(g.rtcp, txt), true
		}
	}
	if len(g.start) != 7 || len(g.hangup) != 2 || len(g.rtcp) != 2 {
		tb.Fatalf("capture: %d start, %d hangup, %d rtcp events; want 7, 2, 2", len(g.start), len(g.hangup), len(g.rtcp))
	}
	return g
}

// write appends the events of slot i (its caller and dialled channel names and ids) in wire form.
func (g *amiBenchGen) write(buf *bytes.Buffer, evs []string, i int) {
	r := strings.NewReplacer("SIP/1031-0000000a", fmt.Sprintf("PJSIP/phone-%08x", i),
		"SIP/1032-0000000b", fmt.Sprintf("PJSIP/carrier%d-%08x", i%20, i),
		"1795393628.18", fmt.Sprintf("1795393628.%d", 2*i), "1795393628.19", fmt.Sprintf("1795393628.%d", 2*i+1))
	for _, e := range evs {
		for _, l := range strings.Split(strings.TrimSuffix(r.Replace(e), "\n"), "\n") {
			buf.WriteString(l)
			buf.WriteString("\r\n")
		}
		buf.WriteString("\r\n")
	}
}

// benchAMIPath: AMI events/s through the event path — read and parse the events of the subscription,
// then the RTCP tracker, and with outcomes the outcome tracker — with 10,000 calls up. Each round sends
// both RTCP reports of every live call, hangs up 1,000 calls (2 Hangups each) and starts 1,000 (7 events
// each): 29,000 events (9,000 of them call events), 1,000 attempts. Slots cycle through 11,000 names,
// so the rounds repeat. allocs/event counts every allocation of the timed rounds (the reader's
// messages included): the two variants must be equal.
const benchLive, benchChurn, benchSlots = 10000, 1000, 11000

// benchRounds renders the rounds' streams and the warm-up that starts the first live calls.
func benchRounds(b *testing.B) (warm []byte, rounds [][]byte) {
	const live, churn, slots = benchLive, benchChurn, benchSlots
	g := newAMIBenchGen(b)
	rounds = make([][]byte, slots/churn)
	for r := range rounds {
		var buf bytes.Buffer
		first := r * churn
		for k := range live { // the calls up: first .. first+live-1
			g.write(&buf, g.rtcp, (first+k)%slots)
		}
		for k := range churn {
			g.write(&buf, g.hangup, (first+k)%slots)
			g.write(&buf, g.start, (first+live+k)%slots)
		}
		rounds[r] = buf.Bytes()
	}
	var w bytes.Buffer
	for k := range live {
		g.write(&w, g.start, k)
	}
	return w.Bytes(), rounds
}

// feedAMI parses a stream and hands each event to the instance's event handler.
func feedAMI(b *testing.B, inst *Instance, p []byte) int {
	rd := ami.NewReader(bytes.NewReader(p), ami.ReaderOptions{})
	n := 0
	for {
		m, err := rd.ReadMessage()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		inst.onEvent(m)
		n++
	}
}

func benchInstance(withOutcome bool) *Instance {
	inst := &Instance{rtcp: NewRTCPTracker()}
	if withOutcome {
		inst.outcomes = outcome.New(outcome.Options{Source: "asterisk"})
	}
	return inst
}

func benchAMIPath(b *testing.B, withOutcome bool) {
	const live = benchLive
	warm, rounds := benchRounds(b)
	inst := benchInstance(withOutcome)
	feed := func(p []byte) int { return feedAMI(b, inst, p) }
	feed(warm)
	for _, r := range rounds { // one full cycle, so that every table is at its size
		feed(r)
	}
	runtime.GC() // the set-up's garbage is not the path's
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	events := 0
	for i := range b.N {
		events += feed(rounds[i%len(rounds)])
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(events), "allocs/event")
	if withOutcome {
		if st := inst.outcomes.AsteriskStats(); st.Live != live {
			b.Fatalf("live legs %d, want %d", st.Live, live)
		}
	}
}

// BenchmarkAMIEventPathOverhead runs each round through both instances, alternating which goes first,
// and reports the outcome path's added cost (of the sums, and of each side's fastest round): on a shared
// machine the two sides of one ratio see about the same load.
func BenchmarkAMIEventPathOverhead(b *testing.B) {
	warm, rounds := benchRounds(b)
	without, with := benchInstance(false), benchInstance(true)
	for _, inst := range []*Instance{without, with} {
		feedAMI(b, inst, warm)
		for _, r := range rounds {
			feedAMI(b, inst, r)
		}
	}
	runtime.GC()
	var tWithout, tWith time.Duration
	minWithout, minWith := time.Duration(1<<62), time.Duration(1<<62)
	b.ResetTimer()
	for i := range b.N {
		r := rounds[i%len(rounds)]
		order := []*Instance{without, with}
		if i%2 == 1 {
			order = []*Instance{with, without}
		}
		for _, inst := range order {
			t0 := time.Now()
			feedAMI(b, inst, r)
			d := time.Since(t0)
			if inst == with {
				tWith, minWith = tWith+d, min(minWith, d)
			} else {
				tWithout, minWithout = tWithout+d, min(minWithout, d)
			}
		}
	}
	// The sums see every preemption; the fastest round of each is the least disturbed figure.
	b.ReportMetric(100*(tWith.Seconds()-tWithout.Seconds())/tWithout.Seconds(), "%added")
	b.ReportMetric(100*(minWith.Seconds()-minWithout.Seconds())/minWithout.Seconds(), "%added_fastest")
}

func BenchmarkAMIEventPathWithoutOutcomes(b *testing.B) { benchAMIPath(b, false) }
func BenchmarkAMIEventPathWithOutcomes(b *testing.B)    { benchAMIPath(b, true) }
