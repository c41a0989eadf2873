package reconnect

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

type fakeConn struct {
	done chan struct{}
	once sync.Once
	err  error
}

func newFake() *fakeConn { return &fakeConn{done: make(chan struct{})} }

func (f *fakeConn) Done() <-chan struct{} { return f.done }
func (f *fakeConn) Err() error            { return f.err }
func (f *fakeConn) Close() error {
	f.once.Do(func() { f.err = errors.New("closed"); close(f.done) })
	return nil
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestKeeperReconnects: failures are counted and logged with their error, a
// lost connection is replaced, and state reflects each step.
func TestKeeperReconnects(t *testing.T) {
	var attempts atomic.Int32
	var current atomic.Pointer[fakeConn]
	logs := &syncBuf{}
	k := New(Options[*fakeConn]{
		What: "test conn", Address: "127.0.0.1:1",
		Dial: func(ctx context.Context) (*fakeConn, error) {
			if attempts.Add(1) <= 2 {
				return nil, errors.New("connection refused")
			}
			c := newFake()
			current.Store(c)
			return c, nil
		},
		Backoff: Backoff{Min: time.Millisecond, Max: 4 * time.Millisecond},
		Logger:  slog.New(slog.NewTextHandler(logs, nil)),
	})
	done := make(chan error)
	go func() { done <- k.Run(context.Background()) }()
	waitUntil(t, "first connection", func() bool { return k.State().Connected })
	st := k.State()
	if st.DialFailures != 2 || st.Reconnects != 0 || st.Generation != 1 || st.LastError != "connection refused" {
		t.Errorf("after connecting: %+v", st)
	}
	first := current.Load()
	first.err = errors.New("peer reset")
	first.Close()
	waitUntil(t, "reconnection", func() bool { c, ok := k.Current(); return ok && c != first })
	st = k.State()
	if st.Reconnects != 1 || st.Generation != 2 || st.ConnectedSince.IsZero() {
		t.Errorf("after reconnecting: %+v", st)
	}
	k.Close()
	if err := <-done; err != nil {
		t.Errorf("Run after Close = %v", err)
	}
	if k.State().Connected {
		t.Error("still connected after Close")
	}
	for _, want := range []string{"test conn: connect failed", "connection refused", "test conn: connected", "test conn: connection lost, will reconnect", "test conn: reconnected"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

func TestRunTwiceAndContextEnd(t *testing.T) {
	k := New(Options[*fakeConn]{Dial: func(ctx context.Context) (*fakeConn, error) { return newFake(), nil },
		Backoff: Backoff{Min: time.Millisecond, Max: time.Millisecond}, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- k.Run(ctx) }()
	waitUntil(t, "connection", func() bool { return k.State().Connected })
	if err := k.Run(ctx); err == nil {
		t.Error("second Run accepted")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}

func TestBackoffCeiling(t *testing.T) {
	b := Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}
	for attempt, want := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
		if got := b.Ceiling(attempt); got != want {
			t.Errorf("Ceiling(%d) = %s, want %s", attempt, got, want)
		}
	}
	if got := b.Ceiling(100); got != 30*time.Second {
		t.Errorf("Ceiling(100) = %s", got)
	}
	for i := 0; i < 1000; i++ {
		if d := b.Delay(3); d < 0 || d > 4*time.Second {
			t.Fatalf("Delay(3) = %s out of [0, 4s]", d)
		}
	}
}
