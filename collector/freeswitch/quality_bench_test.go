package freeswitch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/otlp"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/store"
	"github.com/voip-exporter/voip_exporter/store/redistest"
	"github.com/voip-exporter/voip_exporter/web"
)

// eventGen builds event frames for synthetic legs from call3's captured
// events: same headers and sizes, other UUIDs, Call-IDs and counters.
type eventGen struct {
	create, answer, send, recv, hangup string // bodies
}

const (
	tmplUUID   = "b2eef4e9-c9cb-47b0-9603-cf92036fd144"
	tmplCallID = "6bfb8667-6148-1240-fb80-ea6f7e3be393"
)

func newEventGen(tb testing.TB) *eventGen {
	tb.Helper()
	dir := filepath.Join(captures, "calls/call3-degraded-loss-jitter/events-plain")
	body := func(name string) string {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		b, err := splitFrame(raw)
		if err != nil {
			tb.Fatal(err)
		}
		return string(b)
	}
	return &eventGen{create: body("001-CHANNEL_CREATE.txt"), answer: body("003-CHANNEL_ANSWER.txt"),
		send: body("011-SEND_RTCP_MESSAGE.txt"), recv: body("013-RECV_RTCP_MESSAGE.txt"), hangup: body("031-CHANNEL_HANGUP_COMPLETE.txt")}
}

func legUUID(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i) }

var (
	reHigh = regexp.MustCompile(`(Source0?-Highest-Sequence-Number-Received): \d+`)
	reLost = regexp.MustCompile(`(Source0?-Lost): \d+`)
	reJit  = regexp.MustCompile(`(Source0?-Jitter): \d+`)
	reDom  = regexp.MustCompile(`(variable_sip_from_host): \S+`)
)

func frame(buf *bytes.Buffer, body string) {
	fmt.Fprintf(buf, "Content-Length: %d\nContent-Type: text/event-plain\n\n%s", len(body), body)
}

// setup appends CHANNEL_CREATE and CHANNEL_ANSWER of leg i (domain d).
func (g *eventGen) setup(buf *bytes.Buffer, i int, d string) {
	r := strings.NewReplacer(tmplUUID, legUUID(i), tmplCallID, "c"+legUUID(i)[1:])
	for _, b := range []string{g.create, g.answer} {
		frame(buf, reDom.ReplaceAllString(r.Replace(b), "${1}: "+d))
	}
}

// rtcp appends round n's SEND and RECV reports of leg i.
func (g *eventGen) rtcp(buf *bytes.Buffer, i, n int) {
	id := legUUID(i)
	for _, b := range []string{g.send, g.recv} {
		b = strings.Replace(b, tmplUUID, id, 1)
		b = reHigh.ReplaceAllString(b, "${1}: "+strconv.Itoa(1000+250*n))
		b = reLost.ReplaceAllString(b, "${1}: "+strconv.Itoa(n*3))
		b = reJit.ReplaceAllString(b, "${1}: "+strconv.Itoa(40+n%50))
		frame(buf, b)
	}
}

func feed(tb testing.TB, t *quality.Tracker, data []byte) int {
	rd := esl.NewReader(bytes.NewReader(data), esl.ReaderOptions{})
	var ev esl.Event
	n := 0
	for {
		err := rd.ReadEventInto(&ev)
		if err == io.EOF {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		t.Handle(&ev)
		n++
	}
}

func newBenchPath(st quality.Store) (*quality.Tracker, *qualityMetrics) {
	m := newQualityMetrics()
	sinks := []quality.Sink{m}
	if otlpSink != nil {
		sinks = append(sinks, otlpSink)
	}
	return quality.NewTracker(quality.Options{Instance: "fs", RTCP: true, QoS: true, Store: st, Sinks: sinks}), m
}

// benchEventPath: end-to-end events/s (parse a byte stream of real-sized
// plain events + state update + Prometheus aggregation) with 10,000 live
// legs; every report is a new one for its stream (no duplicate shortcut).
func benchEventPath(b *testing.B, st quality.Store) {
	const legs = 10000
	g := newEventGen(b)
	t, _ := newBenchPath(st)
	var buf bytes.Buffer
	for i := range legs {
		g.setup(&buf, i, fmt.Sprintf("tenant%d.example", i%20))
	}
	feed(b, t, buf.Bytes())
	if st.Len() != legs {
		b.Fatalf("%d legs", st.Len())
	}
	b.ReportAllocs()
	b.ResetTimer()
	events, round := 0, 1
	var bytesTotal int64
	start := time.Now()
	var paused time.Duration
	for events < b.N {
		p0 := time.Now()
		b.StopTimer()
		buf.Reset()
		for i := range legs {
			g.rtcp(&buf, i, round)
		}
		round++
		b.StartTimer()
		paused += time.Since(p0)
		bytesTotal += int64(buf.Len())
		events += feed(b, t, buf.Bytes())
	}
	elapsed := time.Since(start) - paused
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(bytesTotal)/float64(events), "B/event-wire")
	s := t.Stats()
	if rej := s.Rejected[quality.EvSendRTCP][quality.RejStaleReport] + s.Rejected[quality.EvSendRTCP][quality.RejDuplicateReport]; rej > 0 {
		b.Fatalf("%d reports rejected", rej)
	}
}

// BenchmarkEventPathMemory: run with -cpu 1 for the one-core figure.
func BenchmarkEventPathMemory(b *testing.B) { benchEventPath(b, store.NewMemory()) }

// BenchmarkLegMemory measures the heap held per live leg in the memory
// store (after CHANNEL_CREATE, CHANNEL_ANSWER and one report each way),
// and the process RSS with 100,000 legs (events are generated in chunks so
// that they do not count).
func BenchmarkLegMemory(b *testing.B) {
	const legs, chunk = 100000, 1000
	g := newEventGen(b)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		var before, after runtime.MemStats
		runtime.GC()
		debug.FreeOSMemory()
		runtime.ReadMemStats(&before)
		rss0 := rssBytes()
		st := store.NewMemory()
		t, _ := newBenchPath(st)
		var buf bytes.Buffer
		for i := 0; i < legs; i += chunk {
			buf.Reset()
			for j := i; j < i+chunk; j++ {
				g.setup(&buf, j, fmt.Sprintf("tenant%d.example", j%50))
				g.rtcp(&buf, j, 1)
			}
			b.StartTimer()
			feed(b, t, buf.Bytes())
			b.StopTimer()
		}
		buf = bytes.Buffer{}
		runtime.GC()
		debug.FreeOSMemory()
		runtime.ReadMemStats(&after)
		if st.Len() != legs {
			b.Fatalf("%d legs", st.Len())
		}
		perLeg := float64(after.HeapAlloc-before.HeapAlloc) / legs
		b.ReportMetric(perLeg, "B/leg")
		b.ReportMetric(perLeg*legs/(1<<20), "MiB-heap/100k-legs")
		b.ReportMetric(float64(rssBytes())/(1<<20), "MiB-rss")
		b.ReportMetric(float64(rssBytes()-rss0)/(1<<20), "MiB-rss-growth")
		runtime.KeepAlive(t)
		b.StartTimer()
	}
}

// rssBytes reads the process's resident set size (Linux).
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

// BenchmarkMetricsServing: one /metrics rendering of an instance whose
// event path has every label combination filled (100 domains × 4 codecs ×
// 2 directions): the histogram series dominate.
func BenchmarkMetricsServing(b *testing.B) {
	inst := NewInstance(config.FreeSWITCH{Name: "fs", Address: "127.0.0.1:1", Password: "x", Timeout: time.Second}, Scrapers(),
		slog.New(slog.DiscardHandler), WithQuality(QualityOptions{RTCP: true, QoS: true, MaxDomains: 100}))
	qp := inst.quality
	codecs := []string{"PCMU", "PCMA", "G722", "opus"}
	for d := range 100 {
		for c, codec := range codecs {
			for _, dir := range []string{"inbound", "outbound"} {
				lb := quality.Labels{Domain: fmt.Sprintf("tenant%d.example", d), Codec: codec, Direction: dir, Cause: "NORMAL_CLEARING"}
				for _, k := range []quality.StreamKind{quality.StreamReceived, quality.StreamSent} {
					qp.metrics.Sample(nil, lb, quality.Sample{Kind: k, Jitter: 0.01, FractionLost: 0.01, LostDelta: 1, RTT: 0.05})
				}
				r := quality.Record{MOS: 4.2, EModelMOS: 4.1, JitterAvg: 0.01, LossRatio: 0.01, RTTAvg: 0.05 + float64(c)/100}
				qp.metrics.Record(&r, lb)
			}
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(instanceCollector{inst})
	h := web.MetricsHandler(reg, nil) // what /metrics serves
	series := 0
	{
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		for _, l := range strings.Split(w.Body.String(), "\n") {
			if l != "" && l[0] != '#' {
				series++
			}
		}
	}
	// Served to a sink as to a socket (an in-memory recorder would add the growth of a 10 MB buffer, which
	// a server writing to the network does not pay); gzip as Prometheus asks by default.
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.Header.Set("Accept-Encoding", enc)
			var w sinkWriter
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				w.n = 0
				h.ServeHTTP(&w, req)
			}
			b.ReportMetric(float64(series), "series")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/scrape")
			b.ReportMetric(float64(w.n), "bytes/scrape")
		})
	}
}

// sinkWriter is an http.ResponseWriter that counts and drops the body.
type sinkWriter struct {
	h http.Header
	n int
}

func (w *sinkWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (w *sinkWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
func (w *sinkWriter) WriteHeader(int)             {}

// BenchmarkEventPathRedis is BenchmarkEventPathMemory with the Redis store
// against a real redis-server: the event path reads and writes memory and
// a writer goroutine pipelines the changed legs to Redis every 100 ms. It
// also reports how fast the writer keeps up (legs written per second, and
// the time to flush what was pending at the end).
func BenchmarkEventPathRedis(b *testing.B) {
	srv := redistest.Start(b)
	c := store.NewRedisClient(store.RedisOptions{Address: srv.Addr(), KeyPrefix: "bench:"})
	defer c.Close()
	st := store.NewRedis(c, "fs")
	defer st.Close()
	start := time.Now()
	benchEventPath(b, st)
	b.StopTimer()
	t0 := time.Now()
	if err := st.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(t0).Milliseconds()), "ms-final-flush")
	var puts uint64
	for _, op := range st.Stats().Ops {
		if op.Op == "put" && op.Result == "ok" {
			puts += op.N
		}
		if op.Result == "error" && op.N > 0 {
			b.Fatalf("redis errors: %+v", op)
		}
	}
	b.ReportMetric(float64(puts)/time.Since(start).Seconds(), "legs-written/s")
}

// BenchmarkEventPathOTLP is BenchmarkEventPathMemory with the OTLP pipeline
// as a second sink (its metric instruments on every report).
func BenchmarkEventPathOTLP(b *testing.B) {
	e, err := otlp.New(otlp.Config{Endpoint: "127.0.0.1:1", Insecure: true, QueueDir: b.TempDir(), MetricInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	p, err := e.Pipeline("fs")
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = e.Shutdown(ctx)
	}()
	otlpSink = p
	defer func() { otlpSink = nil }()
	benchEventPath(b, store.NewMemory())
}

// otlpSink, when set, is added to the benchmarks' tracker.
var otlpSink quality.Sink
