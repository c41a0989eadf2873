package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/voip-exporter/voip_exporter/source"
)

// fakeInstance reports one gauge, optionally after a delay, ignoring its
// context when stubborn (a collector that does not honour its deadline).
type fakeInstance struct {
	name, addr string
	connected  bool
	delay      time.Duration
	stubborn   bool
	timeout    time.Duration
	lastErr    string
}

var fakeDesc = prometheus.NewDesc("fake_up", "Fake up.", nil, nil)

func (f *fakeInstance) Source() string  { return "fake" }
func (f *fakeInstance) Name() string    { return f.name }
func (f *fakeInstance) Address() string { return f.addr }
func (f *fakeInstance) Timeout() time.Duration {
	if f.timeout == 0 {
		return time.Second
	}
	return f.timeout
}
func (f *fakeInstance) Run(context.Context) {}
func (f *fakeInstance) Health() source.Health {
	return source.Health{Source: "fake", Name: f.name, Address: f.addr, Connected: f.connected, LastError: f.lastErr}
}
func (f *fakeInstance) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	if f.delay > 0 {
		if f.stubborn {
			time.Sleep(f.delay)
		} else {
			select {
			case <-time.After(f.delay):
			case <-ctx.Done():
				ch <- prometheus.MustNewConstMetric(fakeDesc, prometheus.GaugeValue, 0)
				return
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(fakeDesc, prometheus.GaugeValue, 1)
}

func newTestServer(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	if opts.Landing.Name == "" {
		opts.Landing = web.LandingConfig{Name: "voip_exporter"}
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string, hdr ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetricsCollectsEveryInstanceUnderItsOwnDeadline(t *testing.T) {
	ts := newTestServer(t, Options{Instances: []source.Instance{
		&fakeInstance{name: "a", connected: true},
		&fakeInstance{name: "slow", delay: time.Hour, timeout: 100 * time.Millisecond},
		&fakeInstance{name: "stuck", delay: 3 * time.Second, stubborn: true, timeout: 100 * time.Millisecond},
	}})
	start := time.Now()
	code, body := get(t, ts.URL+"/metrics")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("scrape took %s: a stuck instance held it past its deadline", took)
	}
	if code != 200 {
		t.Fatalf("code %d: %s", code, body)
	}
	if !strings.Contains(body, `fake_up{server="a"} 1`) {
		t.Errorf("healthy instance missing:\n%s", body)
	}
	if !strings.Contains(body, `fake_up{server="slow"} 0`) {
		t.Errorf("slow instance should report down at its deadline:\n%s", body)
	}
}

func TestScrapeTimeoutHeaderShortensDeadline(t *testing.T) {
	ts := newTestServer(t, Options{Instances: []source.Instance{
		&fakeInstance{name: "slow", delay: time.Hour, timeout: time.Minute},
	}})
	start := time.Now()
	_, body := get(t, ts.URL+"/metrics", "X-Prometheus-Scrape-Timeout-Seconds", "0.5")
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %s; header ignored", took)
	}
	if !strings.Contains(body, `fake_up{server="slow"} 0`) {
		t.Fatal(body)
	}
}

func TestHealthAndReady(t *testing.T) {
	down := &fakeInstance{name: "b", addr: "127.0.0.1:1", lastErr: "connection refused"}
	ts := newTestServer(t, Options{Instances: []source.Instance{down}})
	code, body := get(t, ts.URL+"/ready")
	if code != 503 {
		t.Errorf("/ready = %d with nothing connected", code)
	}
	code, body = get(t, ts.URL+"/health")
	if code != 200 {
		t.Fatalf("/health = %d", code)
	}
	var rep healthReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Status != "unhealthy" || len(rep.Instances) != 1 || rep.Instances[0].LastError != "connection refused" {
		t.Errorf("health = %+v", rep)
	}

	ts2 := newTestServer(t, Options{Instances: []source.Instance{down, &fakeInstance{name: "c", connected: true}}})
	if code, _ := get(t, ts2.URL+"/ready"); code != 200 {
		t.Errorf("/ready = %d with one connected", code)
	}
	_, body = get(t, ts2.URL+"/health")
	if !strings.Contains(body, `"status": "degraded"`) {
		t.Error(body)
	}
}

func TestProbe(t *testing.T) {
	probed := ""
	ts := newTestServer(t, Options{
		Instances: []source.Instance{&fakeInstance{name: "a", addr: "10.0.0.1:8021", connected: true}},
		Probe: func(ctx context.Context, module, target string) (source.Instance, func(), error) {
			if module != "fake" {
				return nil, nil, ErrUnknownModule
			}
			probed = target
			return &fakeInstance{name: target}, func() {}, nil
		},
	})
	if _, body := get(t, ts.URL+"/probe?module=fake&target=10.0.0.1:8021"); !strings.Contains(body, `fake_up{server="a"} 1`) {
		t.Errorf("by address: %s", body)
	}
	if _, body := get(t, ts.URL+"/probe?module=fake&target=a"); !strings.Contains(body, `fake_up{server="a"} 1`) {
		t.Errorf("by name: %s", body)
	}
	if _, body := get(t, ts.URL+"/probe?module=fake&target=192.0.2.7:8021"); !strings.Contains(body, `fake_up{server="192.0.2.7:8021"} 1`) || probed != "192.0.2.7:8021" {
		t.Errorf("ad hoc: %s", body)
	}
	if code, _ := get(t, ts.URL+"/probe?module=nope&target=x"); code != 400 {
		t.Errorf("unknown module = %d", code)
	}
	if code, _ := get(t, ts.URL+"/probe?module=fake"); code != 400 {
		t.Errorf("no target = %d", code)
	}
}

func TestLandingPage(t *testing.T) {
	ts := newTestServer(t, Options{})
	code, body := get(t, ts.URL+"/")
	if code != 200 || !strings.Contains(body, "/metrics") {
		t.Fatalf("%d %s", code, body)
	}
}
