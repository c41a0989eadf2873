package outcome

import (
	"math"
	"testing"
)

// TestRealCallsLegByLeg: every leg of the three real FreeSWITCH 1.10.12 calls, with the figures its
// CHANNEL_HANGUP_COMPLETE carries. All were answered (Caller-Channel-Answered-Time ≠ 0); none had a 180/183
// or early media (variable_progress_uepoch = variable_progress_media_uepoch = 0), so the PDD is the answer
// delay, variable_answerusec; the answered duration is variable_billusec.
func TestRealCallsLegByLeg(t *testing.T) {
	for _, c := range []struct {
		call, id, direction, cause string
		answerusec, billusec       float64
	}{
		{"call1-echo-hupall", "a6e86516-ac98-48fd-98f2-266c7175cabf", "inbound", "MANAGER_REQUEST", 0, 26100011},
		{"call1-echo-hupall", "cf329c8b-5268-4d24-ad90-d9a9e8640e12", "outbound", "MANAGER_REQUEST", 0, 26100011},
		{"call2-bridge-natural-hangup", "861ce0b3-5db8-4e32-b148-28473c2144a0", "inbound", "NORMAL_CLEARING", 0, 24999977},
		{"call2-bridge-natural-hangup", "84f46477-2f3e-4e82-86b0-e8f6a550fff3", "outbound", "NORMAL_CLEARING", 19945, 25000043},
		{"call2-bridge-natural-hangup", "5a57bbc5-ea60-43e2-b1c9-45cb60906314", "inbound", "NORMAL_CLEARING", 19945, 25000043},
		{"call2-bridge-natural-hangup", "e304a16e-0339-4509-96f9-8817096b4ef3", "outbound", "NORMAL_CLEARING", 39946, 24980042},
		{"call3-degraded-loss-jitter", "b2eef4e9-c9cb-47b0-9603-cf92036fd144", "inbound", "MANAGER_REQUEST", 19999, 26100020},
		{"call3-degraded-loss-jitter", "6f0dba1d-ba35-4616-ac99-36916db4d5b1", "outbound", "MANAGER_REQUEST", 40036, 26099943},
	} {
		var a Attempt
		if bad := ParseFreeSWITCH(hangupOf(t, c.call, c.id), &a); bad != [numInvalid]bool{} {
			t.Errorf("%s: invalid %v", c.id, bad)
		}
		// MANAGER_REQUEST is FreeSWITCH's 703 (switch_types.h:2241), NORMAL_CLEARING Q.850 16.
		want := map[string]int{"MANAGER_REQUEST": 703, "NORMAL_CLEARING": 16}[c.cause]
		if !a.Answered || a.Cause != want || a.Direction != c.direction || a.Domain != "127.0.0.1" || a.Gateway != "" ||
			!near(a.PDD, c.answerusec/1e6) || !near(a.Billsec, c.billusec/1e6) || a.SIPCode != 0 {
			t.Errorf("%s %s: %+v; want answered, cause %d, %s, domain 127.0.0.1 (variable_sip_from_host), PDD %v s, billsec %v s",
				c.call, c.id, a, want, c.direction, c.answerusec/1e6, c.billusec/1e6)
		}
		if Classify(a.Answered, a.Cause) != Answered {
			t.Errorf("%s: %v", c.id, Classify(a.Answered, a.Cause))
		}
	}
}

// TestRealCallsAggregated replays every event of the three calls through one tracker (RTCP and channel
// events included: they must change nothing) and checks the series.
func TestRealCallsAggregated(t *testing.T) {
	tr := New(Options{})
	for _, call := range []string{"call1-echo-hupall", "call2-bridge-natural-hangup", "call3-degraded-loss-jitter"} {
		for _, ev := range loadCall(t, call) {
			tr.Handle(ev)
		}
	}
	if s := tr.Stats(); s.Recorded != 8 || s.Duplicates != 0 {
		t.Fatalf("stats %+v, want 8 legs (2 + 4 + 2 CHANNEL_HANGUP_COMPLETE)", s)
	}
	for _, c := range []struct {
		direction       string
		billsum, pddsum float64 // seconds, from the table of TestRealCallsLegByLeg
	}{
		// billusec: 26100011 + 24999977 + 25000043 + 26100020 = 102200051; answerusec 0+0+19945+19999 = 39944
		{"inbound", 102.200051, 0.039944},
		// billusec: 26100011 + 25000043 + 24980042 + 26099943 = 102180039; answerusec 0+19945+39946+40036 = 99927
		{"outbound", 102.180039, 0.099927},
	} {
		s := snapshot(t, tr, NoGateway, c.direction, "127.0.0.1")
		if s.Outcomes["answered"] != 4 || len(s.Outcomes) != 1 || len(s.Causes) != 0 || s.SIPCodes["200"] != 4 || len(s.SIPCodes) != 1 {
			t.Errorf("%s: %+v, want 4 answered, no failure, 4 × 200", c.direction, s)
		}
		if s.DurationCount != 4 || math.Abs(s.DurationSum-c.billsum) > 1e-6 || s.PDDCount != 4 || math.Abs(s.PDDSum-c.pddsum) > 1e-9 {
			t.Errorf("%s: duration %d/%v PDD %d/%v, want 4/%v 4/%v", c.direction, s.DurationCount, s.DurationSum, s.PDDCount, s.PDDSum, c.billsum, c.pddsum)
		}
	}
	// A replay of the same hangups (reconnect, HA takeover) counts nothing twice.
	for _, ev := range loadCall(t, "call2-bridge-natural-hangup") {
		tr.Handle(ev)
	}
	if s := tr.Stats(); s.Recorded != 8 || s.Duplicates != 4 {
		t.Errorf("after a replay of call2: %+v, want 8 recorded, 4 duplicates", s)
	}
}
