package kamailio

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// logBuf collects log lines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// adapter makes an Instance a prometheus.Collector (unchecked).
type adapter struct{ inst source.Instance }

func (adapter) Describe(chan<- *prometheus.Desc) {}
func (a adapter) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), a.inst.Timeout())
	defer cancel()
	a.inst.Collect(ctx, ch)
}

// startInstance runs an Instance against address with every default
// collector plus opts, waits until it is connected.
func startInstance(t testing.TB, cfg config.Kamailio, enabled func(source.Scraper[RPC]) bool) (*Instance, *logBuf) {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "k1"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	var scrapers []source.Scraper[RPC]
	for _, s := range Scrapers(OptionsOf(cfg)) {
		if enabled == nil && s.Default() || enabled != nil && enabled(s) {
			scrapers = append(scrapers, s)
		}
	}
	logs := &logBuf{}
	inst := NewInstance(cfg, scrapers, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { inst.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for !inst.Health().Connected {
		if time.Now().After(deadline) {
			t.Fatalf("not connected: %+v", inst.Health())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return inst, logs
}

// scrape gathers the instance into the text exposition format.
func scrape(t testing.TB, inst source.Instance) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(adapter{inst})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// sample returns the value of series (name{labels} as exposed) or "".
func sample(exposition, series string) string {
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// typeOf returns the # TYPE of a family.
func typeOf(exposition, family string) string {
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, "# TYPE "+family+" "); ok {
			return v
		}
	}
	return ""
}

func expect(t *testing.T, exposition string, want map[string]string) {
	t.Helper()
	for series, v := range want {
		if got := sample(exposition, series); got != v {
			t.Errorf("%s = %q, want %q", series, got, v)
		}
	}
}

// countLines counts the lines of s that contain sub.
func countLines(s, sub string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}
