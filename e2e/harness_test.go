package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var binary string // built once by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "voip_exporter-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "voip_exporter")
	build := exec.Command("go", "build", "-o", binary, "../cmd/voip_exporter")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort asks the kernel for a free loopback TCP port.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// exporter is one running voip_exporter process.
type exporter struct {
	t    testing.TB
	cmd  *exec.Cmd
	base string // http(s)://127.0.0.1:port
	logs *syncBuffer
	done chan struct{}
}

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

// startExporter runs the binary with a config file holding cfg and extra
// flags, and waits until it answers HTTP.
func startExporter(t testing.TB, cfg string, scheme string, extra ...string) *exporter {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "voip_exporter.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	args := append([]string{
		"--config.file=" + cfgPath,
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
		"--log.level=debug",
	}, extra...)
	e := &exporter{t: t, logs: &syncBuffer{}, done: make(chan struct{}),
		base: fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)}
	e.cmd = exec.Command(binary, args...)
	e.cmd.Stdout, e.cmd.Stderr = e.logs, e.logs
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { e.cmd.Wait(); close(e.done) }()
	t.Cleanup(e.stop)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-e.done:
			t.Fatalf("exporter exited early:\n%s", e.logs)
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return e
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("exporter did not listen:\n%s", e.logs)
	return nil
}

func (e *exporter) stop() {
	if e.cmd.Process == nil {
		return
	}
	select {
	case <-e.done:
		return
	default:
	}
	_ = e.cmd.Process.Signal(os.Interrupt)
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
	}
	if e.t.Failed() {
		e.t.Logf("exporter logs:\n%s", e.logs)
	}
}

// alive fails the test if the process has exited.
func (e *exporter) alive() {
	e.t.Helper()
	select {
	case <-e.done:
		e.t.Fatalf("exporter died:\n%s", e.logs)
	default:
	}
}

func (e *exporter) get(path string) (int, string) {
	e.t.Helper()
	return httpGet(e.t, http.DefaultClient, e.base+path, "", "")
}

func httpGet(t testing.TB, c *http.Client, url, user, pass string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls fn until it returns "" or the timeout passes, then fails
// with the last complaint.
func waitFor(t testing.TB, timeout time.Duration, fn func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		if last = fn(); last == "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out: %s", last)
}

// promtoolCheck runs `promtool check metrics` on an exposition.
func promtoolCheck(t testing.TB, exposition string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (make test installs Debian's prometheus package): %v", err)
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// sample returns the value of the series line that starts with prefix
// (name{labels}), or "" if absent.
func sample(exposition, series string) string {
	for _, line := range strings.Split(exposition, "\n") {
		if strings.HasPrefix(line, series+" ") {
			return strings.TrimPrefix(line, series+" ")
		}
	}
	return ""
}
