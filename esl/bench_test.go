package esl

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiorix/go-eventsocket/eventsocket"
	"github.com/percipia/eslgo"
	eslcmd "github.com/percipia/eslgo/command"
)

// ---- corpus ----

const minCorpusEvents = 10000

// benchCorpus is a stream of >= 10,000 event frames made by repeating the
// captured ones, with the end offset of each frame.
type benchCorpus struct {
	stream []byte
	ends   []int
	kind   string // "plain" or "json"
}

var (
	corpusOnce  sync.Once
	plainCorpus *benchCorpus
	jsonCorpus  *benchCorpus
)

func buildCorpus(frames [][]byte, kind string) *benchCorpus {
	c := &benchCorpus{kind: kind}
	for len(c.ends) < minCorpusEvents {
		for _, f := range frames {
			c.stream = append(c.stream, f...)
			c.ends = append(c.ends, len(c.stream))
		}
	}
	return c
}

func corpora(b testing.TB) (*benchCorpus, *benchCorpus) {
	corpusOnce.Do(func() {
		var plain, js [][]byte
		for _, p := range globFiles(b, "calls/*/events-plain/*.txt") {
			plain = append(plain, readPath(b, p))
		}
		plain = append(plain, sessionFramesOf(b, "sessions/04-event-plain-all-45s.txt", KindEventPlain)...)
		for _, p := range globFiles(b, "calls/*/events-json/*.txt") {
			js = append(js, readPath(b, p))
		}
		plainCorpus, jsonCorpus = buildCorpus(plain, "plain"), buildCorpus(js, "json")
	})
	return plainCorpus, jsonCorpus
}

// cycleReader serves the corpus stream endlessly from memory.
type cycleReader struct {
	data []byte
	pos  int
}

func (r *cycleReader) Read(p []byte) (int, error) {
	if r.pos == len(r.data) {
		r.pos = 0
	}
	n := copy(p, r.data[r.pos:])
	r.pos += n
	return n, nil
}

// ---- loopback server ----

// benchServer accepts one connection, greets, accepts any auth, answers
// the subscription, then writes n events from the corpus and answers
// "exit" until the client goes away.
func benchServer(b *testing.B, c *benchCorpus, n int) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	greeting := frame(b, "greeting.txt")
	authOK := frame(b, "auth-ok-reply.txt")
	subOK := replyFrame("+OK event listener enabled " + c.kind)
	go func() {
		defer ln.Close()
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		readCmd := func() (string, error) {
			var first string
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					return "", err
				}
				l = strings.TrimRight(l, "\r\n")
				if l == "" {
					if first == "" {
						continue
					}
					return first, nil
				}
				if first == "" {
					first = l
				}
			}
		}
		conn.Write(greeting)
		if _, err := readCmd(); err != nil {
			return
		}
		conn.Write(authOK)
		if _, err := readCmd(); err != nil {
			return
		}
		conn.Write(subOK)
		for left := n; left > 0; {
			k := min(left, len(c.ends))
			if _, err := conn.Write(c.stream[:c.ends[k-1]]); err != nil {
				return
			}
			left -= k
		}
		for {
			cmd, err := readCmd()
			if err != nil {
				return
			}
			if cmd == "exit" {
				conn.Write(frame(b, "exit-reply.txt"))
				conn.Write(frame(b, "disconnect-notice.txt"))
				return
			}
			conn.Write(frame(b, "unknowncommand.txt"))
		}
	}()
	return ln.Addr().String()
}

func reportEvents(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// ---- ours ----

// benchConn: Dial + Subscribe, OnEvent reads a few headers; every header is
// decoded by the parser anyway.
func benchConn(b *testing.B, c *benchCorpus, reuse bool) {
	addr := benchServer(b, c, b.N)
	var got atomic.Int64
	done := make(chan struct{})
	var sink int
	conn, err := Dial(context.Background(), addr, "ClueCon", Options{
		ReuseEvent: reuse,
		OnEvent: func(e *Event) {
			sink += len(e.Name()) + len(e.Get("Unique-ID"))
			if got.Add(1) == int64(b.N) {
				close(done)
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.ReportAllocs()
	b.ResetTimer()
	if err := conn.Subscribe(context.Background(), c.kind, "ALL"); err != nil {
		b.Fatal(err)
	}
	select {
	case <-done:
	case <-conn.Done():
		b.Fatalf("connection closed after %d events: %v", got.Load(), conn.Err())
	}
	b.StopTimer()
	reportEvents(b)
}

// benchReaderNet: a bare Reader on the TCP connection.
func benchReaderNet(b *testing.B, c *benchCorpus, reuse bool) {
	addr := benchServer(b, c, b.N)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	r := NewReader(nc, ReaderOptions{})
	if _, err := r.ReadFrame(); err != nil { // greeting
		b.Fatal(err)
	}
	nc.Write([]byte("auth ClueCon\n\n"))
	r.ReadFrame()
	b.ReportAllocs()
	b.ResetTimer()
	nc.Write([]byte("event " + c.kind + " ALL\n\n"))
	var ev Event
	for i := 0; i < b.N; i++ {
		var err error
		if reuse {
			err = r.ReadEventInto(&ev)
		} else {
			_, err = r.ReadEvent()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportEvents(b)
}

// benchReaderMem: a Reader on the corpus in memory (no network).
func benchReaderMem(b *testing.B, c *benchCorpus, reuse bool) {
	r := NewReader(&cycleReader{data: c.stream}, ReaderOptions{})
	var ev Event
	b.SetBytes(int64(len(c.stream) / len(c.ends)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if reuse {
			err = r.ReadEventInto(&ev)
		} else {
			_, err = r.ReadEvent()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportEvents(b)
}

func BenchmarkReadEventsPlain(b *testing.B) {
	plain, _ := corpora(b)
	b.Run("conn-loopback", func(b *testing.B) { benchConn(b, plain, false) })
	b.Run("conn-loopback-reuse", func(b *testing.B) { benchConn(b, plain, true) })
	b.Run("reader-loopback", func(b *testing.B) { benchReaderNet(b, plain, false) })
	b.Run("reader-loopback-reuse", func(b *testing.B) { benchReaderNet(b, plain, true) })
	b.Run("reader-memory", func(b *testing.B) { benchReaderMem(b, plain, false) })
	b.Run("reader-memory-reuse", func(b *testing.B) { benchReaderMem(b, plain, true) })
}

func BenchmarkReadEventsJSON(b *testing.B) {
	_, js := corpora(b)
	b.Run("conn-loopback", func(b *testing.B) { benchConn(b, js, false) })
	b.Run("reader-loopback-reuse", func(b *testing.B) { benchReaderNet(b, js, true) })
	b.Run("reader-memory", func(b *testing.B) { benchReaderMem(b, js, false) })
	b.Run("reader-memory-reuse", func(b *testing.B) { benchReaderMem(b, js, true) })
}

// BenchmarkReadFramesRaw is the floor: frames read over loopback, no event parsing.
func BenchmarkReadFramesRaw(b *testing.B) {
	plain, _ := corpora(b)
	addr := benchServer(b, plain, b.N)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	r := NewReader(nc, ReaderOptions{})
	r.ReadFrame()
	nc.Write([]byte("auth ClueCon\n\nevent plain ALL\n\n"))
	r.ReadFrame()
	r.ReadFrame()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.ReadFrame(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportEvents(b)
}

// ---- peers, same corpus, same server ----

// BenchmarkPeerEslgoPlain: percipia/eslgo v1.4.1 in inbound mode. Its
// listener gets undecoded textproto headers; "decode-all" calls GetHeader
// (url.PathUnescape) on every header, the work our parser always does.
func BenchmarkPeerEslgoPlain(b *testing.B) {
	plain, _ := corpora(b)
	for _, decode := range []bool{false, true} {
		name := "raw"
		if decode {
			name = "decode-all"
		}
		b.Run(name, func(b *testing.B) {
			addr := benchServer(b, plain, b.N)
			opts := eslgo.DefaultInboundOptions
			opts.Logger = eslgo.NilLogger{}
			opts.Password = "ClueCon"
			conn, err := opts.Dial(addr)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			var got atomic.Int64
			var sink atomic.Int64
			done := make(chan struct{})
			conn.RegisterEventListener(eslgo.EventListenAll, func(e *eslgo.Event) {
				n := len(e.GetName())
				if decode {
					for k := range e.Headers {
						n += len(e.GetHeader(k))
					}
				}
				sink.Add(int64(n))
				if got.Add(1) == int64(b.N) {
					close(done)
				}
			})
			b.ReportAllocs()
			b.ResetTimer()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := conn.SendCommand(ctx, eslcmd.Event{Format: "plain", Listen: []string{"ALL"}}); err != nil {
				b.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(5 * time.Minute):
				b.Fatalf("eslgo: %d of %d events", got.Load(), b.N)
			}
			b.StopTimer()
			reportEvents(b)
		})
	}
}

// BenchmarkPeerFiorix: fiorix/go-eventsocket (module version
// v0.0.0-20180331081222-a4a0ee7bd315; the proxy has no newer one). It
// decodes every header (url.QueryUnescape) eagerly.
func BenchmarkPeerFiorix(b *testing.B) {
	plain, js := corpora(b)
	for _, c := range []*benchCorpus{plain, js} {
		b.Run(c.kind, func(b *testing.B) {
			addr := benchServer(b, c, b.N)
			conn, err := eventsocket.Dial(addr, "ClueCon")
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			b.ReportAllocs()
			b.ResetTimer()
			if _, err := conn.Send("event " + c.kind + " ALL"); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				if _, err := conn.ReadEvent(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportEvents(b)
		})
	}
}

// ---- commands ----

func BenchmarkAPIRoundTrip(b *testing.B) {
	s := newFakeFS(b)
	status := frame(b, "api-status.txt")
	s.handle = func(ss *fakeSession, cmd string) bool {
		if cmd == "api status" {
			ss.send(status)
			return true
		}
		return false
	}
	conn, err := Dial(context.Background(), s.addr, "ClueCon", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := conn.API(ctx, "status"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := conn.API(ctx, "status"); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkEventLookup measures Get on the largest captured event (234
// headers): the first header, one near the end, and a missing one.
func BenchmarkEventLookup(b *testing.B) {
	e := eventFromFile(b, fsData+"/calls/call3-degraded-loss-jitter/events-plain/033-CHANNEL_HANGUP_COMPLETE.txt")
	for _, key := range []string{"Event-Name", "variable_rtp_audio_in_mos", "No-Such-Header"} {
		b.Run(key, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n += len(e.Get(key))
			}
			_ = n
		})
	}
	b.Run("map-build+get", func(b *testing.B) { // the alternative: index headers in a map
		b.ReportAllocs()
		for b.Loop() {
			m := make(map[string]string, e.Len())
			e.Range(func(k, v string) bool {
				if _, ok := m[k]; !ok {
					m[k] = v
				}
				return true
			})
			_ = m["variable_rtp_audio_in_mos"]
		}
	})
}

// BenchmarkParseEvent is the parser alone (reused Event) over the distinct
// captured events.
func BenchmarkParseEvent(b *testing.B) {
	for _, kind := range []string{"plain", "json"} {
		b.Run(kind, func(b *testing.B) {
			var bodies [][]byte
			for _, p := range globFiles(b, "calls/*/events-"+kind+"/*.txt") {
				_, body := splitCaptured(readPath(b, p))
				bodies = append(bodies, body)
			}
			var e Event
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if kind == "plain" {
					e.parsePlain(bodies[i%len(bodies)], true)
				} else if err := e.parseJSON(bodies[i%len(bodies)], true); err != nil {
					b.Fatal(err)
				}
				i++
			}
			reportEvents(b)
		})
	}
}
