package outcome

import (
	"math"
	"strconv"
	"testing"

	"github.com/voip-exporter/voip_exporter/quality"
)

// failedLeg turns the real outbound B leg of call2 (event 062) into the CHANNEL_HANGUP_COMPLETE of an
// unanswered leg through gateway gw with the variables FreeSWITCH sets for it (signalwire/freeswitch@cc93a68):
// switch_channel_set_timestamps (src/switch_channel.c:4750-4775) leaves billsec/answer* at 0 when
// times->answered is 0 and sets progress* only when a 180/183 arrived; the rest is per case.
func failedLeg(t *testing.T, gw string, progressUsec int64, vars map[string]string) quality.MapFields {
	f := hangupOf(t, "call2-bridge-natural-hangup", "84f46477-2f3e-4e82-86b0-e8f6a550fff3")
	created, _ := strconv.ParseInt(f["Caller-Channel-Created-Time"], 10, 64)
	f["Unique-ID"] = "failed-" + vars["variable_hangup_cause"] + "-" + strconv.FormatInt(progressUsec, 10)
	f["Caller-Channel-Answered-Time"] = "0"
	f["variable_answer_uepoch"] = "0"
	for _, k := range []string{"billsec", "billmsec", "billusec", "answersec", "answermsec", "answerusec",
		"progresssec", "progressmsec", "progressusec", "progress_mediasec", "progress_mediamsec", "progress_mediausec"} {
		f["variable_"+k] = "0"
	}
	f["variable_progress_uepoch"], f["variable_progress_media_uepoch"] = "0", "0"
	delete(f, "variable_sip_term_status")
	delete(f, "variable_proto_specific_hangup_cause")
	delete(f, "variable_sip_term_cause")
	if progressUsec > 0 { // a 180 Ringing: times->progress (switch_channel.c:4763-4767)
		f["Caller-Channel-Progress-Time"] = strconv.FormatInt(created+progressUsec, 10)
		f["variable_progress_uepoch"] = strconv.FormatInt(created+progressUsec, 10)
		f["variable_progressusec"] = strconv.FormatInt(progressUsec, 10)
		f["variable_progressmsec"] = strconv.FormatInt(progressUsec/1000, 10)
	}
	if gw != "" {
		f["variable_sip_gateway_name"] = gw // mod_sofia.c:4884
	}
	for k, v := range vars {
		if v == "" {
			delete(f, k)
		} else {
			f[k] = v
		}
	}
	return f
}

// refused is what sofia.c sets when the far end answers the INVITE with code ≥ 400: sip_hangup_disposition
// recv_refuse (sofia.c:6644), sip_invite_failure_status (6651), then on nua_callstate_terminated
// sip_term_status and proto_specific_hangup_cause "sip:<code>" (8738-8740) and the cause
// sofia_glue_sip_cause_to_freeswitch(code) (sofia_glue.c:1814-1888) unless a Reason: Q.850 header names one
// (sofia.c:6680-6683), written as hangup_cause / hangup_cause_q850 (switch_core_state_machine.c:839-840).
func refused(code int, cause string, q850 int) map[string]string {
	c := strconv.Itoa(code)
	return map[string]string{"variable_sip_hangup_disposition": "recv_refuse", "variable_sip_invite_failure_status": c,
		"variable_sip_term_status": c, "variable_proto_specific_hangup_cause": "sip:" + c,
		"variable_hangup_cause": cause, "variable_hangup_cause_q850": strconv.Itoa(q850), "variable_endpoint_disposition": "EARLY MEDIA"}
}

// TestUpstreamFailedCalls: each failure case FreeSWITCH's source produces, the outcome it must give, and
// the NER effect (ITU-T E.425: answered, 17, 18, 19, 21 are effective).
func TestUpstreamFailedCalls(t *testing.T) {
	// no answer: the originate timeout gives SWITCH_CAUSE_NO_ANSWER (switch_ivr_originate.c:3772); FreeSWITCH
	// then CANCELs the B leg: sip_hangup_disposition send_cancel, sip_invite_failure_status 487
	// (mod_sofia.c:557-559); the channel is down when the 487 arrives, so no sip_term_status (sofia.c:8729).
	noAnswer := map[string]string{"variable_sip_hangup_disposition": "send_cancel", "variable_sip_invite_failure_status": "487",
		"variable_hangup_cause": "NO_ANSWER", "variable_hangup_cause_q850": "19"}
	// cancelled: the caller CANCELs, the originate ends with SWITCH_CAUSE_ORIGINATOR_CANCEL
	// (switch_ivr_originate.c:3775); 487 > 127, so hangup_cause_q850 is 16 (switch_channel.c:406-413).
	cancelled := map[string]string{"variable_sip_hangup_disposition": "send_cancel", "variable_sip_invite_failure_status": "487",
		"variable_hangup_cause": "ORIGINATOR_CANCEL", "variable_hangup_cause_q850": "16"}
	for _, c := range []struct {
		name     string
		vars     map[string]string
		progress int64 // µs after creation of the 180, 0 none
		outcome  Outcome
		cause    string
		sip      string
	}{
		{"486 busy", refused(486, "USER_BUSY", 17), 1_250_000, Busy, "USER_BUSY", "486"},                             // sofia_glue.c: case 486 → USER_BUSY
		{"480 unavailable", refused(480, "NO_USER_RESPONSE", 18), 2_000_000, NoAnswer, "NO_USER_RESPONSE", "480"},    // case 480 → NO_USER_RESPONSE
		{"408 timeout", refused(408, "RECOVERY_ON_TIMER_EXPIRE", 102), 0, Failed, "RECOVERY_ON_TIMER_EXPIRE", "408"}, // case 408 → RECOVERY_ON_TIMER_EXPIRE
		{"originate timeout", noAnswer, 900_000, NoAnswer, "NO_ANSWER", "487"},
		{"403 forbidden", refused(403, "CALL_REJECTED", 21), 0, Rejected, "CALL_REJECTED", "403"},                     // case 403 → CALL_REJECTED
		{"603 decline", refused(603, "CALL_REJECTED", 21), 3_000_000, Rejected, "CALL_REJECTED", "603"},               // case 603 → CALL_REJECTED
		{"503 no Reason", refused(503, "NORMAL_TEMPORARY_FAILURE", 41), 0, Failed, "NORMAL_TEMPORARY_FAILURE", "503"}, // case 503
		{"503 Reason Q.850 34", refused(503, "NORMAL_CIRCUIT_CONGESTION", 34), 0, Failed, "NORMAL_CIRCUIT_CONGESTION", "503"},
		{"404 unallocated", refused(404, "UNALLOCATED_NUMBER", 1), 0, Failed, "UNALLOCATED_NUMBER", "404"}, // case 404
		{"caller cancel", cancelled, 1_500_000, Cancelled, "ORIGINATOR_CANCEL", "487"},
	} {
		tr := New(Options{})
		tr.Handle(failedLeg(t, "carrier-a", c.progress, c.vars))
		s := snapshot(t, tr, "carrier-a", "outbound", "127.0.0.1")
		if s.Outcomes[c.outcome.String()] != 1 || len(s.Outcomes) != 1 || s.Causes[c.cause] != 1 || len(s.Causes) != 1 ||
			s.SIPCodes[c.sip] != 1 || len(s.SIPCodes) != 1 || s.DurationCount != 0 {
			t.Errorf("%s: %+v; want outcome %s, cause %s, SIP %s, no duration", c.name, s, c.outcome, c.cause, c.sip)
		}
		if c.progress > 0 {
			if s.PDDCount != 1 || !near(s.PDDSum, float64(c.progress)/1e6) {
				t.Errorf("%s: PDD %d/%v, want progressusec %d µs", c.name, s.PDDCount, s.PDDSum, c.progress)
			}
		} else if s.PDDCount != 0 {
			t.Errorf("%s: PDD observed without progress or answer", c.name)
		}
		wantEff := c.outcome == Busy || c.outcome == NoAnswer || c.outcome == Rejected
		if c.outcome.Effective() != wantEff {
			t.Errorf("%s: effective %v", c.name, c.outcome.Effective())
		}
	}
}

// TestKPIsFromAMix: 10 attempts on one gateway — 4 answered, 2 busy, 1 no answer, 1 rejected, 1 congestion,
// 1 cancelled: ASR = 4/10, NER = (4+2+1+1)/10 = 0.8, ACD = (10+20+30+40)/4 = 25 s.
func TestKPIsFromAMix(t *testing.T) {
	tr := New(Options{})
	rec := func(answered bool, cause int, bill float64) {
		tr.Record(&Attempt{Gateway: "gw1", Direction: "outbound", Domain: "example.com", Answered: answered, Cause: cause,
			Billsec: bill, PDD: math.NaN()})
	}
	for i := range 4 {
		rec(true, CauseNormalClearing, float64(10*(i+1)))
	}
	rec(false, CauseUserBusy, 0)
	rec(false, CauseUserBusy, 0)
	rec(false, CauseNoAnswer, 0)
	rec(false, CauseCallRejected, 0)
	rec(false, CauseCongestion, 0)
	rec(false, CauseOriginatorCancel, 0)
	s := snapshot(t, tr, "gw1", "outbound", "example.com")
	var all, eff uint64
	for o := range numOutcomes {
		n := s.Outcomes[o.String()]
		all += n
		if o.Effective() {
			eff += n
		}
	}
	asr, ner, acd := float64(s.Outcomes["answered"])/float64(all), float64(eff)/float64(all), s.DurationSum/float64(s.DurationCount)
	if all != 10 || asr != 0.4 || ner != 0.8 || acd != 25 {
		t.Errorf("attempts %d ASR %v NER %v ACD %v; want 10, 0.4, 0.8, 25", all, asr, ner, acd)
	}
	if s.SIPCodes["200"] != 4 || s.Causes["NORMAL_CIRCUIT_CONGESTION"] != 1 || s.Causes["USER_BUSY"] != 2 {
		t.Errorf("%+v", s)
	}
}

// TestLabelBounds: gateways past the cap become "other" and are counted; so do series past MaxSeries.
func TestLabelBounds(t *testing.T) {
	tr := New(Options{MaxGateways: 3, MaxDomains: 2, MaxSeries: 4})
	for i := range 10 {
		tr.Record(&Attempt{Gateway: "gw" + strconv.Itoa(i), Direction: "outbound", Domain: "d" + strconv.Itoa(i%3), Cause: 16, PDD: math.NaN()})
	}
	st := tr.Stats()
	// gateways gw0-gw2 admitted, gw3-gw9 → other: 7; domains d0, d1 admitted, d2 (i = 2, 5, 8) → other: 3.
	if st.Overflow["gateway"] != 7 || st.Overflow["domain"] != 3 || len(tr.Snapshots()) > 5 {
		t.Errorf("overflow %v, %d series", st.Overflow, len(tr.Snapshots()))
	}
	var total uint64
	for _, s := range tr.Snapshots() {
		total += s.Outcomes["failed"]
	}
	if total != 10 {
		t.Errorf("%d attempts counted, want 10", total)
	}
}
