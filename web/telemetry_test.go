package web

import (
	"strings"
	"testing"

	"github.com/voip-exporter/voip_exporter/source"
)

// TestTelemetryPath: --web.telemetry-path moves the metrics handler (node_exporter's and blackbox_exporter's
// flag), the default path then answers 404, and both the landing page and the status page link to it.
func TestTelemetryPath(t *testing.T) {
	insts := []source.Instance{&fakeInstance{name: "fs1", connected: true}}
	for _, status := range []bool{false, true} {
		ts := newTestServer(t, Options{Instances: insts, MetricsPath: "/voip/metrics", StatusPage: status})
		code, body := get(t, ts.URL+"/voip/metrics")
		if code != 200 || !strings.Contains(body, "fake_up") {
			t.Errorf("status page %v: /voip/metrics = %d %q", status, code, body)
		}
		if code, _ := get(t, ts.URL+"/metrics"); code != 404 {
			t.Errorf("status page %v: /metrics = %d, want 404 once the path moved", status, code)
		}
		if _, body := get(t, ts.URL+"/"); !strings.Contains(body, `href="/voip/metrics"`) || strings.Contains(body, `href="/metrics"`) {
			t.Errorf("status page %v: / does not link the telemetry path only:\n%s", status, body)
		}
	}
	// Default: /metrics, linked from both pages.
	for _, status := range []bool{false, true} {
		ts := newTestServer(t, Options{Instances: insts, StatusPage: status})
		if code, _ := get(t, ts.URL+"/metrics"); code != 200 {
			t.Errorf("status page %v: default /metrics = %d", status, code)
		}
		if _, body := get(t, ts.URL+"/"); !strings.Contains(body, `href="/metrics"`) {
			t.Errorf("status page %v: / does not link /metrics", status)
		}
	}
}

func TestTelemetryPathRejected(t *testing.T) {
	for _, p := range []string{"metrics", "/", "/probe", "/health", "/ready", "/a/../metrics", "/metrics/", "/a b", "/m?x"} {
		if _, err := New(Options{MetricsPath: p}); err == nil {
			t.Errorf("MetricsPath %q accepted", p)
		}
	}
	for _, p := range []string{"/metrics", "/a/b", "/voip-metrics"} {
		if _, err := New(Options{MetricsPath: p}); err != nil {
			t.Errorf("MetricsPath %q: %v", p, err)
		}
	}
}
