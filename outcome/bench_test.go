package outcome

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/store"
)

// benchGen builds event frames for synthetic legs from call3's captured events (b2eef4e9, the inbound leg):
// the same headers and sizes, other UUIDs and RTCP counters.
type benchGen struct{ create, answer, send, recv, hangup string }

const benchUUID = "b2eef4e9-c9cb-47b0-9603-cf92036fd144"

func newBenchGen(tb testing.TB) *benchGen {
	tb.Helper()
	dir := filepath.Join(callsDir, "call3-degraded-loss-jitter", "events-plain")
	body := func(name string) string {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		_, b, ok := bytes.Cut(raw, []byte("\n\n"))
		if !ok {
			tb.Fatalf("%s: no body", name)
		}
		return string(b)
	}
	return &benchGen{create: body("001-CHANNEL_CREATE.txt"), answer: body("003-CHANNEL_ANSWER.txt"),
		send: body("011-SEND_RTCP_MESSAGE.txt"), recv: body("013-RECV_RTCP_MESSAGE.txt"), hangup: body("031-CHANNEL_HANGUP_COMPLETE.txt")}
}

func benchLeg(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i) }

var (
	reHigh = regexp.MustCompile(`(Source0?-Highest-Sequence-Number-Received): \d+`)
	reLost = regexp.MustCompile(`(Source0?-Lost): \d+`)
)

func benchFrame(buf *bytes.Buffer, body string) {
	fmt.Fprintf(buf, "Content-Length: %d\nContent-Type: text/event-plain\n\n%s", len(body), body)
}

func (g *benchGen) legEvents(buf *bytes.Buffer, i int, bodies ...string) {
	for _, b := range bodies {
		benchFrame(buf, strings.ReplaceAll(b, benchUUID, benchLeg(i)))
	}
}

func (g *benchGen) rtcp(buf *bytes.Buffer, i, n int) {
	for _, b := range []string{g.send, g.recv} {
		b = strings.Replace(b, benchUUID, benchLeg(i), 1)
		b = reHigh.ReplaceAllString(b, "${1}: "+strconv.Itoa(1000+250*n))
		b = reLost.ReplaceAllString(b, "${1}: "+strconv.Itoa(n*3))
		benchFrame(buf, b)
	}
}

// benchEventPath: events/s through the quality path's work (parse a stream of real-sized plain events and
// update the quality tracker) with 10,000 live legs, with and without the outcome tracker as a second
// consumer. Each round sends both RTCP reports of every live leg and ends 1,000 legs (CHANNEL_HANGUP_COMPLETE)
// that 1,000 new ones replace (CHANNEL_CREATE + CHANNEL_ANSWER): 23,000 events, 1,000 attempts.
func benchEventPath(b *testing.B, withOutcome bool) {
	const legs, churn = 10000, 1000
	g := newBenchGen(b)
	qt := quality.NewTracker(quality.Options{Instance: "fs", RTCP: true, QoS: true, Store: store.NewMemory()})
	var ot *Tracker
	if withOutcome {
		ot = New(Options{})
	}
	handle := func(ev *esl.Event) {
		qt.Handle(ev)
		if ot != nil {
			ot.Handle(ev)
		}
	}
	feed := func(data []byte) int {
		rd := esl.NewReader(bytes.NewReader(data), esl.ReaderOptions{})
		var ev esl.Event
		n := 0
		for {
			err := rd.ReadEventInto(&ev)
			if err == io.EOF {
				return n
			}
			if err != nil {
				b.Fatal(err)
			}
			handle(&ev)
			n++
		}
	}
	var buf bytes.Buffer
	for i := range legs {
		g.legEvents(&buf, i, g.create, g.answer)
	}
	feed(buf.Bytes())
	live := make([]int, legs)
	for i := range live {
		live[i] = i
	}
	next := legs
	b.ReportAllocs()
	b.ResetTimer()
	events, round := 0, 1
	var paused time.Duration
	start := time.Now()
	for events < b.N {
		p0 := time.Now()
		b.StopTimer()
		buf.Reset()
		for _, i := range live {
			g.rtcp(&buf, i, round)
		}
		for k := range churn {
			slot := (round*churn + k) % legs
			g.legEvents(&buf, live[slot], g.hangup)
			live[slot] = next
			g.legEvents(&buf, next, g.create, g.answer)
			next++
		}
		round++
		b.StartTimer()
		paused += time.Since(p0)
		events += feed(buf.Bytes())
	}
	elapsed := time.Since(start) - paused
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	if ot != nil {
		if s := ot.Stats(); s.Recorded == 0 || s.Duplicates != 0 {
			b.Fatalf("outcome stats %+v", s)
		}
	}
}

func BenchmarkEventPathQualityOnly(b *testing.B)  { benchEventPath(b, false) }
func BenchmarkEventPathWithOutcomes(b *testing.B) { benchEventPath(b, true) }

// BenchmarkHandleHangup: the outcome tracker alone on a CHANNEL_HANGUP_COMPLETE (a parsed event).
func BenchmarkHandleHangup(b *testing.B) {
	g := newBenchGen(b)
	var buf bytes.Buffer
	const n = 4096
	for i := range n {
		g.legEvents(&buf, i, g.hangup)
	}
	rd := esl.NewReader(bytes.NewReader(buf.Bytes()), esl.ReaderOptions{})
	evs := make([]*esl.Event, n)
	for i := range evs {
		ev, err := rd.ReadEvent()
		if err != nil {
			b.Fatal(err)
		}
		evs[i] = ev
	}
	tr := New(Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tr.Handle(evs[i%n])
	}
}

// TestHandleDoesNotAllocate: once its labels are known, an event costs no allocation.
func TestHandleDoesNotAllocate(t *testing.T) {
	g := newBenchGen(t)
	var buf bytes.Buffer
	for i := range 64 {
		g.legEvents(&buf, i, g.hangup)
		g.rtcp(&buf, i, 1)
	}
	rd := esl.NewReader(bytes.NewReader(buf.Bytes()), esl.ReaderOptions{})
	var evs []*esl.Event
	for {
		ev, err := rd.ReadEvent()
		if err != nil {
			break
		}
		evs = append(evs, ev)
	}
	tr := New(Options{})
	tr.Handle(evs[0]) // warms the label sets and the series
	i := 0
	if a := testing.AllocsPerRun(len(evs)-1, func() { i++; tr.Handle(evs[i%len(evs)]) }); a != 0 {
		t.Errorf("%v allocations per event", a)
	}
}
