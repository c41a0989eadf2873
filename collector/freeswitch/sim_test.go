package freeswitch

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/voip-exporter/voip_exporter/config"
	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
)

// instanceCollector adapts an Instance to prometheus.Collector for tests.
type instanceCollector struct{ inst *Instance }

func (c instanceCollector) Describe(chan<- *prometheus.Desc) {}
func (c instanceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.inst.Timeout())
	defer cancel()
	c.inst.Collect(ctx, ch)
}

// startInstance runs an Instance against a fresh simulator until the test ends.
func startInstance(tb testing.TB, simPassword, password string) (*fssim.Server, *Instance) {
	tb.Helper()
	sim := fssim.New(fssim.Config{Password: simPassword})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sim.Close() })
	inst := NewInstance(config.FreeSWITCH{Name: "fs", Address: sim.Addr(), Password: config.Secret(password), Timeout: 2 * time.Second},
		Scrapers(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { inst.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	return sim, inst
}

func waitConnected(tb testing.TB, inst *Instance) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !inst.Health().Connected {
		if time.Now().After(deadline) {
			tb.Fatalf("not connected: %+v", inst.Health())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestInstanceAgainstSimulator scrapes a simulated FreeSWITCH with two calls
// up, one of them bridged (two legs), over the persistent connection.
func TestInstanceAgainstSimulator(t *testing.T) {
	sim, inst := startInstance(t, "ClueCon", "ClueCon")
	sim.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Duration: time.Hour, Codec: "PCMU"})
	sim.StartCall(fssim.CallSpec{Quality: fssim.QualityLossy, Duration: time.Hour, Codec: "PCMA", Bridged: true})
	waitConnected(t, inst)

	// Two calls; three channels (one leg + a bridged pair); the simulator's
	// defaults mirror the captured box: max 100 sessions, 30 sps, gw-loop
	// registered, gw-noreg not registering (no _registered series).
	want := `
# HELP freeswitch_current_calls Calls up now (` + "`show calls count`" + `; a bridged call counts once). Seed 000: current_calls.
# TYPE freeswitch_current_calls gauge
freeswitch_current_calls 2
# HELP freeswitch_current_channels Channels (call legs) up now (` + "`show channels count`" + `). New; not in seed 000.
# TYPE freeswitch_current_channels gauge
freeswitch_current_channels 3
# HELP freeswitch_max_sessions Configured limit of simultaneous sessions (` + "`status`" + `: "N session(s) max"). Seed 000: max_sessions.
# TYPE freeswitch_max_sessions gauge
freeswitch_max_sessions 100
# HELP freeswitch_max_sps Configured sessions-per-second limit (` + "`status`" + `: "out of max N"). Seed 000: max_sps.
# TYPE freeswitch_max_sps gauge
freeswitch_max_sps 30
# HELP freeswitch_up Whether the last scrape of this freeswitch instance succeeded (1) or not (0).
# TYPE freeswitch_up gauge
freeswitch_up 1
# HELP voip_exporter_connection_up Whether the exporter's persistent connection to the instance is up (1) or not (0).
# TYPE voip_exporter_connection_up gauge
voip_exporter_connection_up{source="freeswitch"} 1
`
	if err := testutil.CollectAndCompare(instanceCollector{inst}, strings.NewReader(want),
		"freeswitch_current_calls", "freeswitch_current_channels", "freeswitch_max_sessions",
		"freeswitch_max_sps", "freeswitch_up", "voip_exporter_connection_up"); err != nil {
		t.Error(err)
	}
	got, err := testutil.CollectAndFormat(instanceCollector{inst}, expfmt.TypeTextPlain, "freeswitch_sofia_gateway_registered")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `freeswitch_sofia_gateway_registered{gateway="gw-loop",profile="external"} 1`) ||
		strings.Contains(string(got), "gw-noreg") {
		t.Errorf("gateway registration:\n%s", got)
	}
	if n := testutil.CollectAndCount(instanceCollector{inst}); n < 60 {
		t.Errorf("only %d series from a full scrape", n)
	}
}

// TestInstanceWrongPassword: up 0, and /health's error says why without the password.
func TestInstanceWrongPassword(t *testing.T) {
	_, inst := startInstance(t, "ClueCon", "not-the-password")
	deadline := time.Now().Add(5 * time.Second)
	for inst.Health().LastError == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	h := inst.Health()
	if h.Connected || !strings.Contains(h.LastError, "authentication failed") || strings.Contains(h.LastError, "not-the-password") {
		t.Errorf("health = %+v", h)
	}
	want := "# HELP freeswitch_up Whether the last scrape of this freeswitch instance succeeded (1) or not (0).\n# TYPE freeswitch_up gauge\nfreeswitch_up 0\n"
	if err := testutil.CollectAndCompare(instanceCollector{inst}, strings.NewReader(want), "freeswitch_up"); err != nil {
		t.Error(err)
	}
}

// BenchmarkInstanceScrapeSimulator measures one full scrape (every default
// collector, concurrently, over the persistent connection) of a simulator
// with 20 calls up.
func BenchmarkInstanceScrapeSimulator(b *testing.B) {
	sim, inst := startInstance(b, "ClueCon", "ClueCon")
	for i := 0; i < 20; i++ {
		sim.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Duration: time.Hour, Bridged: i%2 == 0})
	}
	waitConnected(b, inst)
	ch := make(chan prometheus.Metric, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		done := make(chan int)
		go func() {
			n := 0
			for range ch {
				n++
			}
			done <- n
		}()
		inst.Collect(context.Background(), ch)
		close(ch)
		if n := <-done; n < 60 {
			b.Fatalf("only %d series", n)
		}
		ch = make(chan prometheus.Metric, 1024)
	}
}
