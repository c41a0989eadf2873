package vicidial

import (
	"net"
	"testing"
)

// FuzzParseProbeTarget: any /probe target string either fails or gives a
// user, a host:port the driver can dial and a database name.
func FuzzParseProbeTarget(f *testing.F) {
	f.Fuzz(func(t *testing.T, target string) {
		p, err := ParseProbeTarget(target)
		if err != nil {
			return
		}
		if p.User == "" || p.Database == "" {
			t.Fatalf("%q: %+v", target, p)
		}
		if _, _, err := net.SplitHostPort(p.Addr); err != nil {
			t.Fatalf("%q: address %q: %v", target, p.Addr, err)
		}
	})
}

// FuzzDeriveStates: two agents with any column values (as
// vicidial_live_agents may hold them) always get one of the Real-Time
// report's states and a time taken from their own columns.
func FuzzDeriveStates(f *testing.F) {
	f.Fuzz(func(t *testing.T, status1, comments1 string, lead1, sinceState1, sinceCall1 int64, hasCall1 bool,
		status2, comments2 string, lead2, sinceState2, sinceCall2 int64, hasCall2 bool) {
		agents := []LiveAgent{
			{User: "a", Status: status1, Comments: comments1, LeadID: lead1, SinceStateChange: sinceState1, SinceCall: sinceCall1, HasCall: hasCall1},
			{User: "b", Status: status2, Comments: comments2, LeadID: lead2, SinceStateChange: sinceState2, SinceCall: sinceCall2, HasCall: hasCall2},
		}
		DeriveStates(agents)
		threeWay := lead1 != 0 && lead1 == lead2 && status1 == StateInCall && status2 == StateInCall
		for _, a := range agents {
			switch {
			case threeWay:
				if a.State != StateThreeWay || (a.StateSeconds != min(sinceCall1, sinceCall2) && a.StateSeconds != max(sinceCall1, sinceCall2) && a.StateSeconds != -1) {
					t.Fatalf("3-WAY expected: %+v", a)
				}
			case a.State == a.Status, a.State == StateDispo, a.State == StateDead:
				if a.StateSeconds != a.SinceCall && a.StateSeconds != a.SinceStateChange {
					t.Fatalf("time from elsewhere: %+v", a)
				}
			default:
				t.Fatalf("unexpected state: %+v", a)
			}
		}
	})
}
