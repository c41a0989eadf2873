package e2e

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestDemo starts the binary as `make run` does and checks that the demo's
// simulated servers are exported and that their load moves.
func TestDemo(t *testing.T) {
	e := startExporter(t, "", "http", "--demo")
	var first string
	waitFor(t, 15*time.Second, func() string {
		_, first = e.get("/metrics")
		for _, s := range []string{"demo-fs1", "demo-fs2"} {
			if sample(first, `freeswitch_up{server="`+s+`"}`) != "1" {
				return s + " not up"
			}
		}
		return ""
	})
	promtoolCheck(t, first)
	if code, _ := e.get("/ready"); code != 200 {
		t.Errorf("/ready = %d in the demo", code)
	}
	// The load changes over time: sessions since startup grow.
	waitFor(t, 30*time.Second, func() string {
		_, now := e.get("/metrics")
		a, b := sample(first, `freeswitch_sessions_total{server="demo-fs1"}`), sample(now, `freeswitch_sessions_total{server="demo-fs1"}`)
		if a == b {
			return "freeswitch_sessions_total did not move: " + a
		}
		return ""
	})
	// Call outcomes: demo-fs1's carriers place an attempt every 1.5 s (demo/carriers.go); the reference is
	// taken from a scrape that has them.
	var withOutcomes string
	waitFor(t, 30*time.Second, func() string {
		_, withOutcomes = e.get("/metrics")
		if !strings.Contains(withOutcomes, `voip_call_failures_total{`) || !strings.Contains(withOutcomes, `gateway="carrier-b"`) {
			return "no failed call attempt nor carrier-b on /metrics"
		}
		return ""
	})
	promtoolCheck(t, withOutcomes)
	if _, page := e.get("/"); !strings.Contains(page, `data-gateway="carrier-b"`) {
		t.Error("the status page has no carrier table with carrier-b")
	}
	checkMetricsDoc(t, withOutcomes, "../docs/metrics.md", "a scrape of the demo (`e2e/demo_test.go`)", demoDeterministic)
}

// demoDeterministic keeps the families a demo scrape always has. Families
// that exist only once calls have carried media or ended (call quality,
// Asterisk per-peer RTP and codecs) depend on the moment of the scrape; they
// are documented from scripted scrapes instead: docs/metrics-quality.md and
// docs/metrics-asterisk.md.
func demoDeterministic(name string) bool {
	for _, p := range []string{"asterisk_", "freeswitch_qos_", "freeswitch_rtcp_", "freeswitch_quality_",
		"voip_exporter_quality_", "voip_exporter_otlp_", "voip_exporter_storage_"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	return true
}

// checkMetricsDoc compares a generated metric reference (path) with the
// families a scrape exposes that keep selects (Go runtime and process
// families left out). UPDATE_METRICS_DOC=1 rewrites the file. Sources the
// demo cannot simulate (they need a real server) have files of their own,
// written by their end-to-end tests.
func checkMetricsDoc(t *testing.T, exposition, path, from string, keep func(string) bool) {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(exposition))
	if err != nil {
		t.Fatal(err)
	}
	for name := range families {
		if !keep(name) {
			delete(families, name)
		}
	}
	doc := renderMetricsDoc(families, from)
	if os.Getenv("UPDATE_METRICS_DOC") != "" {
		os.MkdirAll("../docs", 0o755)
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run `UPDATE_METRICS_DOC=1 go test ./e2e` and commit it)", path, err)
	}
	// Every family this scrape exposes must be documented exactly. A
	// documented family missing from this one scrape is not an error: some
	// (a rejected event, a dropped record) exist only once that happened.
	documented := map[string]bool{}
	for _, line := range strings.Split(string(have), "\n") {
		documented[line] = true
	}
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "| `") && !documented[line] {
			t.Errorf("%s is stale: run `UPDATE_METRICS_DOC=1 go test ./e2e` and commit it; this scrape has\n%s", path, line)
		}
	}
}

func renderMetricsDoc(families map[string]*dto.MetricFamily, from string) string {
	names := make([]string, 0, len(families))
	for n := range families {
		if strings.HasPrefix(n, "go_") || strings.HasPrefix(n, "process_") {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Metric reference\n\nGenerated from " + from + "; do not edit by hand.\n")
	b.WriteString("Every series of an instance also carries `server`. Go runtime (`go_*`) and process (`process_*`) metrics are left out.\n\n")
	b.WriteString("| metric | type | labels | help |\n|---|---|---|---|\n")
	for _, n := range names {
		f := families[n]
		labels := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "server" {
					labels[l.GetName()] = true
				}
			}
		}
		ls := make([]string, 0, len(labels))
		for l := range labels {
			ls = append(ls, l)
		}
		sort.Strings(ls)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", n, strings.ToLower(f.GetType().String()),
			strings.Join(ls, ", "), strings.ReplaceAll(f.GetHelp(), "|", `\|`))
	}
	return b.String()
}
