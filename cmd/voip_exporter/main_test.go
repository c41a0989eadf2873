package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary is also the exporter: run with runMainEnv set, it calls main.
const runMainEnv = "VOIPEXPORTER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, string(b)
}

// TestTelemetryPath runs main with --web.telemetry-path: the metrics (the exporter's own, no instance
// configured) are served there and not at /metrics, the status page links there, and SIGTERM stops it
// cleanly through the pipeline's Close.
func TestTelemetryPath(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(os.Args[0], "--web.listen-address="+addr, "--web.telemetry-path=/voip/metrics")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-done
	}()
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := get(t, base+"/voip/metrics")
		if code == 200 {
			if !strings.Contains(body, "voip_exporter_build_info{") || !strings.Contains(body, "go_goroutines ") {
				t.Errorf("/voip/metrics lacks the exporter's own metrics:\n%.2000s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/voip/metrics never answered: %d %s\nlogs:\n%s", code, body, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := get(t, base+"/metrics"); code != 404 {
		t.Errorf("/metrics = %d, want 404 with --web.telemetry-path=/voip/metrics", code)
	}
	if _, body := get(t, base+"/"); !strings.Contains(body, `href="/voip/metrics"`) {
		t.Errorf("status page does not link /voip/metrics:\n%s", body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err // for the deferred wait
		if err != nil || !strings.Contains(logs.String(), "msg=stopped") {
			t.Errorf("exit after SIGTERM: %v\nlogs:\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit within 60 s of SIGTERM\nlogs:\n%s", logs.String())
	}
}

// A telemetry path that collides with another endpoint is refused at start.
func TestTelemetryPathRefused(t *testing.T) {
	cmd := exec.Command(os.Args[0], "--web.listen-address=127.0.0.1:0", "--web.telemetry-path=/health")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "taken by another endpoint") {
		t.Errorf("--web.telemetry-path=/health: err %v, output:\n%s", err, out)
	}
}
