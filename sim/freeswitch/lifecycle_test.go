package freeswitch

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStopRestartSamePort: Stop drops the authenticated client (EOF) and
// refuses new ones; Restart brings a fresh FreeSWITCH back on the same
// address, greeting with the real auth/request frame
// (testdata/freeswitch/frames/greeting.txt) and accepting "auth ClueCon";
// the call placed before is gone and the Core-UUID is new.
func TestStopRestartSamePort(t *testing.T) {
	s := startServer(t, Config{})
	addr := s.Addr()
	c := login(t, s)
	s.StartCall(CallSpec{})
	core := c.api("global_getvar core_uuid")
	if got := c.api("show channels count"); got == "\n0 total.\n" {
		t.Fatal("no channels before the stop")
	}
	s.Stop()
	c.expectClosed()
	if conn, err := net.DialTimeout("tcp", addr, 10*time.Second); err == nil {
		conn.Close()
		t.Fatal("connection accepted while stopped")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatalf("address %q after Restart, want %q", s.Addr(), addr)
	}
	greeting, err := os.ReadFile(filepath.Join("..", "..", "testdata", "freeswitch", "frames", "greeting.txt"))
	if err != nil {
		t.Fatal(err)
	}
	c = dial(t, s)
	if got := c.frame(); got != string(greeting) {
		t.Fatalf("greeting %q, want %q", got, greeting)
	}
	c.send("auth ClueCon\n\n")
	if f := c.frame(); !strings.Contains(f, "Reply-Text: +OK accepted") {
		t.Fatalf("auth: %q", f)
	}
	if got := c.api("show channels count"); got != "\n0 total.\n" {
		t.Fatalf("channels after a restart: %q, want none", got)
	}
	if got := c.api("global_getvar core_uuid"); got == core {
		t.Fatal("Core-UUID kept across a restart")
	}
}

// TestStopResumeKeepsCalls: Resume is an outage ending, not a restart: the
// call and the Core-UUID of before are still there.
func TestStopResumeKeepsCalls(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	s.StartCall(CallSpec{})
	core, chans := c.api("global_getvar core_uuid"), c.api("show channels count")
	s.Stop()
	c.expectClosed()
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	c = login(t, s)
	if got := c.api("global_getvar core_uuid"); got != core {
		t.Fatalf("Core-UUID %q after Resume, want %q", got, core)
	}
	if got := c.api("show channels count"); got != chans {
		t.Fatalf("channels %q after Resume, want %q", got, chans)
	}
}

// TestRestartAfterClose fails instead of listening again.
func TestRestartAfterClose(t *testing.T) {
	s := startServer(t, Config{})
	s.Close()
	if err := s.Restart(); err == nil {
		t.Fatal("Restart after Close succeeded")
	}
	if err := s.Resume(); err == nil {
		t.Fatal("Resume after Close succeeded")
	}
}
