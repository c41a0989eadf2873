package asterisk

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawLogin dials addr and logs in byte for byte as the real capture
// testdata/asterisk/ami/idle/01-login-ok-logoff.{tx,raw} does: the
// banner, then Action: Login answered by "Authentication accepted".
func rawLogin(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	raw, err := os.ReadFile(filepath.Join(captures, "ami", "idle", "01-login-ok-logoff.raw"))
	if err != nil {
		t.Fatal(err)
	}
	// The capture's first 5 lines: banner and the Login response.
	want := strings.SplitAfterN(string(raw), "\r\n", 6)
	br := bufio.NewReader(c)
	if got, _ := br.ReadString('\n'); got != want[0] {
		t.Fatalf("banner %q, want %q", got, want[0])
	}
	io.WriteString(c, "Action: Login\r\nActionID: login-1\r\nUsername: exporter\r\nSecret: exporterpass\r\nEvents: off\r\n\r\n")
	for _, w := range want[1:5] {
		if got, _ := br.ReadString('\n'); got != w {
			t.Fatalf("login reply line %q, want %q", got, w)
		}
	}
	return c, br
}

// expectEOF reads until the server closes c (a timeout means it did not).
func expectEOF(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(br); err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
}

// TestStopRestartSamePort: Stop drops the logged-in client (EOF) and
// refuses new ones; Restart brings a fresh Asterisk back on the same
// address: a new client logs in, no channels survive, uptime starts again.
func TestStopRestartSamePort(t *testing.T) {
	s := start(t, Lab())
	addr := s.Addr()
	c, br := rawLogin(t, addr)
	s.StartCall(CallSpec{From: "1031", To: "1032"})
	if s.ActiveChannels() == 0 {
		t.Fatal("no channels before the stop")
	}
	s.Stop()
	expectEOF(t, c, br)
	if c2, err := net.DialTimeout("tcp", addr, 10*time.Second); err == nil {
		c2.Close()
		t.Fatal("accepted a connection while stopped")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatalf("address %q after Restart, want %q", s.Addr(), addr)
	}
	rawLogin(t, addr)
	if n := s.ActiveChannels(); n != 0 {
		t.Fatalf("%d channels after a restart, want 0", n)
	}
	if s.Sessions() != 1 {
		t.Fatalf("%d sessions, want the 1 new one", s.Sessions())
	}
}

// TestStopResumeKeepsCalls: Resume is an outage ending, not a restart: the
// call placed before Stop is still up.
func TestStopResumeKeepsCalls(t *testing.T) {
	s := start(t, Lab())
	addr := s.Addr()
	c, br := rawLogin(t, addr)
	s.StartCall(CallSpec{From: "1031", To: "1032"})
	before := s.ActiveChannels()
	s.Stop()
	expectEOF(t, c, br)
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	rawLogin(t, addr)
	if n := s.ActiveChannels(); n != before || n == 0 {
		t.Fatalf("%d channels after Resume, want the %d from before", n, before)
	}
}

// TestRestartAfterClose fails instead of listening again.
func TestRestartAfterClose(t *testing.T) {
	s := start(t, Lab())
	s.Stop()
	s.Close()
	if err := s.Restart(); err == nil {
		t.Fatal("Restart after Close succeeded")
	}
	if err := s.Resume(); err == nil {
		t.Fatal("Resume after Close succeeded")
	}
}
