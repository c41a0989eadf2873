package freeswitch

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestFaultSlow(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	// A lower bound is safe on any machine; the upper one only says the
	// delay is gone, so it is the delay itself (no guess at the speed).
	const delay = time.Second
	s.SetFault(FaultSlow{Delay: delay})
	start := time.Now()
	if got := c.api("hostname"); got != "vm" {
		t.Fatal(got)
	}
	if d := time.Since(start); d < delay {
		t.Fatalf("reply after %v", d)
	}
	s.SetFault(FaultNone)
	start = time.Now()
	c.api("hostname")
	if d := time.Since(start); d >= delay {
		t.Fatalf("still slow: %v", d)
	}
}

func TestFaultStall(t *testing.T) {
	s := startServer(t, Config{HeartbeatInterval: 20 * time.Millisecond})
	c := login(t, s)
	c.send("event plain HEARTBEAT\n\n")
	c.frame()
	s.SetFault(FaultStall)
	time.Sleep(50 * time.Millisecond)
	for { // drain heartbeats queued before the stall
		if _, err := c.tryFrame(100 * time.Millisecond); err != nil {
			break
		}
	}
	c.send("api status\n\n")
	if f, err := c.tryFrame(300 * time.Millisecond); err == nil {
		t.Fatalf("stalled server answered %q", f)
	}
	// a new connection gets its greeting but no answer to auth
	c2 := dial(t, s)
	c2.frame()
	c2.send("auth ClueCon\n\n")
	if f, err := c2.tryFrame(200 * time.Millisecond); err == nil {
		t.Fatalf("stalled server answered %q", f)
	}
	s.SetFault(FaultNone)
	if got := c.api("hostname"); got != "vm" {
		t.Fatal(got)
	}
}

func TestFaultDrop(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	s.SetFault(FaultDrop)
	c.send("api status\n\n")
	c.expectClosed()
	s.SetFault(FaultNone)
	c = login(t, s)
	if got := c.api("hostname"); got != "vm" {
		t.Fatal(got)
	}
}

func TestFaultGarbageAndHugeLength(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	s.SetFault(FaultGarbage)
	c.send("api status\n\n")
	if _, err := c.tryFrame(time.Second); err == nil || !strings.Contains(err.Error(), "invalid syntax") {
		t.Fatalf("garbage frame parsed: %v", err)
	}
	s.SetFault(FaultNone)
	c = login(t, s)
	s.SetFault(FaultHugeLength)
	c.send("api status\n\n")
	c.conn.SetReadDeadline(time.Now().Add(time.Second))
	head := ""
	for !strings.HasSuffix(head, "\n\n") {
		line, err := c.br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		head += line
	}
	if head != "Content-Type: api/response\nContent-Length: 2147483647\n\n" {
		t.Fatalf("head %q", head)
	}
}

func TestWrongPassword(t *testing.T) {
	s := startServer(t, Config{Password: "secret"})
	c := dial(t, s)
	c.frame()
	c.send("auth ClueCon\n\n")
	if got, want := c.frame(), readCapture(t, "frames/auth-wrong-reply.txt"); got != want {
		t.Fatalf("got %q", got)
	}
	c.frame()
	c.expectClosed()
	s.SetPassword("ClueCon")
	login(t, s)
}

func TestRestart(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	s.StartCall(CallSpec{})
	core := strings.TrimSuffix(c.api("global_getvar core_uuid"), "\n")
	time.Sleep(1100 * time.Millisecond)
	if c.api("uptime") == "0\n" {
		t.Fatal("uptime did not move")
	}
	addr := s.Addr()
	s.Restart()
	c.expectClosed()
	if s.Addr() != addr {
		t.Fatal("address changed")
	}
	c = login(t, s)
	if got := c.api("global_getvar core_uuid"); got == core {
		t.Fatal("Core-UUID kept")
	}
	if got := c.api("uptime"); got != "0\n" {
		t.Fatalf("uptime %q", got)
	}
	if got := c.api("show channels count"); got != "\n0 total.\n" {
		t.Fatalf("channels %q", got)
	}
	if st := lines(c.api("status")); st[2] != "0 session(s) since startup" {
		t.Fatal(st)
	}
}

func TestStopResume(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	addr := s.Addr()
	s.Stop()
	c.expectClosed()
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatal("connection accepted while stopped")
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatal("address changed")
	}
	c = login(t, s)
	if got := c.api("hostname"); got != "vm" {
		t.Fatal(got)
	}
}

func TestHeartbeat(t *testing.T) {
	s := startServer(t, Config{HeartbeatInterval: 50 * time.Millisecond})
	c := login(t, s)
	c.send("event plain HEARTBEAT RE_SCHEDULE\n\n")
	c.frame()
	e := c.waitEvent(named("HEARTBEAT"))
	missing, extra := diffNames(headerNames(e), headerNames(templates["HEARTBEAT"]))
	if len(missing)+len(extra) > 0 {
		t.Fatalf("missing %v extra %v", missing, extra)
	}
	for i, h := range e.headers {
		if templates["HEARTBEAT"].headers[i].name != h.name {
			t.Fatalf("header %d is %s", i, h.name)
		}
	}
	want := captureBody(t, "frames/event-plain-HEARTBEAT-1.txt")
	got := string(e.serializePlain(true))
	noUp := func(s string) string {
		s = strings.SplitN(s, "Event-Info", 2)[1]
		i := strings.Index(s, "Up-Time:")
		j := strings.Index(s, "FreeSWITCH-Version")
		return s[:i] + s[j:]
	}
	if shape(noUp(got)) != shape(noUp(want)) {
		t.Fatalf("heartbeat\n got %q\nwant %q", got, want)
	}
	r := c.waitEvent(named("RE_SCHEDULE"))
	if v, _ := r.get("Task-Desc"); v != "heartbeat" {
		t.Fatal(v)
	}
}

func TestRunLoad(t *testing.T) {
	s := startServer(t, Config{RTCPInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	done := make(chan error)
	go func() {
		done <- s.RunLoad(ctx, LoadProfile{TargetCalls: 8, Tick: 20 * time.Millisecond, MinDuration: 100 * time.Millisecond,
			MaxDuration: 400 * time.Millisecond, GatewayFlipEvery: 200 * time.Millisecond, Domains: []string{"a.example", "b.example"}})
	}()
	c := login(t, s)
	seen := map[int]bool{}
	for ctx.Err() == nil {
		seen[len(s.Calls())] = true
		c.api("show calls as json")
		time.Sleep(30 * time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(seen) < 3 {
		t.Fatalf("call count hardly changed: %v", seen)
	}
	if !strings.Contains(c.api("sofia status"), "FAIL_WAIT") && !strings.Contains(c.api("sofia status"), "REGED") {
		t.Fatal("gateway vanished")
	}
}
