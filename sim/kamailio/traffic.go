package kamailio

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Request counts one received SIP request answered with code, statelessly
// (sl) or through a transaction (tm), as Kamailio's statistics would.
func (s *State) Request(method string, code int, stateful bool) {
	m := strings.ToLower(method)
	s.Add("core.rcv_requests", 1)
	if s.stat("core.rcv_requests_"+m) != nil {
		s.Add("core.rcv_requests_"+m, 1)
	} else {
		s.Add("core.unsupported_methods", 1)
	}
	s.Add("script.my_custom_value_total", 1)
	if method == "INVITE" {
		s.Add("script.my_invites_seen", 1)
	}
	class := strconv.Itoa(code/100) + "xx"
	if !stateful {
		name := strconv.Itoa(code)
		found := false
		for i := range s.SL {
			if s.SL[i].Name == name {
				s.SL[i].Value++
				found = true
			}
		}
		if !found {
			for i := range s.SL {
				if s.SL[i].Name == class {
					s.SL[i].Value++
				}
			}
		}
		if s.stat("sl."+name+"_replies") != nil {
			s.Add("sl."+name+"_replies", 1)
		} else {
			s.Add("sl."+class+"_replies", 1)
		}
		s.Add("sl.sent_replies", 1)
		return
	}
	t := &s.TM
	t.Total++
	t.Created++
	t.Freed++
	t.RplSent++
	t.RplGenerated++
	switch code / 100 {
	case 2:
		t.C2xx++
	case 3:
		t.C3xx++
	case 4:
		t.C4xx++
	case 5:
		t.C5xx++
	case 6:
		t.C6xx++
	}
	s.Add("tmx.UAS_transactions", 1)
	s.Add("tmx."+class+"_transactions", 1)
	s.Add("tmx.rpl_generated", 1)
	s.Add("tmx.rpl_sent", 1)
}

// Load describes the demo's moving traffic.
type Load struct {
	RequestsPerSecond int           // SIP requests counted each tick
	MaxDialogs        int32         // ongoing dialogs swing between 0 and this
	Period            time.Duration // length of one up/down dialog swing
	Seed              uint64
}

// RunLoad moves the state every second until ctx ends: requests and
// replies, dialogs rising and falling, dispatcher targets flipping between
// active and probing, latencies and htable items drifting.
func (s *Server) RunLoad(ctx context.Context, l Load) error {
	if l.Period <= 0 {
		l.Period = 10 * time.Minute
	}
	rng := rand.New(rand.NewPCG(l.Seed, 7))
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	methodsMix := []string{"OPTIONS", "OPTIONS", "REGISTER", "INVITE", "ACK", "BYE"}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		phase := float64(time.Since(start)%l.Period) / float64(l.Period)
		target := int32(float64(l.MaxDialogs) * (1 - absf(2*phase-1)))
		s.Update(func(st *State) {
			for range l.RequestsPerSecond {
				m := methodsMix[rng.IntN(len(methodsMix))]
				switch m {
				case "INVITE":
					code := []int{200, 200, 200, 486, 404, 503}[rng.IntN(6)]
					st.Request(m, code, true)
				case "OPTIONS":
					st.Request(m, 200, false)
				default:
					st.Request(m, 200, rng.IntN(2) == 0)
				}
			}
			// dialogs drift toward the swing's target
			switch {
			case st.DlgOngoing < target:
				st.DlgOngoing++
				st.Add("dialog.processed_dialogs", 1)
				st.DlgConnecting = int32(rng.IntN(3))
			case st.DlgOngoing > target:
				st.DlgOngoing--
			}
			st.Add("dialog.active_dialogs", int64(st.DlgOngoing)-*st.stat("dialog.active_dialogs"))
			if len(st.Profiles) > 0 {
				in := st.DlgOngoing * 2 / 3
				st.Profiles[0].Value = int64(in)
				if len(st.Profiles) > 1 {
					st.Profiles[1].Value = int64(st.DlgOngoing - in)
				}
			}
			// a dispatcher target flips between active and probing now and then
			if rng.IntN(20) == 0 && len(st.Sets) > 0 {
				set := &st.Sets[rng.IntN(len(st.Sets))]
				if len(set.Targets) > 0 {
					t := &set.Targets[rng.IntN(len(set.Targets))]
					if t.Flags == "AP" {
						t.Flags = "IP"
					} else {
						t.Flags = "AP"
					}
				}
			}
			for i := range st.Sets {
				for j := range st.Sets[i].Targets {
					t := &st.Sets[i].Targets[j]
					if t.Flags == "AP" {
						t.LatEst = 20 + 10*rng.Float64()
						t.LatAvg = (t.LatAvg*9 + t.LatEst) / 10
						t.LatStd = 2 + rng.Float64()
						t.LatMax = max(t.LatMax, int32(t.LatEst))
					} else {
						t.LatTimeout++
					}
				}
			}
			for i := range st.HTables {
				h := &st.HTables[i]
				h.Items = max(0, h.Items+int32(rng.IntN(3))-1)
				h.Max = max(h.Max, h.Items/(1<<h.Log2)+1)
			}
			st.ShmUsed = 2_700_000 + int32(rng.IntN(200_000))
			st.ShmRealUsed = st.ShmUsed + 300_000
			st.ShmFree = st.ShmTotal - st.ShmRealUsed
			st.ShmMaxUsed = max(st.ShmMaxUsed, st.ShmRealUsed)
			for _, name := range []string{"shmem.used_size", "shmem.real_used_size", "shmem.free_size", "shmem.max_used_size"} {
				p := st.stat(name)
				if p == nil {
					continue
				}
				switch name {
				case "shmem.used_size":
					*p = int64(st.ShmUsed)
				case "shmem.real_used_size":
					*p = int64(st.ShmRealUsed)
				case "shmem.free_size":
					*p = int64(st.ShmFree)
				case "shmem.max_used_size":
					*p = int64(st.ShmMaxUsed)
				}
			}
		})
	}
}

func absf(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
