package rtpengine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/collector/rtpengine/rtpenginetest"
	"github.com/voip-exporter/voip_exporter/source"
)

// TestUnreachableRTPEngine scrapes, in one /metrics request, an rtpengine
// where nothing listens, a live rtpengine and another source: the
// dead one reports rtpengine_up 0 and its error on /health; the others are
// whole.
func TestUnreachableRTPEngine(t *testing.T) {
	e := startEngine(t, 44300)
	port, err := rtpenginetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dead := newInstance("dead", fmt.Sprintf("127.0.0.1:%d", port), 200, 2*time.Second)
	live := newInstance("live", e.NGAddr, 200, 5*time.Second)

	// Another source beside them, as the exporter would scrape it (a stub:
	// this package's test does not depend on another collector's package).
	other := &stubInstance{}

	s := scrape(t, dead, live, other)
	s.want(t, map[string]float64{
		`rtpengine_up{server="dead"}`:                                                                     0,
		`rtpengine_up{server="live"}`:                                                                     1,
		`rtpengine_sessions{server="live",type="own"}`:                                                    0,
		`other_up{server="other1"}`:                                                                       1,
		`voip_exporter_scrape_errors_total{server="dead",source="rtpengine"}`:                             1,
		`voip_exporter_scrape_errors_total{server="live",source="rtpengine"}`:                             0,
		`voip_exporter_scrape_collector_success{collector="statistics",server="dead",source="rtpengine"}`: 0,
		// The ng client's own counters: each collector's first command
		// (statistics, list) failed.
		`voip_exporter_ng_call_errors_total{server="dead"}`: 2,
	})
	if _, ok := s[`rtpengine_sessions{server="dead",type="own"}`]; ok {
		t.Error("the dead rtpengine exported figures")
	}
	if h := dead.Health(); h.Connected || h.LastError == "" {
		t.Errorf("dead health = %+v", h)
	}
	if h := live.Health(); !h.Connected || h.LastError != "" {
		t.Errorf("live health = %+v", h)
	}
}

type stubInstance struct{}

var stubUp = prometheus.NewDesc("other_up", "Stub source.", nil, nil)

func (*stubInstance) Source() string         { return "other" }
func (*stubInstance) Name() string           { return "other1" }
func (*stubInstance) Address() string        { return "stub" }
func (*stubInstance) Timeout() time.Duration { return time.Second }
func (*stubInstance) Run(context.Context)    {}
func (*stubInstance) Health() source.Health {
	return source.Health{Source: "other", Name: "other1", Connected: true}
}
func (*stubInstance) Collect(_ context.Context, ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(stubUp, prometheus.GaugeValue, 1)
}
