package fail2ban

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/voip-exporter/voip_exporter/collector/fail2ban/fail2bantest"
	"github.com/voip-exporter/voip_exporter/config"
)

// f2b is the package's one real fail2ban server, started by TestMain.
var f2b *fail2bantest.Server

func TestMain(m *testing.M) {
	var err error
	f2b, err = fail2bantest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fail2ban tests need a real fail2ban:", err)
		os.Exit(1)
	}
	code := m.Run()
	f2b.Close()
	os.Exit(code)
}

type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newInstance(cfg config.Fail2ban) (*Instance, *syncLog) {
	logs := &syncLog{}
	return NewInstance(cfg, Scrapers(cfg.Jails), slog.New(slog.NewTextHandler(logs, nil))), logs
}

func testConfig() config.Fail2ban {
	return config.Fail2ban{Name: "f2b", Socket: f2b.Socket, Client: f2b.Client, Timeout: 5 * time.Second}
}

type instanceCollector struct{ inst *Instance }

func (c instanceCollector) Describe(chan<- *prometheus.Desc) {}
func (c instanceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.inst.Timeout())
	defer cancel()
	c.inst.Collect(ctx, ch)
}

// scrape gathers inst once: families by name, and the text exposition.
func scrape(t testing.TB, inst *Instance) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(instanceCollector{inst})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range fams {
		out[f.GetName()] = f
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	return out, b.String()
}

// value is name{jail=jail} (jail "" for no label); ok false when absent.
func value(fams map[string]*dto.MetricFamily, name, jail string) (float64, bool) {
	for _, m := range fams[name].GetMetric() {
		got := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == "jail" {
				got = l.GetValue()
			}
		}
		if got != jail {
			continue
		}
		if m.Counter != nil {
			return m.Counter.GetValue(), true
		}
		return m.Gauge.GetValue(), true
	}
	return 0, false
}

func promtoolCheck(t testing.TB, text string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (make test installs Debian's prometheus package): %v", err)
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s\n%s", err, out, text)
	}
}

// TestBansMoveTheMetrics writes failed logins to the test jails' logs and
// checks the real server's bans and failures come out per jail.
func TestBansMoveTheMetrics(t *testing.T) {
	if err := f2b.Reset(); err != nil {
		t.Fatal(err)
	}
	inst, _ := newInstance(testConfig())
	fams, text := scrape(t, inst)
	promtoolCheck(t, text)
	if v, _ := value(fams, "fail2ban_up", ""); v != 1 {
		t.Fatalf("fail2ban_up = %v\n%s", v, text)
	}
	if v, _ := value(fams, "fail2ban_jails", ""); v != 3 {
		t.Errorf("fail2ban_jails = %v", v)
	}
	for j := range fail2bantest.Jails {
		for _, name := range []string{"fail2ban_active_bans", "fail2ban_bans_total", "fail2ban_failed_ips", "fail2ban_failures_total"} {
			if v, ok := value(fams, name, j); !ok || v != 0 {
				t.Errorf("%s{jail=%q} = %v, %v; want 0 before any failure", name, j, v, ok)
			}
		}
	}

	// maxretry is 3: 203.0.113.5 and the two sip-scan IPs are banned,
	// 203.0.113.6 (two failures) is only failing.
	for _, f := range []struct {
		jail, ip string
		n        int
	}{
		{"asterisk", "203.0.113.5", 3},
		{"asterisk", "203.0.113.6", 2},
		{"sip-scan", "198.51.100.7", 3},
		{"sip-scan", "198.51.100.8", 3},
		{`voip"quote`, "192.0.2.99", 3},
	} {
		if err := f2b.Fail(f.jail, f.ip, f.n); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][4]float64{ // active bans, bans total, failed IPs, failures total
		"asterisk":   {1, 1, 1, 5},
		"sip-scan":   {2, 2, 0, 6},
		`voip"quote`: {1, 1, 0, 3},
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		fams, text = scrape(t, inst)
		var diff []string
		for j, w := range want {
			for k, name := range []string{"fail2ban_active_bans", "fail2ban_bans_total", "fail2ban_failed_ips", "fail2ban_failures_total"} {
				if v, _ := value(fams, name, j); v != w[k] {
					diff = append(diff, fmt.Sprintf("%s{jail=%q} = %v, want %v", name, j, v, w[k]))
				}
			}
		}
		if len(diff) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bans did not show:\n%s\n%s\nserver log:\n%s", strings.Join(diff, "\n"), text, f2b.Logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
	promtoolCheck(t, text)
	if !strings.Contains(text, `fail2ban_active_bans{jail="voip\"quote"} 1`) {
		t.Errorf("the quote in a jail name is not escaped:\n%s", text)
	}
	if h := inst.Health(); !h.Connected || h.Address != f2b.Socket {
		t.Errorf("health = %+v", h)
	}
}

// TestConfiguredJails reports only the configured jails, and says once
// which configured jail the server does not run.
func TestConfiguredJails(t *testing.T) {
	cfg := testConfig()
	cfg.Jails = []string{"sip-scan", "no-such-jail"}
	inst, logs := newInstance(cfg)
	var fams map[string]*dto.MetricFamily
	for i := 0; i < 2; i++ {
		fams, _ = scrape(t, inst)
	}
	if v, _ := value(fams, "fail2ban_up", ""); v != 1 {
		t.Fatalf("fail2ban_up = %v", v)
	}
	if got := len(fams["fail2ban_active_bans"].GetMetric()); got != 1 {
		t.Errorf("%d jails reported, want 1", got)
	}
	if _, ok := value(fams, "fail2ban_active_bans", "sip-scan"); !ok {
		t.Error("sip-scan not reported")
	}
	if n := strings.Count(logs.String(), "jail=no-such-jail"); n != 1 {
		t.Errorf("missing jail logged %d times:\n%s", n, logs)
	}
}

// TestClientFailures: a client that is not installed, that hangs past the
// deadline, or that prints too much leaves fail2ban_up 0 in time, with the
// reason on /health.
func TestClientFailures(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, client, want string
		timeout            time.Duration
	}{
		{"not installed", "fail2ban-client-not-installed", "executable file not found", time.Second},
		{"not there", filepath.Join(dir, "nothing"), "no such file", time.Second},
		{"hangs", script("hang", "exec sleep 30"), "deadline exceeded", time.Second},
		{"garbage", script("garbage", `echo "Traceback (most recent call last):"; exit 1`), "unexpected EOF", time.Second},
		{"floods", script("flood", `exec yes "|- Number of jail:	1"`), "output over the limit", time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Client, cfg.Timeout = c.client, c.timeout
			inst, _ := newInstance(cfg)
			start := time.Now()
			fams, _ := scrape(t, inst)
			if d := time.Since(start); d > c.timeout+time.Second {
				t.Errorf("scrape took %v", d)
			}
			if v, _ := value(fams, "fail2ban_up", ""); v != 0 {
				t.Errorf("fail2ban_up = %v", v)
			}
			if h := inst.Health(); h.Connected || !strings.Contains(h.LastError, c.want) {
				t.Errorf("health = %+v, want an error with %q", h, c.want)
			}
		})
	}
	var ce *CommandError
	_, err := (&Client{Path: "fail2ban-client-not-installed"}).Status(context.Background(), nil)
	if !errors.As(err, &ce) || !errors.Is(err, ErrNotInstalled) {
		t.Errorf("err = %v, want a CommandError wrapping ErrNotInstalled", err)
	}
}

// TestServerStoppedMidRun stops fail2ban between scrapes: fail2ban_up goes
// to 0 with the client's reason, and back to 1 when it runs again.
func TestServerStoppedMidRun(t *testing.T) {
	inst, _ := newInstance(testConfig())
	if fams, _ := scrape(t, inst); testutilValue(fams, "fail2ban_up") != 1 {
		t.Fatal("not up at first")
	}
	if err := f2b.Stop(); err != nil {
		t.Fatal(err)
	}
	fams, _ := scrape(t, inst)
	if testutilValue(fams, "fail2ban_up") != 0 {
		t.Error("fail2ban_up is not 0 with the server stopped")
	}
	if h := inst.Health(); !strings.Contains(h.LastError, "Failed to access socket path") {
		t.Errorf("health = %+v", h)
	}
	if err := f2b.Restart(); err != nil {
		t.Fatal(err)
	}
	fams, _ = scrape(t, inst)
	if testutilValue(fams, "fail2ban_up") != 1 {
		t.Error("fail2ban_up is not 1 after the restart")
	}
	if h := inst.Health(); !h.Connected || h.Reconnects != 1 {
		t.Errorf("health = %+v", h)
	}
}

func testutilValue(fams map[string]*dto.MetricFamily, name string) float64 {
	v, _ := value(fams, name, "")
	return v
}
