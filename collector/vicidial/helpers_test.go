package vicidial

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/voip-exporter/voip_exporter/collector/vicidial/vicidialtest"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// mdb is the package's one real MariaDB, started by TestMain.
var mdb *vicidialtest.Server

func TestMain(m *testing.M) {
	var err error
	mdb, err = vicidialtest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vicidial tests need a real MariaDB:", err)
		os.Exit(1)
	}
	code := m.Run()
	mdb.Close()
	os.Exit(code)
}

// reset reloads seed.sql, so its NOW()-relative times start over.
func reset(t testing.TB) {
	t.Helper()
	if err := mdb.Reset(); err != nil {
		t.Fatal(err)
	}
}

// run runs statements as root.
func run(t testing.TB, query string, args ...any) {
	t.Helper()
	if err := mdb.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// instanceConfig is the configuration of an instance on the test server, as
// an operator writes it: host/port/user/password of the read-only user.
func instanceConfig(name string) config.ViciDial {
	return config.ViciDial{
		Name: name, Host: "127.0.0.1", Port: mdb.Port,
		User: vicidialtest.User, Password: config.Secret(vicidialtest.Password), Database: vicidialtest.Database,
		Timeout: 3 * time.Second, MaxOpenConns: 3, MaxIdleConns: 3, ConnMaxLifetime: time.Minute,
	}
}

// logBuffer collects an instance's log lines; goroutines share it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newInstance(t testing.TB, cfg config.ViciDial, scrapers []source.Scraper[*DB]) (*Instance, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	inst, err := NewInstance(cfg, scrapers, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.DB().SQL.Close() })
	return inst, logs
}

// instanceCollector makes an Instance a prometheus.Collector, collected
// under its timeout as the web layer does.
type instanceCollector struct{ inst source.Instance }

func (c instanceCollector) Describe(chan<- *prometheus.Desc) {}
func (c instanceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.inst.Timeout())
	defer cancel()
	c.inst.Collect(ctx, ch)
}

// scrape is one collection of inst: the metric families, and the text
// exposition of them.
type scrape struct {
	families map[string]*dto.MetricFamily
	text     string
}

func collect(t testing.TB, inst source.Instance) scrape {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(instanceCollector{inst})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	s := scrape{families: map[string]*dto.MetricFamily{}}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range fams {
		s.families[f.GetName()] = f
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	s.text = b.String()
	return s
}

// value is the value of the series name{labels}; ok is false when absent.
// labels are name, value pairs.
func (s scrape) value(name string, labels ...string) (float64, bool) {
	f := s.families[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if matches(m, labels) {
			switch {
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Untyped != nil:
				return m.Untyped.GetValue(), true
			}
		}
	}
	return 0, false
}

func matches(m *dto.Metric, labels []string) bool {
	if len(m.GetLabel()) != len(labels)/2 {
		return false
	}
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// series lists the label sets of name, for failure messages and counts.
func (s scrape) series(name string) []string {
	var out []string
	for _, m := range s.families[name].GetMetric() {
		var ls []string
		for _, l := range m.GetLabel() {
			ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
		}
		out = append(out, "{"+strings.Join(ls, ",")+"}")
	}
	sort.Strings(out)
	return out
}

// want checks name{labels} == v.
func (s scrape) want(t testing.TB, v float64, name string, labels ...string) {
	t.Helper()
	got, ok := s.value(name, labels...)
	if !ok {
		t.Errorf("%s%v: absent; series: %v", name, labels, s.series(name))
		return
	}
	if got != v {
		t.Errorf("%s%v = %v, want %v", name, labels, got, v)
	}
}

// wantAbout checks lo <= name{labels} <= lo+slack: durations move while the
// test runs.
func (s scrape) wantAbout(t testing.TB, lo, slack float64, name string, labels ...string) {
	t.Helper()
	got, ok := s.value(name, labels...)
	if !ok {
		t.Errorf("%s%v: absent; series: %v", name, labels, s.series(name))
		return
	}
	if got < lo || got > lo+slack {
		t.Errorf("%s%v = %v, want %v..%v", name, labels, got, lo, lo+slack)
	}
}

// wantAbsent checks that name{labels} is not exported.
func (s scrape) wantAbsent(t testing.TB, name string, labels ...string) {
	t.Helper()
	if v, ok := s.value(name, labels...); ok {
		t.Errorf("%s%v = %v, want no such series", name, labels, v)
	}
}

// promtoolCheck runs `promtool check metrics` (Debian's prometheus package)
// on an exposition.
func promtoolCheck(t testing.TB, exposition string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (make test installs Debian's prometheus package): %v", err)
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s\n--- exposition:\n%s", err, out, exposition)
	}
}
