package asterisk

import (
	"context"
	"math/rand"
	"time"
)

// LoadProfile shapes the traffic RunLoad generates.
type LoadProfile struct {
	// TargetCalls is the number of two-party calls RunLoad keeps up, on
	// average (it drifts with a period of Period).
	TargetCalls int
	// Conference keeps a ConfBridge room with one to three members ("": none).
	Conference string
	// Queue sends a caller into this queue now and then ("": none).
	Queue string
	// Flap changes one peer's reachability (trunk down/up, phone
	// unregistered/registered) about that often (0: never).
	Flap time.Duration
	// Period of the load's drift (default 10 minutes).
	Period time.Duration
	// Tick is how often RunLoad acts (default 1s).
	Tick time.Duration
	Seed int64
}

// RunLoad keeps moving calls, a conference and flapping peers going until
// ctx ends: for --demo.
func (s *Server) RunLoad(ctx context.Context, p LoadProfile) error {
	if p.Period <= 0 {
		p.Period = 10 * time.Minute
	}
	if p.Tick <= 0 {
		p.Tick = time.Second
	}
	rng := rand.New(rand.NewSource(p.Seed + 1))
	t := time.NewTicker(p.Tick)
	defer t.Stop()
	start := time.Now()
	var lastFlap time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		phase := float64(time.Since(start)%p.Period) / float64(p.Period)
		target := int(float64(p.TargetCalls) * (0.6 + 0.8*phase))
		s.loadTick(rng, p, target)
		if p.Flap > 0 && time.Since(lastFlap) > p.Flap {
			lastFlap = time.Now()
			s.flap(rng)
		}
	}
}

func (s *Server) idlePeers() (sip, pjsip []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.st.sipPeers {
		if p.Host != "" && p.LastMS > 0 && p.Dynamic && s.st.channelsOf("SIP", p.Name) == 0 {
			sip = append(sip, p.Name)
		}
	}
	for _, e := range s.st.endpoints {
		if s.st.endpointState(&e) == "Not in use" && e.InboundAuth != "" {
			pjsip = append(pjsip, e.Name)
		}
	}
	return sip, pjsip
}

func (s *Server) loadTick(rng *rand.Rand, p LoadProfile, target int) {
	s.mu.Lock()
	calls, conf := 0, 0
	for _, c := range s.st.calls {
		switch {
		case c.conf != "":
			conf++
		case c.queue == "":
			calls++
		}
	}
	s.mu.Unlock()
	sip, pj := s.idlePeers()
	if calls < target {
		tech, pool := "SIP", sip
		if len(pj) >= 2 && (len(sip) < 2 || rng.Intn(3) == 0) {
			tech, pool = "PJSIP", pj
		}
		if len(pool) >= 2 {
			rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
			spec := CallSpec{Tech: tech, From: pool[0], To: pool[1], Duration: time.Duration(20+rng.Intn(160)) * time.Second,
				Jitter: time.Duration(rng.Intn(4000)) * time.Microsecond, RTT: time.Duration(5+rng.Intn(60)) * time.Millisecond}
			if rng.Intn(5) == 0 {
				spec.Loss = 0.01 + rng.Float64()*0.04
				spec.Jitter = time.Duration(10+rng.Intn(40)) * time.Millisecond
			}
			if rng.Intn(3) == 0 {
				spec.FromCodec, spec.ToCodec = "ulaw", "alaw"
			}
			_, _ = s.StartCall(spec)
		}
	}
	if p.Conference != "" && conf < 1+rng.Intn(3) && len(sip) > 0 {
		_, _ = s.StartConference("SIP", sip[rng.Intn(len(sip))], p.Conference, time.Duration(30+rng.Intn(120))*time.Second)
	}
	if p.Queue != "" && rng.Intn(30) == 0 && len(sip) > 0 {
		_, _ = s.StartQueueCall("SIP", sip[rng.Intn(len(sip))], p.Queue, time.Duration(10+rng.Intn(50))*time.Second)
	}
}

// flap toggles one peer: a trunk goes unreachable or comes back, or a phone
// unregisters or registers again.
func (s *Server) flap(rng *rand.Rand) {
	s.mu.Lock()
	var names []string
	for _, p := range s.st.sipPeers {
		names = append(names, p.Name)
	}
	s.mu.Unlock()
	if len(names) == 0 {
		return
	}
	name := names[rng.Intn(len(names))]
	s.UpdateSIPPeer(name, func(p *SIPPeer) {
		switch {
		case p.LastMS > 0 && !p.Dynamic:
			p.LastMS = -1
		case p.LastMS < 0:
			p.LastMS = 1 + rng.Intn(40)
		case p.Dynamic && p.Host != "":
			p.Host, p.Port, p.Username, p.LastMS = "", 0, "", 0
		case p.Dynamic:
			p.Host, p.Port, p.Username, p.LastMS = "127.0.0.1", 5200+rng.Intn(700), p.Name, 1+rng.Intn(40)
		}
	})
}
