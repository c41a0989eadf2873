package ami

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var quiet = slog.New(slog.DiscardHandler)

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestClientReconnects: the client connects, survives Asterisk dropping
// every session, runs OnConnect after each connect, and counts it all.
func TestClientReconnects(t *testing.T) {
	f := newFakeAMI(t, captured(t))
	var connects atomic.Int32
	c, err := NewClient(ClientOptions{
		Address: f.addr(), Username: "exporter", Secret: "exporterpass",
		BackoffMin: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond, Logger: quiet,
		OnConnect: func(ctx context.Context, conn *Conn) error {
			connects.Add(1)
			return conn.Ping(ctx)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(context.Background(), "Ping"); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("before Run: %v", err)
	}
	done := make(chan error)
	go func() { done <- c.Run(context.Background()) }()
	waitUntil(t, 3*time.Second, "connect", func() bool { return c.Status().Connected })
	if _, items, err := c.List(context.Background(), "SIPpeers"); err != nil || len(items) != 8 {
		t.Fatalf("SIPpeers: %v %d", err, len(items))
	}
	t.Cleanup(func() { c.Close() })
	for i := range 3 {
		f.dropAll()
		waitUntil(t, 3*time.Second, "reconnect", func() bool { return connects.Load() >= int32(i+2) && c.Status().Connected })
	}
	waitUntil(t, 3*time.Second, "reconnects counted", func() bool { return c.Stats().Reconnects >= 3 })
	st := c.Status()
	if st.Version != "9.0.0" || st.LastError == "" || st.ConnectedSince.IsZero() {
		t.Errorf("status %+v", st)
	}
	if out, err := c.Command(context.Background(), "x"); err == nil {
		t.Errorf("command: %q", out)
	}
	c.Close()
	if err := <-done; err != nil {
		t.Errorf("Run after Close = %v", err)
	}
	if c.Status().Connected {
		t.Error("connected after Close")
	}
}

// TestClientBadSecret: a refused login is retried with backoff and shows
// in Status without the secret.
func TestClientBadSecret(t *testing.T) {
	f := newFakeAMI(t, captured(t))
	c, err := NewClient(ClientOptions{Address: f.addr(), Username: "exporter", Secret: "s3cret-wrong",
		BackoffMin: 5 * time.Millisecond, BackoffMax: 10 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	waitUntil(t, 3*time.Second, "failures", func() bool { return c.Stats().DialFailures >= 3 })
	st := c.Status()
	if st.Connected || !strings.Contains(st.LastError, "authentication failed") || strings.Contains(st.LastError, "s3cret") {
		t.Errorf("status %+v", st)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
}

func TestClientOptions(t *testing.T) {
	for _, o := range []ClientOptions{
		{Username: "u"},
		{Address: "127.0.0.1:1"},
		{Address: "127.0.0.1:1", Username: "u\r\n"},
	} {
		if _, err := NewClient(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	for i, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		if got := b.Ceiling(i); got != want*time.Millisecond {
			t.Errorf("ceiling(%d) = %s", i, got)
		}
		if d := b.Delay(i); d < 0 || d > want*time.Millisecond {
			t.Errorf("delay(%d) = %s", i, d)
		}
	}
}
