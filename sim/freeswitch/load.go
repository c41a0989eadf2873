package freeswitch

import (
	"context"
	"math"
	"time"
)

// LoadProfile drives RunLoad. Zero fields get defaults.
type LoadProfile struct {
	TargetCalls int           // mean number of concurrent calls; default 10
	Spread      float64       // relative amplitude of the sinusoidal variation (0..1); default 0.5
	Period      time.Duration // period of the variation; default 10m

	MixGood, MixLossy, MixJittery float64 // relative weights of call qualities; default 80/12/8

	MinDuration, MaxDuration time.Duration // call durations; default 20s..3m
	BridgedRatio             float64       // share of bridged calls; default 0.5
	OutboundRatio            float64       // share of outbound among unbridged calls; default 0.3
	Domains                  []string      // default {Config.Domain}
	Codecs                   []string      // default {"PCMU","PCMU","PCMA","G722","opus"}

	GatewayFlipEvery time.Duration // a REGED gateway goes FAIL_WAIT for a while this often; default 5m, <0 never
	Tick             time.Duration // default 1s
}

func (p LoadProfile) withDefaults(cfg Config) LoadProfile {
	if p.TargetCalls <= 0 {
		p.TargetCalls = 10
	}
	if p.Spread == 0 {
		p.Spread = 0.5
	}
	if p.Period <= 0 {
		p.Period = 10 * time.Minute
	}
	if p.MixGood+p.MixLossy+p.MixJittery <= 0 {
		p.MixGood, p.MixLossy, p.MixJittery = 80, 12, 8
	}
	if p.MinDuration <= 0 {
		p.MinDuration = 20 * time.Second
	}
	if p.MaxDuration < p.MinDuration {
		p.MaxDuration = p.MinDuration + 160*time.Second
	}
	if p.BridgedRatio == 0 {
		p.BridgedRatio = 0.5
	}
	if p.OutboundRatio == 0 {
		p.OutboundRatio = 0.3
	}
	if len(p.Domains) == 0 {
		p.Domains = []string{cfg.Domain}
	}
	if len(p.Codecs) == 0 {
		p.Codecs = []string{"PCMU", "PCMU", "PCMA", "G722", "opus"}
	}
	if p.GatewayFlipEvery == 0 {
		p.GatewayFlipEvery = 5 * time.Minute
	}
	if p.Tick <= 0 {
		p.Tick = time.Second
	}
	return p
}

// RunLoad starts and ends calls until ctx is done so that the number of calls follows a
// sinusoid with some noise and the quality mix keeps changing; now and then a registered
// gateway fails for a while. It returns nil when ctx is done.
func (s *Server) RunLoad(ctx context.Context, p LoadProfile) error {
	p = p.withDefaults(s.cfg)
	start := time.Now()
	lastFlip := start
	var flipped *gatewayState
	var restoreAt time.Time
	t := time.NewTicker(p.Tick)
	defer t.Stop()
	walk := 0.0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := time.Now()
		s.mu.Lock()
		r := s.rng
		walk += (r.Float64() - 0.5) * 0.1
		walk = math.Max(-0.2, math.Min(0.2, walk))
		phase := 2 * math.Pi * float64(now.Sub(start)) / float64(p.Period)
		target := int(math.Round(float64(p.TargetCalls) * (1 + p.Spread*math.Sin(phase) + walk)))
		target = max(target, 0)
		cur := len(s.calls)
		for i := 0; cur < target && i < max(1, s.cfg.SessionsPerSecMax/6); i++ {
			s.startCallLocked(s.randomSpec(p))
			cur++
		}
		if cur > target+2 && len(s.calls) > 0 {
			s.hangupLocked(s.calls[r.Intn(len(s.calls))], "NORMAL_CLEARING", false)
		}
		if flipped != nil && now.After(restoreAt) {
			s.setGatewayStateLocked(flipped, GatewayReged)
			flipped = nil
		}
		if p.GatewayFlipEvery > 0 && flipped == nil && now.Sub(lastFlip) >= p.GatewayFlipEvery {
			lastFlip = now
			for _, g := range s.gateways {
				if g.state == GatewayReged {
					flipped = g
					restoreAt = now.Add(time.Duration(30+r.Intn(60)) * time.Second)
					s.setGatewayStateLocked(g, GatewayFailWait)
					break
				}
			}
		}
		s.mu.Unlock()
	}
}

// randomSpec draws a call for RunLoad. Caller holds s.mu.
func (s *Server) randomSpec(p LoadProfile) CallSpec {
	r := s.rng
	spec := CallSpec{
		Domain: p.Domains[r.Intn(len(p.Domains))],
		Codec:  p.Codecs[r.Intn(len(p.Codecs))],
	}
	spec.Duration = p.MinDuration + time.Duration(r.Int63n(int64(p.MaxDuration-p.MinDuration)+1))
	x := r.Float64() * (p.MixGood + p.MixLossy + p.MixJittery)
	switch {
	case x < p.MixGood:
		spec.Quality = QualityGood
	case x < p.MixGood+p.MixLossy:
		spec.Quality = QualityLossy
	default:
		spec.Quality = QualityJittery
	}
	if r.Float64() < p.BridgedRatio {
		spec.Bridged = true
		spec.Direction = "inbound"
	} else if r.Float64() < p.OutboundRatio {
		spec.Direction = "outbound"
		for _, g := range s.gateways {
			if g.state == GatewayReged && r.Intn(2) == 0 {
				spec.Gateway = g.Name
			}
		}
	}
	return spec
}
