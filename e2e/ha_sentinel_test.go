package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

// TestHASentinel: two agents find Redis through a real Redis Sentinel (storage.redis.sentinel). The primary
// is killed with calls up; the sentinel promotes the replica, the agents follow it, the instances are
// owned again by one agent each, and every call — including those that end during the failover — has
// exactly one record.
func TestHASentinel(t *testing.T) {
	g := redistest.StartSentinel(t)
	rec, recvAddr := startReceiver(t)
	sims, fsCfg := startFSSims(t, 2, 200*time.Millisecond)
	const ttl = 5 * time.Second
	cfg := func(agent string) string {
		c := haConfig(fsCfg, "unused:6379", recvAddr, t.TempDir(), agent, ttl)
		return strings.Replace(c, "    address: unused:6379\n", fmt.Sprintf(
			"    sentinel:\n      master_name: %s\n      addresses: [%q]\n", redistest.MasterName, g.SentinelAddr), 1)
	}
	agents := []*exporter{startExporter(t, cfg("agent-a"), "http"), startExporter(t, cfg("agent-b"), "http")}
	spread := func() string { return ownOneEach(agents) }
	waitFor(t, 30*time.Second, spread)
	var legs []string
	for _, s := range sims {
		s.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMU", Bridged: true})
		s.StartCall(fssim.CallSpec{Quality: fssim.QualityLossy, Codec: "PCMA"})
		legs = append(legs, legsOf(s.Calls())...)
	}
	time.Sleep(time.Second) // leg state written behind to the primary, replicated
	killed := time.Now()
	g.Primary.Kill()
	for _, s := range sims {
		s.HangupCall(s.Calls()[0].UUID, "NORMAL_CLEARING") // ends while the primary is gone
	}
	var failover time.Duration
	waitFor(t, 30*time.Second, func() string {
		if a, err := g.PrimaryAddr(); err != nil || a != g.Replica.Addr() {
			return fmt.Sprintf("sentinel still names %s (%v)", a, err)
		}
		failover = time.Since(killed)
		return ""
	})
	waitFor(t, 30*time.Second, spread)
	owned := time.Since(killed)
	lost := 0.0
	for _, a := range agents {
		_, body := a.get("/metrics")
		v, _ := qSum(body, "voip_exporter_ha_leases_lost_total")
		lost += v
	}
	t.Logf("primary killed: sentinel promoted the replica after %v; each agent owned one instance again after %v; leases lost meanwhile %v (lease ttl %v)",
		failover.Round(time.Millisecond), owned.Round(time.Millisecond), lost, ttl)
	for _, s := range sims {
		s.HangupAll()
	}
	checkOneRecordPerLeg(t, rec, legs, "across a Redis failover")
}
