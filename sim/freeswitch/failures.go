package freeswitch

import (
	"strconv"
	"time"
)

// Failed call attempts, with the variables FreeSWITCH 1.10 (signalwire/freeswitch@cc93a68) sets on the
// outbound leg of each case:
//   - the far end refuses the INVITE with a final response ≥ 300: sofia.c:6644 sip_hangup_disposition
//     recv_refuse; ≥ 400: sofia.c:6651 sip_invite_failure_status <code> (+ _phrase), sofia.c:6660 sip_reason
//     (the Reason header, when one came); the channel is still up at nua_callstate_terminated, so
//     sofia.c:8738-8740 set sip_term_status <code> and proto_specific_hangup_cause sip:<code>; the cause is
//     the Reason header's Q.850 cause when there is one (sofia.c:6680-6683, 8731), else
//     sofia_glue_sip_cause_to_freeswitch(code) (sofia_glue.c:1814-1888);
//   - FreeSWITCH CANCELs the INVITE (originate timeout, or the caller gave up): mod_sofia.c:557-559
//     sip_hangup_disposition send_cancel, sip_invite_failure_status 487, phrase CANCEL; no sip_term_status;
//   - hangup_cause_q850 is switch_channel_cause_q850(cause) (switch_core_state_machine.c:839-840):
//     the cause itself up to 127, else NORMAL_CLEARING 16 (switch_channel.c:406-413);
//   - no answer: billsec/answer* 0, answer_epoch/uepoch 0, no answer_stamp (switch_channel.c:4610, 4680-4685,
//     4749-4760); progress* only after a 180/183 (switch_channel.c:4634, 4717, 4763-4767).

// Failure is how a simulated outbound call attempt fails.
type Failure struct {
	Name   string // for logs and tests
	Code   int    // final SIP response to the INVITE (487 for a CANCEL)
	Phrase string // its reason phrase
	Cause  string // hangup_cause
	Q850   int    // hangup_cause_q850
	// Reason is the Reason header of the response ("Q.850;cause=34;text=..."), "" none.
	Reason string
	// Cancel: FreeSWITCH sent CANCEL (send_cancel, no sip_term_status) instead of receiving a refusal.
	Cancel bool
}

// The failure cases of issue 15.
var (
	// 486 → USER_BUSY (sofia_glue.c:1854-1856), Q.850 17.
	FailBusy = &Failure{Name: "busy", Code: 486, Phrase: "Busy Here", Cause: "USER_BUSY", Q850: 17}
	// The originate timeout (originate_timeout / call_timeout): SWITCH_CAUSE_NO_ANSWER
	// (switch_ivr_originate.c:3772), then a CANCEL: 487.
	FailNoAnswer = &Failure{Name: "no_answer", Code: 487, Phrase: "CANCEL", Cause: "NO_ANSWER", Q850: 19, Cancel: true}
	// 480 with "Reason: Q.850;cause=19" (a carrier that ran its own no-answer timer) → NO_ANSWER.
	FailNoAnswer480 = &Failure{Name: "no_answer_480", Code: 480, Phrase: "Temporarily Unavailable", Cause: "NO_ANSWER", Q850: 19,
		Reason: `Q.850;cause=19;text="NO_ANSWER"`}
	// 408 without a Reason → RECOVERY_ON_TIMER_EXPIRE (sofia_glue.c:1833-1835), 102.
	FailTimeout = &Failure{Name: "timeout", Code: 408, Phrase: "Request Timeout", Cause: "RECOVERY_ON_TIMER_EXPIRE", Q850: 102}
	// 403 and 603 → CALL_REJECTED (sofia_glue.c:1819-1825), 21.
	FailForbidden = &Failure{Name: "rejected_403", Code: 403, Phrase: "Forbidden", Cause: "CALL_REJECTED", Q850: 21}
	FailDecline   = &Failure{Name: "rejected_603", Code: 603, Phrase: "Decline", Cause: "CALL_REJECTED", Q850: 21}
	// 503 with "Reason: Q.850;cause=34" → NORMAL_CIRCUIT_CONGESTION 34 (the Reason wins, sofia.c:8731).
	FailCongestion = &Failure{Name: "congestion", Code: 503, Phrase: "Service Unavailable", Cause: "NORMAL_CIRCUIT_CONGESTION", Q850: 34,
		Reason: `Q.850;cause=34;text="NORMAL_CIRCUIT_CONGESTION"`}
	// 404 → UNALLOCATED_NUMBER (sofia_glue.c:1828-1829), 1.
	FailUnallocated = &Failure{Name: "unallocated", Code: 404, Phrase: "Not Found", Cause: "UNALLOCATED_NUMBER", Q850: 1}
	// The caller hung up while it rang: ORIGINATOR_CANCEL (switch_ivr_originate.c:3775), 487 > 127 → 16, CANCEL sent.
	FailCancel = &Failure{Name: "cancelled", Code: 487, Phrase: "CANCEL", Cause: "ORIGINATOR_CANCEL", Q850: 16, Cancel: true}
)

// Failures lists the failure cases.
var Failures = []*Failure{FailBusy, FailNoAnswer, FailNoAnswer480, FailTimeout, FailForbidden, FailDecline, FailCongestion,
	FailUnallocated, FailCancel}

// failCallLocked places an outbound attempt that fails: CHANNEL_CREATE, then CHANNEL_HANGUP,
// CHANNEL_CALLSTATE and CHANNEL_HANGUP_COMPLETE at once, the leg's times set back so that the INVITE
// went out spec.Duration ago (the 180 spec.PDD after it, when PDD > 0).
func (s *Server) failCallLocked(spec CallSpec, codec *codecInfo) string {
	c := &call{spec: spec, cancel: make(chan struct{})}
	l := s.newLeg(c, kindOut, spec.Caller, spec.Destination, spec.Domain, codec)
	c.a = l
	ring := spec.Duration
	if ring < spec.PDD {
		ring = spec.PDD
	}
	l.created = s.now().Add(-ring)
	s.fire(s.channelEvent(l, "CHANNEL_CREATE", "create"))
	f := spec.Failure
	l.cause = f.Cause
	l.disposition = "recv_refuse"
	if f.Cancel {
		l.disposition = "send_cancel"
	}
	l.hungup = s.now()
	l.final = s.finalStats(l, l.hungup)
	c.ended = true
	close(c.cancel)
	s.fire(s.channelEvent(l, "CHANNEL_HANGUP", "hangup"))
	s.fire(s.callstateEvent(l, "CHANNEL_HANGUP", "DOWN", "HANGUP", 7, "CS_HANGUP"))
	s.logLine(5, 0, "sofia.c", "sofia_handle_sip_i_state", 8736, l.uuid, "Hangup "+l.chanName+" [CS_CONSUME_MEDIA] ["+f.Cause+"]")
	s.fire(s.channelEvent(l, "CHANNEL_HANGUP_COMPLETE", "complete"))
	s.removeLeg(l)
	return l.uuid
}

// carrierLeg: the leg facing the far end (an outbound leg), the one a failure or a post-dial delay is about.
func (l *leg) carrierLeg() bool { return l.call != nil && (l.kind == kindOut || l.kind == kindB) }

// progressTime is when the far end's 180/183 came (zero: none).
func (l *leg) progressTime() time.Time {
	if !l.carrierLeg() || l.call.spec.PDD <= 0 {
		return time.Time{}
	}
	return l.created.Add(l.call.spec.PDD)
}

// outcomeValue generates the headers a failure or a post-dial delay changes (handled false: not one).
func (l *leg) outcomeValue(name string) (string, bool) {
	if !l.carrierLeg() {
		return "", false
	}
	p := l.progressTime()
	since := func(unit time.Duration) string {
		if p.IsZero() {
			return "0"
		}
		return strconv.FormatInt(int64(p.Sub(l.created)/unit), 10)
	}
	switch name {
	case "Caller-Channel-Progress-Time", "variable_progress_uepoch":
		return us(p), true
	case "variable_progress_epoch":
		if p.IsZero() {
			return "0", true
		}
		return strconv.FormatInt(p.Unix(), 10), true
	case "variable_progresssec":
		return since(time.Second), true
	case "variable_progressmsec":
		return since(time.Millisecond), true
	case "variable_progressusec":
		return since(time.Microsecond), true
	}
	f := l.call.spec.Failure
	if f == nil {
		return "", false
	}
	switch name {
	case "variable_hangup_cause_q850", "variable_sip_term_cause":
		return strconv.Itoa(f.Q850), true
	case "variable_answer_epoch":
		return "0", true
	}
	return "", false
}

// dropForOutcome: template headers a failed leg does not have (answer_stamp: switch_channel.c:4610; the
// endpoint_disposition and sip_reason of the answered template; sip_term_status is added when due).
func (l *leg) dropForOutcome(name string) bool {
	if !l.carrierLeg() || l.call.spec.Failure == nil {
		return false
	}
	switch name {
	case "variable_answer_stamp", "variable_bridge_stamp", "variable_endpoint_disposition", "variable_sip_reason",
		"variable_sip_term_status", "variable_proto_specific_hangup_cause":
		return true
	}
	return false
}

// addOutcomeHeaders appends what the template lacks: sip_gateway_name on every event of a leg placed
// through a gateway (mod_sofia.c:4884, set at creation), and a failed leg's SIP outcome from its hangup on.
func (s *Server) addOutcomeHeaders(e *event, l *leg, phase string) {
	if l.gateway != nil && phase != "callstate" {
		e.add("variable_sip_gateway_name", l.gateway.Name)
	}
	if !l.carrierLeg() || phase != "hangup" && phase != "complete" {
		return
	}
	f := l.call.spec.Failure
	if f == nil {
		return
	}
	code := strconv.Itoa(f.Code)
	e.add("variable_sip_invite_failure_status", code)
	e.add("variable_sip_invite_failure_phrase", f.Phrase)
	if f.Reason != "" {
		e.add("variable_sip_reason", f.Reason)
	}
	if !f.Cancel {
		e.add("variable_sip_term_status", code)
		e.add("variable_proto_specific_hangup_cause", "sip:"+code)
	}
}
