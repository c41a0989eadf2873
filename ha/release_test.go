package ha_test

import (
	"context"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/ha"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

// A clean shutdown announces its released leases: with a 12 s lease (ticks every 4 s) the other agent
// takes them at once, not at its next tick.
func TestReleasedLeasesAreTakenAtOnce(t *testing.T) {
	srv := redistest.Start(t)
	const ttl = 12 * time.Second
	a, b := newManager(t, srv.Addr(), "a", ttl), newManager(t, srv.Addr(), "b", ttl)
	var la, lb []*ha.Lease
	for _, inst := range []string{"fs1", "fs2"} {
		la = append(la, a.Register(inst, &recorder{}))
		lb = append(lb, b.Register(inst, &recorder{}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Both announce themselves, then a takes its share at once (Tick), b at its own tick.
	for _, m := range []*ha.Manager{a, b} {
		go m.Run(ctx)
	}
	deadline := time.Now().Add(3 * ttl / 2)
	for (held(la) != 1 || held(lb) != 1) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if held(la) != 1 || held(lb) != 1 {
		t.Fatalf("spread %d/%d, want 1/1", held(la), held(lb))
	}
	closed := time.Now()
	a.Close(context.Background())
	for held(lb) != 2 && time.Since(closed) < ttl/3 {
		time.Sleep(5 * time.Millisecond)
	}
	if held(lb) != 2 {
		t.Fatalf("b holds %d leases a tick after a released its own", held(lb))
	}
	t.Logf("b took the released lease %v after a's Close (tick %v)", time.Since(closed).Round(time.Millisecond), ttl/3)
	if time.Since(closed) > 1500*time.Millisecond {
		t.Errorf("the released lease waited for b's tick: %v", time.Since(closed))
	}
}
