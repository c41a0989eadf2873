// Package fail2bantest runs a real fail2ban server (Debian's fail2ban) with the test jails of
// testdata/fail2ban/conf, its socket and logs in a temporary directory, for tests.
package fail2bantest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Jails are the jails of testdata/fail2ban/conf/jail.conf, with their log
// file names.
var Jails = map[string]string{
	"asterisk":   "asterisk.log",
	"sip-scan":   "sip-scan.log",
	`voip"quote`: "quote.log",
}

// Server is one fail2ban-server process.
type Server struct {
	Socket string // the server's socket: fail2ban-client -s
	Client string // the fail2ban-client program

	dir    string
	conf   string
	logdir string
	server string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	logs syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/bin", "/usr/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found: install Debian's fail2ban (make test does, through scripts/test-deps.sh)", name)
}

// TestdataDir is the repository's testdata/fail2ban directory.
func TestdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "fail2ban")
}

// Start copies the test configuration to a temporary directory, points the
// jails at empty log files there, and starts the server.
func Start() (*Server, error) {
	server, err := lookPath("fail2ban-server")
	if err != nil {
		return nil, err
	}
	client, err := lookPath("fail2ban-client")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "fail2ban-test-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, conf: filepath.Join(dir, "conf"), logdir: filepath.Join(dir, "log"),
		Socket: filepath.Join(dir, "fail2ban.sock"), Client: client, server: server}
	fail := func(err error) (*Server, error) {
		s.Close()
		return nil, err
	}
	if err := os.CopyFS(s.conf, os.DirFS(filepath.Join(TestdataDir(), "conf"))); err != nil {
		return fail(err)
	}
	if err := os.Mkdir(s.logdir, 0o755); err != nil {
		return fail(err)
	}
	local := fmt.Sprintf("# written by fail2bantest\n[DEFAULT]\nlogdir = %s\n", s.logdir)
	if err := os.WriteFile(filepath.Join(s.conf, "jail.local"), []byte(local), 0o644); err != nil {
		return fail(err)
	}
	for _, f := range Jails {
		if err := os.WriteFile(filepath.Join(s.logdir, f), nil, 0o644); err != nil {
			return fail(err)
		}
	}
	if err := s.Restart(); err != nil {
		return fail(err)
	}
	return s, nil
}

// Restart starts the server (again) and waits until it answers a ping.
func (s *Server) Restart() error {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return errors.New("already running")
	}
	cmd := exec.Command(s.server, "-f", "-x",
		"-c", s.conf, "-s", s.Socket, "-p", filepath.Join(s.dir, "fail2ban.pid"),
		"--logtarget", filepath.Join(s.dir, "server.log"), "--loglevel", "INFO")
	cmd.Stdout, cmd.Stderr = &s.logs, &s.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("fail2ban-server exited at start:\n%s", s.Logs())
		default:
		}
		out, err := exec.Command(s.Client, "-s", s.Socket, "ping").CombinedOutput()
		if err == nil && strings.Contains(string(out), "pong") {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("fail2ban-server did not answer within 20 s:\n%s", s.Logs())
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s) and waits.
func (s *Server) Stop() error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	return nil
}

// Logs is the server's log file and its own output.
func (s *Server) Logs() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	return string(b) + s.logs.String()
}

// Fail appends n "Wrong password" notices from ip to the jail's log, as
// Asterisk writes them, dated now: with maxretry 3, three make a ban.
func (s *Server) Fail(jail, ip string, n int) error {
	file, ok := Jails[jail]
	if !ok {
		return fmt.Errorf("no test jail %q", jail)
	}
	f, err := os.OpenFile(filepath.Join(s.logdir, file), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[%s] NOTICE[2213] chan_sip.c: Registration from '\"100\" <sip:100@192.0.2.1>' failed for '%s:5060' - Wrong password\n",
			time.Now().Format("2006-01-02 15:04:05"), ip)
	}
	_, err = f.WriteString(b.String())
	return err
}

// Reset gives a test the state Start gives: the jails' logs emptied and the server restarted (its
// database is in memory), so no ban or failure of an earlier test (or -count run) remains.
func (s *Server) Reset() error {
	if err := s.Stop(); err != nil {
		return err
	}
	for _, f := range Jails {
		if err := os.WriteFile(filepath.Join(s.logdir, f), nil, 0o644); err != nil {
			return err
		}
	}
	return s.Restart()
}

// Close stops the server and removes its directory.
func (s *Server) Close() {
	_ = s.Stop()
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}
