package demo

import (
	"context"
	"math"
	"math/rand"
	"time"

	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
)

// Two carriers (sofia gateways of demo-fs1) take outbound call attempts: carrier-a completes about two
// in three, with a short post-dial delay; carrier-b starts as well, then over each carrierCycle its ASR
// falls to about 0.1 as congestion (503, Q.850 34) takes over and its PDD grows, then recovers, so
// the Carriers row and the outcome alerts have something to show.
var demoGateways = []fssim.Gateway{
	{Name: "carrier-a", Profile: "external", Username: "acct-a", Realm: "sip.carrier-a.example", Proxy: "sip.carrier-a.example", Expires: 3600, State: fssim.GatewayReged},
	{Name: "carrier-b", Profile: "external", Username: "acct-b", Realm: "sip.carrier-b.example", Proxy: "sip.carrier-b.example", Expires: 3600, State: fssim.GatewayReged},
}

const (
	carrierCycle    = 20 * time.Minute
	carrierInterval = 1500 * time.Millisecond
)

// carrierDecline is how far carrier-b has fallen at t: 0 → 1 over the first 3/4 of a cycle, back
// to 0 over the last quarter.
func carrierDecline(t time.Duration) float64 {
	p := math.Mod(t.Seconds(), carrierCycle.Seconds()) / carrierCycle.Seconds()
	if p < 0.75 {
		return p / 0.75
	}
	return (1 - p) / 0.25
}

// runCarriers places the attempts until ctx ends.
func runCarriers(ctx context.Context, srv *fssim.Server, seed int64) {
	r := rand.New(rand.NewSource(seed))
	start := time.Now()
	tick := time.NewTicker(carrierInterval)
	defer tick.Stop()
	for {
		decline := carrierDecline(time.Since(start))
		// carrier-a: ASR 0.65; the failures are the ordinary ones (busy, no answer, the caller gave up).
		placeAttempt(srv, r, "carrier-a", 0.65, 1+r.Float64()*2, []*fssim.Failure{fssim.FailBusy, fssim.FailNoAnswer, fssim.FailCancel, fssim.FailUnallocated})
		// carrier-b: ASR from 0.7 down to 0.1, congestion most of its failures, PDD 2 s up to 9 s.
		placeAttempt(srv, r, "carrier-b", 0.7-0.6*decline, 2+decline*6+r.Float64(),
			[]*fssim.Failure{fssim.FailCongestion, fssim.FailCongestion, fssim.FailCongestion, fssim.FailBusy, fssim.FailNoAnswer480, fssim.FailDecline})
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func placeAttempt(srv *fssim.Server, r *rand.Rand, gw string, asr, pddSeconds float64, failures []*fssim.Failure) {
	pdd := time.Duration(pddSeconds * float64(time.Second))
	spec := fssim.CallSpec{Direction: "outbound", Gateway: gw, PDD: pdd, Domain: "pbx.example.com", Quality: fssim.QualityGood}
	if r.Float64() < asr {
		spec.Duration = time.Duration(10+r.Intn(50)) * time.Second
	} else {
		spec.Failure = failures[r.Intn(len(failures))]
		spec.Duration = pdd + time.Duration(r.Intn(8))*time.Second // rang that long before it failed
		if spec.Failure == fssim.FailCongestion || spec.Failure == fssim.FailUnallocated {
			spec.PDD = 0 // refused before any 180
			spec.Duration = time.Duration(100+r.Intn(400)) * time.Millisecond
		}
	}
	srv.StartCall(spec)
}
