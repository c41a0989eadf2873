package freeswitch

import (
	"math"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/outcome"
	"github.com/voip-exporter/voip_exporter/quality"
)

func fields(e *event) quality.MapFields {
	m := quality.MapFields{}
	for _, h := range e.headers {
		if _, ok := m[h.name]; !ok {
			m[h.name] = h.value
		}
	}
	return m
}

// Each simulated failure, read back from the wire, gives the outcome FreeSWITCH's own variables give
// (the expectations are the sources cited in failures.go, not the simulator's tables): NER-effective
// busy/no answer/reject (ITU-T E.425), the hangup cause, and the final SIP code; the 180 came PDD after
// the INVITE (variable_progressusec), nothing was answered.
func TestFailedCallsGiveTheirOutcome(t *testing.T) {
	s := startServer(t, Config{})
	c := subscribe(t, s)
	for _, tc := range []struct {
		f       *Failure
		pdd     time.Duration
		outcome string
		cause   string
		sip     string
	}{
		{FailBusy, 1500 * time.Millisecond, "busy", "USER_BUSY", "486"},               // sofia_glue.c:1854 486 → USER_BUSY
		{FailNoAnswer, 2 * time.Second, "no_answer", "NO_ANSWER", "487"},              // originate timeout, CANCEL: mod_sofia.c:558
		{FailNoAnswer480, 0, "no_answer", "NO_ANSWER", "480"},                         // Reason Q.850 19 wins: sofia.c:8731
		{FailTimeout, 0, "failed", "RECOVERY_ON_TIMER_EXPIRE", "408"},                 // sofia_glue.c:1833
		{FailForbidden, 0, "rejected", "CALL_REJECTED", "403"},                        // sofia_glue.c:1821
		{FailDecline, 3 * time.Second, "rejected", "CALL_REJECTED", "603"},            // sofia_glue.c:1823
		{FailCongestion, 0, "failed", "NORMAL_CIRCUIT_CONGESTION", "503"},             // Reason Q.850 34
		{FailUnallocated, 0, "failed", "UNALLOCATED_NUMBER", "404"},                   // sofia_glue.c:1828
		{FailCancel, 800 * time.Millisecond, "cancelled", "ORIGINATOR_CANCEL", "487"}, // switch_ivr_originate.c:3775
	} {
		uuid := s.StartCall(CallSpec{Failure: tc.f, Gateway: "gw-loop", PDD: tc.pdd, Duration: 5 * time.Second, Domain: "carrier.example"})
		if uuid == "" {
			t.Fatalf("%s: not placed", tc.f.Name)
		}
		e := c.waitEvent(func(e *event) bool {
			n, _ := e.get("Event-Name")
			u, _ := e.get("Unique-ID")
			return n == "CHANNEL_HANGUP_COMPLETE" && u == uuid
		})
		f := fields(e)
		var a outcome.Attempt
		if bad := outcome.ParseFreeSWITCH(f, &a); bad != [len(bad)]bool{} {
			t.Errorf("%s: unusable figures %v", tc.f.Name, bad)
		}
		tr := outcome.New(outcome.Options{})
		tr.Handle(f)
		snaps := tr.Snapshots()
		if len(snaps) != 1 {
			t.Fatalf("%s: %d series", tc.f.Name, len(snaps))
		}
		sn := snaps[0]
		if sn.Gateway != "gw-loop" || sn.Direction != "outbound" || sn.Domain != "carrier.example" ||
			sn.Outcomes[tc.outcome] != 1 || sn.Causes[tc.cause] != 1 || sn.SIPCodes[tc.sip] != 1 || sn.DurationCount != 0 {
			t.Errorf("%s: %+v; want gw-loop outbound carrier.example, %s, %s, SIP %s, no answered duration", tc.f.Name, sn, tc.outcome, tc.cause, tc.sip)
		}
		q850 := map[string]string{"USER_BUSY": "17", "NO_ANSWER": "19", "RECOVERY_ON_TIMER_EXPIRE": "102", "CALL_REJECTED": "21",
			"NORMAL_CIRCUIT_CONGESTION": "34", "UNALLOCATED_NUMBER": "1", "ORIGINATOR_CANCEL": "16"}[tc.cause] // ≤127 itself, else 16
		if f["variable_hangup_cause_q850"] != q850 || f["Caller-Channel-Answered-Time"] != "0" || f["variable_billsec"] != "0" {
			t.Errorf("%s: q850 %q answered %q billsec %q; want %s, 0, 0", tc.f.Name, f["variable_hangup_cause_q850"],
				f["Caller-Channel-Answered-Time"], f["variable_billsec"], q850)
		}
		_, hasTerm := f["variable_sip_term_status"]
		if hasTerm == tc.f.Cancel { // a CANCEL leaves no sip_term_status (sofia.c:8729: the channel is down)
			t.Errorf("%s: sip_term_status present %v", tc.f.Name, hasTerm)
		}
		if tc.pdd > 0 {
			if sn.PDDCount != 1 || math.Abs(sn.PDDSum-tc.pdd.Seconds()) > 1e-6 {
				t.Errorf("%s: PDD %d/%v, want %v", tc.f.Name, sn.PDDCount, sn.PDDSum, tc.pdd)
			}
		} else if sn.PDDCount != 0 {
			t.Errorf("%s: a PDD without a 180", tc.f.Name)
		}
	}
	if n := len(s.Calls()); n != 0 {
		t.Errorf("%d calls left up", n)
	}
}

// An answered outbound call with a post-dial delay: the 180 and the answer PDD after the INVITE.
func TestAnsweredCallPDD(t *testing.T) {
	s := startServer(t, Config{})
	c := subscribe(t, s)
	uuid := s.StartCall(CallSpec{Direction: "outbound", Gateway: "gw-loop", PDD: 2500 * time.Millisecond, Duration: time.Hour})
	s.HangupCall(uuid, "NORMAL_CLEARING")
	e := c.waitEvent(named("CHANNEL_HANGUP_COMPLETE"))
	var a outcome.Attempt
	outcome.ParseFreeSWITCH(fields(e), &a)
	if !a.Answered || a.Gateway != "gw-loop" || math.Abs(a.PDD-2.5) > 1e-3 {
		t.Errorf("%+v, want answered through gw-loop, PDD 2.5 s", a)
	}
}
