package esl

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startClient(t *testing.T, opts ClientOptions) (*Client, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	t.Cleanup(func() {
		c.Close()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return c, logs
}

func TestClientReconnect(t *testing.T) {
	s := newFakeFS(t)
	addr := s.addr
	var connects atomic.Int64
	c, logs := startClient(t, ClientOptions{
		Address:    addr,
		Password:   "ClueCon",
		BackoffMin: 10 * time.Millisecond,
		BackoffMax: 40 * time.Millisecond,
		OnConnect: func(ctx context.Context, conn *Conn) error {
			connects.Add(1)
			_, err := conn.API(ctx, "status")
			return err
		},
	})
	waitFor(t, "connect", func() bool { return c.Status().Connected })
	if body, err := c.API(ctxT(t, time.Second), "status"); err != nil || !bytes.HasPrefix(body, []byte("UP ")) {
		t.Fatalf("API: %v", err)
	}
	since := c.Status().ConnectedSince
	if since.IsZero() {
		t.Error("ConnectedSince not set")
	}

	s.Close() // FreeSWITCH goes away
	waitFor(t, "disconnect", func() bool { return !c.Status().Connected })
	start := time.Now()
	// ErrNotConnected (not the context's deadline) says it did not wait.
	if _, err := c.API(ctxT(t, 10*time.Second), "status"); !errors.Is(err, ErrNotConnected) || time.Since(start) >= 10*time.Second {
		t.Fatalf("while down: %v after %v", err, time.Since(start))
	}
	waitFor(t, "failed attempts", func() bool { return c.Stats().DialFailures >= 2 })

	s2 := newFakeFSAt(t, addr) // ... and comes back on the same port
	waitFor(t, "reconnect", func() bool { return c.Status().Connected })
	if _, err := c.API(ctxT(t, time.Second), "status"); err != nil {
		t.Fatal(err)
	}
	st, stats := c.Status(), c.Stats()
	if st.Reconnects != 1 || stats.Reconnects != 1 || connects.Load() != 2 {
		t.Errorf("status %+v stats %+v connects %d", st, stats, connects.Load())
	}
	if st.LastError == "" || st.LastErrorTime.IsZero() || !st.ConnectedSince.After(since) {
		t.Errorf("status %+v", st)
	}
	if stats.CommandsSent < 4 || stats.FramesRead < 8 || stats.BytesRead == 0 {
		t.Errorf("stats %+v", stats)
	}
	s2.mu.Lock()
	if s2.accepted != 1 {
		t.Errorf("%d connections to the new server", s2.accepted)
	}
	s2.mu.Unlock()
	l := logs.String()
	if !strings.Contains(l, "level=WARN") || !strings.Contains(l, addr) || strings.Contains(l, "ClueCon") {
		t.Errorf("logs:\n%s", l)
	}
}

func TestClientSubscribesAndFilters(t *testing.T) {
	s := newFakeFS(t)
	hb := frame(t, "event-json-HEARTBEAT.txt")
	s.handle = func(ss *fakeSession, cmd string) bool {
		if cmd == "api echo go" {
			ss.send(hb, apiFrame("ok"))
			return true
		}
		return false
	}
	var got atomic.Value
	c, _ := startClient(t, ClientOptions{
		Address:     s.addr,
		Password:    "ClueCon",
		Events:      []string{"HEARTBEAT", "CHANNEL_HANGUP_COMPLETE"},
		EventFormat: "json",
		Filters:     []Filter{{"Event-Name", "HEARTBEAT"}},
		OnEvent:     func(e *Event) { got.Store(e.Get("Idle-CPU")) },
	})
	waitFor(t, "connect", func() bool { return c.Status().Connected })
	if _, err := c.API(ctxT(t, time.Second), "echo go"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "event", func() bool { return got.Load() != nil })
	if got.Load() != "98.733333" || c.Status().LastEvent.IsZero() {
		t.Errorf("Idle-CPU %v", got.Load())
	}
	if body, err := c.BgAPI(ctxT(t, time.Second), "status"); err != nil || len(body) != 335 {
		t.Fatalf("bgapi: %v", err)
	}
	cmds := s.commands()
	want := []string{"event json HEARTBEAT CHANNEL_HANGUP_COMPLETE", "filter Event-Name HEARTBEAT", "api echo go", "event json BACKGROUND_JOB", "filter Event-Name BACKGROUND_JOB"}
	if len(cmds) != 6 || strings.Join(cmds[:5], "|") != strings.Join(want, "|") {
		t.Errorf("commands %q", cmds)
	}
}

func TestClientAuthFailure(t *testing.T) {
	s := newFakeFS(t)
	const pw = "not-the-password"
	c, logs := startClient(t, ClientOptions{Address: s.addr, Password: pw, BackoffMin: 5 * time.Millisecond, BackoffMax: 10 * time.Millisecond})
	waitFor(t, "failures", func() bool { return c.Stats().DialFailures >= 3 })
	st := c.Status()
	if st.Connected || !strings.Contains(st.LastError, "authentication failed") || strings.Contains(st.LastError, pw) {
		t.Errorf("status %+v", st)
	}
	if strings.Contains(logs.String(), pw) {
		t.Error("password logged")
	}
}

func TestClientNotConnected(t *testing.T) {
	c, err := NewClient(ClientOptions{Address: "127.0.0.1:1", Password: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.API(context.Background(), "status"); !errors.Is(err, ErrNotConnected) {
		t.Errorf("API: %v", err)
	}
	if _, err := c.BgAPI(context.Background(), "status"); !errors.Is(err, ErrNotConnected) {
		t.Errorf("BgAPI: %v", err)
	}
	c.Close()
	for _, o := range []ClientOptions{{}, {Address: "x"}, {Address: "x", Password: "p", EventFormat: "yaml"}} {
		if _, err := NewClient(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestClientRunCtxCancel(t *testing.T) {
	s := newFakeFS(t)
	c, err := NewClient(ClientOptions{Address: s.addr, Password: "ClueCon"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	waitFor(t, "connect", func() bool { return c.Status().Connected })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	if c.Status().Connected {
		t.Error("still connected")
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := b.Ceiling(i); got != w {
			t.Errorf("Ceiling(%d) = %v, want %v", i, got, w)
		}
	}
	if b.Ceiling(1000) != 30*time.Second {
		t.Error("no cap for large attempts")
	}
	var sum time.Duration
	for range 2000 {
		d := b.Delay(3)
		if d < 0 || d > 4*time.Second {
			t.Fatalf("Delay(3) = %v", d)
		}
		sum += d
	}
	if avg := sum / 2000; avg < 1500*time.Millisecond || avg > 2500*time.Millisecond {
		t.Errorf("mean of full jitter over [0,4s] = %v", avg)
	}
}
