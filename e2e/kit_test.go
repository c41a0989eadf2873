package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/voip-exporter/voip_exporter/deploy/grafana"
)

const (
	alertsFile     = "../deploy/prometheus/alerts.yml"
	alertTestsFile = "../deploy/prometheus/alerts_test.yml"
	metricsDocs    = "../docs/metrics*.md"
)

// TestAlertRules runs promtool's own checks and the rule unit tests.
func TestAlertRules(t *testing.T) {
	for _, args := range [][]string{{"check", "rules", alertsFile}, {"test", "rules", alertTestsFile}} {
		out, err := exec.Command("promtool", args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// exposedMetrics reads the metric families of the generated references
// (docs/metrics*.md, each checked against a real scrape by an e2e test).
func exposedMetrics(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(metricsDocs)
	row := regexp.MustCompile("^\\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \\| (\\w+) \\|")
	out := map[string]string{}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if m := row.FindStringSubmatch(sc.Text()); m != nil {
				out[m[1]] = m[2]
			}
		}
		f.Close()
	}
	if len(out) < 20 {
		t.Fatalf("only %d metrics in %s", len(out), metricsDocs)
	}
	return out
}

// known tells whether a series name is exposed: a family, or a histogram's
// or summary's _bucket/_sum/_count, or the Go/process collectors' families.
func known(exposed map[string]string, name string) bool {
	if _, ok := exposed[name]; ok || strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
		return true
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok {
			if typ := exposed[base]; typ == "histogram" || typ == "summary" {
				return true
			}
		}
	}
	return false
}

// grafanaVars replaces dashboard variables with values PromQL can parse.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h",
	`"$server"`, `".*"`, `"$instance"`, `".*"`)

// checkQuery parses expr with the Prometheus parser and reports every metric
// it selects that the exporter does not expose.
func checkQuery(errorf func(string, ...any), where, expr string, exposed map[string]string) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVars.Replace(expr))
	if err != nil {
		errorf("%s: %q does not parse: %v", where, expr, err)
		return
	}
	selectors := 0
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		selectors++
		for _, m := range vs.LabelMatchers {
			if m.Name != labels.MetricName {
				continue
			}
			if m.Type == labels.MatchEqual {
				if !known(exposed, m.Value) {
					errorf("%s: %q selects %s, which the exporter does not expose", where, expr, m.Value)
				}
				continue
			}
			hit := false
			for name := range exposed {
				if m.Matches(name) {
					hit = true
				}
			}
			if !hit {
				errorf("%s: %q matches no exposed metric with %s", where, expr, m)
			}
		}
		return nil
	})
	if selectors == 0 {
		errorf("%s: %q selects no metric", where, expr)
	}
}

// TestDashboardAndAlertQueriesUseRealMetrics parses every dashboard panel
// query and every alert expression with the Prometheus parser and checks the
// metrics they name against what the exporter exposes.
func TestDashboardAndAlertQueriesUseRealMetrics(t *testing.T) {
	exposed := exposedMetrics(t)
	for file, d := range grafana.All() {
		for _, q := range d.Queries() {
			checkQuery(t.Errorf, "dashboard "+file, q, exposed)
		}
	}
	raw, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert, Record, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			checkQuery(t.Errorf, "alert "+r.Alert+r.Record, r.Expr, exposed)
			n++
		}
	}
	if n == 0 {
		t.Fatal("no alert rules found")
	}
}

// TestCheckQueryCatchesMistakes: the checker itself finds unknown metrics,
// unmatched regexes and unparsable queries.
func TestCheckQueryCatchesMistakes(t *testing.T) {
	exposed := map[string]string{"freeswitch_up": "gauge", "freeswitch_qos_mos": "histogram"}
	for expr, bad := range map[string]bool{
		`freeswitch_up{server=~"$server"}`:                             false,
		`histogram_quantile(0.5, rate(freeswitch_qos_mos_bucket[5m]))`: false,
		`freeswitch_upp`:                 true,
		`rate(freeswitch_up_bucket[5m])`: true,
		`{__name__=~"kamailio_.*"}`:      true,
		`sum(freeswitch_up`:              true,
		`vector(1)`:                      true,
	} {
		var got []string
		checkQuery(func(f string, a ...any) { got = append(got, f) }, "test", expr, exposed)
		if (len(got) > 0) != bad {
			t.Errorf("%s: complaints %v, want bad=%v", expr, got, bad)
		}
	}
}

// TestEveryAlertHasFiringAndQuietTests: each rule of alerts.yml appears in alerts_test.yml with at least
// one evaluation where it fires and one where it does not (the issue asks for both of every rule).
func TestEveryAlertHasFiringAndQuietTests(t *testing.T) {
	var rules struct {
		Groups []struct {
			Rules []struct{ Alert string }
		}
	}
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string
				ExpAlerts []any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		}
	}
	for path, v := range map[string]any{alertsFile: &rules, alertTestsFile: &tests} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			if !fires[r.Alert] || !quiet[r.Alert] {
				t.Errorf("alert %s: a firing test %v, a not-firing test %v in %s", r.Alert, fires[r.Alert], quiet[r.Alert], alertTestsFile)
			}
		}
	}
	t.Logf("%d alert rules, each tested firing and not firing", n)
}
