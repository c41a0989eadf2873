package outcome

import (
	"math"
	"sort"
)

// RecentMinutes is how far back Recent looks: the status page's last 15 minutes.
const RecentMinutes = 15

// recentRing is one gateway's last RecentMinutes minutes, one bucket a minute (a bucket is reused when
// its minute comes round again): attempts, answered, and the unanswered ones by cause slot. Made once
// per gateway label (bounded by MaxGateways), it never allocates afterwards.
type recentRing struct {
	minute   [RecentMinutes]int64 // unix minute of the bucket; 0 empty
	attempts [RecentMinutes]uint32
	answered [RecentMinutes]uint32
	causes   []uint32 // RecentMinutes × numSlots
}

func (r *recentRing) add(min int64, answered bool, slot int) {
	i := int(min % RecentMinutes)
	if r.minute[i] != min {
		r.minute[i], r.attempts[i], r.answered[i] = min, 0, 0
		clear(r.causes[i*numSlots : (i+1)*numSlots])
	}
	r.attempts[i]++
	if answered {
		r.answered[i]++
	} else {
		r.causes[i*numSlots+slot]++
	}
}

func (t *Tracker) recentAdd(gateway string, a *Attempt) {
	r := t.recent[gateway]
	if r == nil {
		r = &recentRing{causes: make([]uint32, RecentMinutes*numSlots)}
		t.recent[gateway] = r
	}
	r.add(t.opts.Now().Unix()/60, a.Outcome == Answered, slotOf(a.Cause))
}

// GatewayRecent sums up one gateway's attempts of the last RecentMinutes minutes.
type GatewayRecent struct {
	Gateway            string
	Attempts, Answered uint64
	ASR                float64 // answered / attempts; NaN without attempts
	// TopCause is the most frequent cause of the unanswered attempts ("" none), TopCauseCount its count.
	TopCause      string
	TopCauseCount uint64
}

// Recent returns, per gateway with attempts in the last RecentMinutes minutes (the current one
// included), their count, ASR and top cause; most attempts first.
func (t *Tracker) Recent() []GatewayRecent {
	now := t.opts.Now().Unix() / 60
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []GatewayRecent
	counts := make([]uint64, numSlots)
	for gw, r := range t.recent {
		g := GatewayRecent{Gateway: gw, ASR: math.NaN()}
		clear(counts)
		for i := range RecentMinutes {
			if m := r.minute[i]; m == 0 || m <= now-RecentMinutes || m > now {
				continue
			}
			g.Attempts += uint64(r.attempts[i])
			g.Answered += uint64(r.answered[i])
			for s, n := range r.causes[i*numSlots : (i+1)*numSlots] {
				counts[s] += uint64(n)
			}
		}
		if g.Attempts == 0 {
			continue
		}
		g.ASR = float64(g.Answered) / float64(g.Attempts)
		for s, n := range counts {
			if n > g.TopCauseCount {
				g.TopCause, g.TopCauseCount = slotNames[s], n
			}
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Attempts != out[j].Attempts {
			return out[i].Attempts > out[j].Attempts
		}
		return out[i].Gateway < out[j].Gateway
	})
	return out
}
