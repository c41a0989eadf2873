// Package redistest runs a real redis-server (Debian's package) for tests: on a free loopback port, without
// persistence, killed and restarted on demand, stopped when the test ends.
package redistest

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is one redis-server process.
type Server struct {
	tb    testing.TB
	port  int
	dir   string
	extra []string // more arguments (a replica's --replicaof)
	cmd   *exec.Cmd
	done  chan struct{}
}

// Start starts redis-server on a free port; the test fails (never skips)
// when it is not installed.
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	s := &Server{tb: tb, port: freePort(tb), dir: tb.TempDir(), extra: extra}
	s.Restart()
	tb.Cleanup(s.Kill)
	return s
}

// withoutFaketime drops libfaketime's preload (make test-time): redis-server
// cannot start under it (its jemalloc reads the clock while libfaketime is
// initialising: "Unexpected recursive calls to clock_gettime()"), so Redis
// keeps the real clock while the Go code runs at the faked date — which also
// checks that nothing compares the agents' wall clock with Redis's.
func withoutFaketime(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "LD_PRELOAD=") || !strings.Contains(kv, "faketime") {
			out = append(out, kv)
		}
	}
	return out
}

func freePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Restart starts the server (again, empty) on its port and waits until it listens.
func (s *Server) Restart() {
	s.tb.Helper()
	if s.cmd != nil {
		return
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		s.tb.Fatalf("redis-server not found (make test installs Debian's redis-server package): %v", err)
	}
	args := append([]string{"--save", "", "--appendonly", "no", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--protected-mode", "yes", "--loglevel", "warning"}, s.extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = withoutFaketime(os.Environ())
	done := make(chan struct{})
	if err := cmd.Start(); err != nil {
		s.tb.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			s.tb.Fatalf("redis-server exited at start on %s", s.Addr())
		default:
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("redis-server did not listen on %s", s.Addr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Pause freezes the server (SIGSTOP) with its data: clients' connections stay open and their commands
// time out, as in a network partition or a stalled host. Resume continues it.
func (s *Server) Pause() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume continues a paused server (SIGCONT); the commands it received meanwhile run then.
func (s *Server) Resume() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGCONT)
	}
}
