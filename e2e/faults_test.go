package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
)

// TestFreeSWITCHMisbehaving checks that a FreeSWITCH that stalls, sends an
// oversized Content-Length, sends garbage or restarts gives up 0 for that
// instance only, with a clear /health error, and that the exporter recovers.
func TestFreeSWITCHMisbehaving(t *testing.T) {
	bad := startSim(t, "ClueCon")
	good := startSim(t, "ClueCon")
	cfg := fmt.Sprintf(`freeswitch:
  - name: bad
    address: %s
    timeout: 1s
  - name: good
    address: %s
    timeout: 1s
`, bad.Addr(), good.Addr())
	e := startExporter(t, cfg, "http")
	upIs := func(server, want string) func() string {
		return func() string {
			_, body := e.get("/metrics")
			if got := sample(body, `freeswitch_up{server="`+server+`"}`); got != want {
				return fmt.Sprintf("freeswitch_up{server=%q} = %q, want %q", server, got, want)
			}
			return ""
		}
	}
	waitFor(t, 10*time.Second, upIs("bad", "1"))

	faults := []struct {
		name   string
		fault  fssim.Fault
		reason string // expected in /health last_error
	}{
		{"stall", fssim.FaultStall, "timeout"},
		{"huge content-length", fssim.FaultHugeLength, "Content-Length"},
		{"garbage", fssim.FaultGarbage, ""},
		{"drop", fssim.FaultDrop, ""},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			bad.SetFault(f.fault)
			start := time.Now()
			code, body := e.get("/metrics")
			if took := time.Since(start); took > 4*time.Second {
				t.Errorf("scrape took %s with a misbehaving instance (timeout 1s)", took)
			}
			if code != 200 {
				t.Fatalf("/metrics = %d", code)
			}
			if got := sample(body, `freeswitch_up{server="bad"}`); got != "0" {
				t.Errorf("bad up = %q, want 0", got)
			}
			if got := sample(body, `freeswitch_up{server="good"}`); got != "1" {
				t.Errorf("good up = %q: one broken instance hid another", got)
			}
			_, health := e.get("/health")
			if f.reason != "" && !strings.Contains(health, f.reason) {
				t.Errorf("/health does not explain the %s: %s", f.name, health)
			}
			bad.SetFault(nil)
			waitFor(t, 15*time.Second, upIs("bad", "1"))
			e.alive()
		})
	}

	// A restart drops the connection: the exporter reconnects and counts it.
	_, body := e.get("/metrics")
	before, _ := strconv.Atoi(sample(body, `voip_exporter_reconnects_total{server="bad",source="freeswitch"}`))
	bad.Restart()
	waitFor(t, 15*time.Second, func() string {
		_, body := e.get("/metrics")
		n, _ := strconv.Atoi(sample(body, `voip_exporter_reconnects_total{server="bad",source="freeswitch"}`))
		if n <= before || sample(body, `freeswitch_up{server="bad"}`) != "1" {
			return fmt.Sprintf("reconnects %d (before %d), up %s", n, before, sample(body, `freeswitch_up{server="bad"}`))
		}
		return ""
	})
	if !strings.Contains(e.logs.String(), "reconnect") {
		t.Errorf("no log line about the reconnection")
	}
}
