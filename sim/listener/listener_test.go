package listener

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// echo is a handler that echoes every line back on its own goroutine.
func echo(wg *sync.WaitGroup) func(net.Conn) {
	return func(c net.Conn) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			io.Copy(c, c)
		}()
	}
}

func start(t *testing.T) (*Listener, *sync.WaitGroup) {
	t.Helper()
	wg := &sync.WaitGroup{}
	l := New(echo(wg))
	if err := l.Start("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l, wg
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends a line and reads it back.
func roundTrip(t *testing.T, c net.Conn, line string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatal(err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != line+"\n" {
		t.Fatalf("echo = %q, %v; want %q", got, err, line+"\n")
	}
}

// waitConns polls until the listener holds n connections (the handler runs
// on the accept goroutine, after the client's dial returned).
func waitConns(t *testing.T, l *Listener, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for l.Conns() != n {
		if time.Now().After(deadline) {
			t.Fatalf("Conns() = %d, want %d", l.Conns(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAccept(t *testing.T) {
	l, _ := start(t)
	a, b := dial(t, l.Addr()), dial(t, l.Addr())
	roundTrip(t, a, "one")
	roundTrip(t, b, "two")
	waitConns(t, l, 2)
	a.Close() // the handler's Copy ends, it closes its side: the set shrinks
	waitConns(t, l, 1)
}

func TestStopDropsConnectionsAndRefuses(t *testing.T) {
	l, _ := start(t)
	addr := l.Addr()
	c := dial(t, addr)
	roundTrip(t, c, "before")
	l.Stop()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("read %d bytes after Stop, want EOF", n)
	} else if !errors.Is(err, io.EOF) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("connection left open after Stop: %v", err)
		}
	}
	if l.Listening() || l.Conns() != 0 {
		t.Fatalf("after Stop: Listening %v, Conns %d", l.Listening(), l.Conns())
	}
	if c2, err := net.Dial("tcp", addr); err == nil {
		c2.Close()
		t.Fatal("dial succeeded while stopped")
	}
	if l.Addr() != addr {
		t.Fatalf("Addr after Stop = %q, want %q", l.Addr(), addr)
	}
}

func TestRestartSamePort(t *testing.T) {
	l, _ := start(t)
	addr := l.Addr()
	roundTrip(t, dial(t, addr), "first life")
	for i := range 3 {
		l.Stop()
		if err := l.Restart(); err != nil {
			t.Fatalf("restart %d: %v", i, err)
		}
		if l.Addr() != addr {
			t.Fatalf("restart %d: Addr = %q, want %q", i, l.Addr(), addr)
		}
		roundTrip(t, dial(t, addr), "again")
	}
	if err := l.Restart(); err != nil { // while listening: a no-op
		t.Fatal(err)
	}
	if err := l.Start("tcp", "127.0.0.1:0"); err == nil {
		t.Fatal("second Start while listening succeeded")
	}
}

func TestRestartBeforeStartAndAfterClose(t *testing.T) {
	l := New(func(c net.Conn) { c.Close() })
	if err := l.Restart(); err == nil {
		t.Fatal("Restart before Start succeeded")
	}
	if err := l.Start("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if err := l.Restart(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Restart after Close = %v, want ErrClosed", err)
	}
	if err := l.Start("tcp", "127.0.0.1:0"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close = %v, want ErrClosed", err)
	}
}

func TestDropConnsKeepsListening(t *testing.T) {
	l, _ := start(t)
	c := dial(t, l.Addr())
	roundTrip(t, c, "x")
	l.DropConns()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection survived DropConns")
	}
	roundTrip(t, dial(t, l.Addr()), "still here")
}

// TestConcurrentStopRestart races Stop, Restart, DropConns and dials (run
// with -race); afterwards one Restart must leave it serving on the same port.
func TestConcurrentStopRestart(t *testing.T) {
	l, _ := start(t)
	addr := l.Addr()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				switch (g + i) % 4 {
				case 0:
					l.Stop()
				case 1:
					if err := l.Restart(); err != nil {
						t.Error(err)
					}
				case 2:
					l.DropConns()
				case 3:
					if c, err := net.Dial("tcp", addr); err == nil {
						c.Close()
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := l.Restart(); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, dial(t, addr), "survived")
}

func TestUnixSocket(t *testing.T) {
	path := t.TempDir() + "/ctl"
	wg := &sync.WaitGroup{}
	l := New(echo(wg))
	if err := l.Start("unix", path); err != nil {
		t.Fatal(err)
	}
	defer func() { l.Close(); wg.Wait() }()
	l.Stop()
	if err := l.Restart(); err != nil { // the stale socket file is removed first
		t.Fatal(err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	roundTrip(t, c, "unix")
}
