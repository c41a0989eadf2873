package rtpengine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/voip-exporter/voip_exporter/source"
	"github.com/voip-exporter/voip_exporter/web"
)

// series is one scrape flattened: `name{k="v",…}` (labels sorted) → value;
// histograms as name_count, name_sum and name_bucket{le=…}.
type series map[string]float64

func parseText(t testing.TB, text string) series {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	out := series{}
	for name, f := range fams {
		for _, m := range f.Metric {
			key := func(suffix string, extra ...string) string {
				var ls []string
				for _, l := range m.Label {
					ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
				}
				ls = append(ls, extra...)
				sort.Strings(ls)
				if len(ls) == 0 {
					return name + suffix
				}
				return name + suffix + "{" + strings.Join(ls, ",") + "}"
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key("")] = m.Counter.GetValue()
			case dto.MetricType_GAUGE:
				out[key("")] = m.Gauge.GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.Histogram
				out[key("_count")] = float64(h.GetSampleCount())
				out[key("_sum")] = h.GetSampleSum()
				for _, b := range h.Bucket {
					out[key("_bucket", fmt.Sprintf("le=%q", fmt.Sprint(b.GetUpperBound())))] = float64(b.GetCumulativeCount())
				}
			default:
				out[key("")] = m.Untyped.GetValue()
			}
		}
	}
	return out
}

// scrape serves instances as the exporter does (web.Server /metrics: each
// instance under its own deadline, with the server label) and reads it.
func scrape(t testing.TB, insts ...source.Instance) series {
	t.Helper()
	srv, err := web.New(web.Options{Instances: insts})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	text := getText(t, hs.URL+"/metrics")
	lastScrape = text
	return parseText(t, text)
}

// lastScrape is the exposition text of the last scrape, for the metric
// reference.
var lastScrape string

func get(t testing.TB, url string) series {
	t.Helper()
	return parseText(t, getText(t, url))
}

func getText(t testing.TB, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, b)
	}
	return string(b)
}

// metricsDoc renders the metric reference of docs/metrics-*.md (the format
// of e2e/demo_test.go renderMetricsDoc, which e2e/kit_test.go reads to check
// dashboard and alert queries) from one exposition, keeping the families
// keep accepts.
func metricsDoc(t testing.TB, exposition, from string, keep func(string) bool) string {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(exposition))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range fams {
		if keep(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Metric reference\n\nGenerated from " + from + "; do not edit by hand.\n")
	b.WriteString("Every series of an instance also carries `server`. Go runtime (`go_*`) and process (`process_*`) metrics are left out.\n\n")
	b.WriteString("| metric | type | labels | help |\n|---|---|---|---|\n")
	for _, n := range names {
		f := fams[n]
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

// want checks each series' value.
func (s series) want(t testing.TB, want map[string]float64) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		got, ok := s[k]
		switch {
		case !ok:
			t.Errorf("%s missing; have:\n%s", k, s.matching(strings.SplitN(k, "{", 2)[0]))
		case !near(got, want[k]):
			t.Errorf("%s = %v, want %v", k, got, want[k])
		}
	}
}

func near(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-9*(1+abs(b))
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func (s series) matching(prefix string) string {
	var out []string
	for k, v := range s {
		if strings.HasPrefix(k, prefix) {
			out = append(out, fmt.Sprintf("  %s %v", k, v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
