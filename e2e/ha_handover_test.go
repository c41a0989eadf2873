package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

// TestHAGracefulHandover is a rolling update: the owner of fs0 gets SIGTERM with calls up. It stops
// processing, writes its leg state back and releases its leases before it exits, so the other agent takes
// the instances over at its next tick (well inside the lease) and every call that spans the handover has
// exactly one record.
func TestHAGracefulHandover(t *testing.T) {
	rs := redistest.Start(t)
	rec, recvAddr := startReceiver(t)
	sims, fsCfg := startFSSims(t, 2, 200*time.Millisecond)
	const ttl = 3 * time.Second
	agents := []*exporter{
		startExporter(t, haConfig(fsCfg, rs.Addr(), recvAddr, t.TempDir(), "agent-a", ttl), "http"),
		startExporter(t, haConfig(fsCfg, rs.Addr(), recvAddr, t.TempDir(), "agent-b", ttl), "http"),
	}
	waitFor(t, 20*time.Second, func() string { return ownOneEach(agents) })
	var legs []string
	for _, s := range sims {
		s.StartCall(fssim.CallSpec{Quality: fssim.QualityLossy, Codec: "PCMU", Bridged: true})
		s.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMA"})
		legs = append(legs, legsOf(s.Calls())...)
	}
	time.Sleep(time.Second) // RTCP under the first owners
	owner, other := agents[0], agents[1]
	if !haOwners(owner)["fs0"] {
		owner, other = other, owner
	}
	stopped := time.Now()
	if err := owner.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-owner.done
	exited := time.Since(stopped)
	var handover time.Duration
	waitFor(t, 2*ttl, func() string {
		if n := len(haOwners(other)); n != 2 {
			return fmt.Sprintf("survivor owns %d instances", n)
		}
		handover = time.Since(stopped)
		return ""
	})
	t.Logf("SIGTERM: the owner exited in %v, the survivor owned everything %v after the signal (lease ttl %v)", exited, handover, ttl)
	for _, s := range sims {
		s.HangupAll()
	}
	checkOneRecordPerLeg(t, rec, legs, "after a rolling update")
	if got := owner.logs.String(); !strings.Contains(got, "leases released") {
		t.Errorf("the stopped agent did not log its release:\n%s", got)
	}
}
