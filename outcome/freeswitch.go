package outcome

import (
	"math"
	"strconv"
	"strings"

	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/quality"
)

// FreeSWITCH events: only CHANNEL_HANGUP_COMPLETE is used. switch_channel_set_timestamps
// (src/switch_channel.c:4490-4830) has put every figure an outcome needs on it — progressusec,
// progress_mediausec, answerusec, billusec, all relative to the channel's creation — and
// switch_core_state_machine.c:839-840 the hangup_cause and hangup_cause_q850; so no per-leg state is
// kept and the other events cost one header lookup.

// Handle takes one FreeSWITCH event (the type the quality tracker takes): a second consumer of the
// same subscription. Events other than CHANNEL_HANGUP_COMPLETE cost one header lookup (Event-Name is the
// first header); a hangup costs one pass over its headers. It does not allocate once the label sets are warm.
func (t *Tracker) Handle(f quality.Fields) {
	if name, _ := f.Lookup("Event-Name"); name != "CHANNEL_HANGUP_COMPLETE" {
		return
	}
	var a Attempt
	var x fsVals
	x.fill(f)
	bad := x.parse(&a)
	t.mu.Lock()
	for i, b := range bad {
		if b {
			t.invalid[i]++
		}
	}
	id := x.v[fUniqueID]
	if id != "" && !t.finished.add(hash64(id)) {
		t.dups++
		t.last.ok = false
		t.mu.Unlock()
		return
	}
	// Recorded in place in t.last (LastAttempt): a pointer to a would make it escape (OnAttempt).
	t.last.id, t.last.a, t.last.ok = hash64(id), a, id != ""
	t.recordLocked(&t.last.a)
	t.mu.Unlock()
}

// The headers of a CHANNEL_HANGUP_COMPLETE an outcome is made of.
const (
	fUniqueID = iota
	fCallDirection
	fDirection
	fAnswered
	fAnswerUepoch
	fCause
	fCauseQ850
	fInviteFailure
	fTermStatus
	fProtoCause
	fProgressUepoch
	fProgressUsec
	fProgressMsec
	fMediaUepoch
	fMediaUsec
	fMediaMsec
	fAnswerUsec
	fAnswerMsec
	fBillUsec
	fBillMsec
	fBillsec
	fGatewayName
	fLastApp
	fLastArg
	fDomain0
	fDomain1
	fDomain2
	numFS
)

var fsKeys = [numFS]string{"Unique-ID", "Call-Direction", "variable_direction",
	"Caller-Channel-Answered-Time", "variable_answer_uepoch", "variable_hangup_cause", "variable_hangup_cause_q850",
	"variable_sip_invite_failure_status", "variable_sip_term_status", "variable_proto_specific_hangup_cause",
	"variable_progress_uepoch", "variable_progressusec", "variable_progressmsec",
	"variable_progress_media_uepoch", "variable_progress_mediausec", "variable_progress_mediamsec",
	"variable_answerusec", "variable_answermsec", "variable_billusec", "variable_billmsec", "variable_billsec",
	"variable_sip_gateway_name", "variable_last_app", "variable_last_arg",
	quality.DomainHeaders[0], quality.DomainHeaders[1], quality.DomainHeaders[2]}

// fsIndex maps a header name to its slot (a switch: Go compiles it to a search by length and value).
func fsIndex(k string) int {
	switch k {
	case "Unique-ID":
		return fUniqueID
	case "Call-Direction":
		return fCallDirection
	case "variable_direction":
		return fDirection
	case "Caller-Channel-Answered-Time":
		return fAnswered
	case "variable_answer_uepoch":
		return fAnswerUepoch
	case "variable_hangup_cause":
		return fCause
	case "variable_hangup_cause_q850":
		return fCauseQ850
	case "variable_sip_invite_failure_status":
		return fInviteFailure
	case "variable_sip_term_status":
		return fTermStatus
	case "variable_proto_specific_hangup_cause":
		return fProtoCause
	case "variable_progress_uepoch":
		return fProgressUepoch
	case "variable_progressusec":
		return fProgressUsec
	case "variable_progressmsec":
		return fProgressMsec
	case "variable_progress_media_uepoch":
		return fMediaUepoch
	case "variable_progress_mediausec":
		return fMediaUsec
	case "variable_progress_mediamsec":
		return fMediaMsec
	case "variable_answerusec":
		return fAnswerUsec
	case "variable_answermsec":
		return fAnswerMsec
	case "variable_billusec":
		return fBillUsec
	case "variable_billmsec":
		return fBillMsec
	case "variable_billsec":
		return fBillsec
	case "variable_sip_gateway_name":
		return fGatewayName
	case "variable_last_app":
		return fLastApp
	case "variable_last_arg":
		return fLastArg
	case "variable_domain_name":
		return fDomain0
	case "variable_sip_from_host":
		return fDomain1
	case "variable_sip_to_host":
		return fDomain2
	}
	return -1
}

// fsVals holds the first value of each header of fsKeys.
type fsVals struct {
	v   [numFS]string
	has [numFS]bool
}

func (x *fsVals) fill(f quality.Fields) {
	if e, ok := f.(*esl.Event); ok {
		e.Range(x.take)
		return
	}
	for i, k := range fsKeys {
		x.v[i], x.has[i] = f.Lookup(k)
	}
}

func (x *fsVals) take(k, v string) bool {
	if i := fsIndex(k); i >= 0 && !x.has[i] {
		x.v[i], x.has[i] = v, true
	}
	return true
}

func (x *fsVals) uint(i int) (uint64, bool) {
	v := x.v[i]
	if !x.has[i] || v == "" || len(v) > 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil
}

// ParseFreeSWITCH fills a from a CHANNEL_HANGUP_COMPLETE; the flags say which figures were present
// but unusable (by invalid kind).
func ParseFreeSWITCH(f quality.Fields, a *Attempt) (bad [numInvalid]bool) {
	var x fsVals
	x.fill(f)
	return x.parse(a)
}

func (x *fsVals) parse(a *Attempt) (bad [numInvalid]bool) {
	a.Cause, a.PDD, a.Billsec = -1, math.NaN(), 0
	a.Direction = ""
	for _, i := range [...]int{fCallDirection, fDirection} {
		if v := x.v[i]; v == "inbound" || v == "outbound" {
			a.Direction = v
			break
		}
	}
	a.Domain = ""
	for _, i := range [...]int{fDomain0, fDomain1, fDomain2} {
		if d := domain(x.v[i]); d != "" {
			a.Domain = d
			break
		}
	}
	// The leg's gateway: sip_gateway_name (mod_sofia.c:4884 sets it on a leg placed through a gateway),
	// else for a leg whose last application was bridge, the first sofia/gateway/<name>/ target of its
	// dial string.
	a.Gateway = cleanToken(x.v[fGatewayName], maxGatewayBytes)
	if a.Gateway == "" && x.v[fLastApp] == "bridge" {
		a.Gateway = GatewayFromDialString(x.v[fLastArg])
	}

	// Answered: the channel's answered time (switch_channel.c:4750 `if (caller_profile->times->answered)`).
	at, ok := x.uint(fAnswered)
	if !ok {
		at, _ = x.uint(fAnswerUepoch)
	}
	a.Answered = at > 0

	if name := x.v[fCause]; name != "" {
		a.Cause = CauseCode(name)
	}
	if a.Cause < 0 {
		if q, ok := x.uint(fCauseQ850); ok && q <= 127 {
			a.Cause = int(q)
		} else if x.has[fCause] {
			bad[invCause] = true
		}
	}

	// The final response to the INVITE: sofia.c:6651 sets sip_invite_failure_status on every ≥400 reply
	// (mod_sofia.c:558 and sofia.c:1647 set 487 for a CANCEL); sofia.c:8738-8740 set sip_term_status and
	// proto_specific_hangup_cause "sip:<code>" when the far end ended the dialog. An answered leg: 200.
	if !a.Answered {
		for _, i := range [...]int{fInviteFailure, fTermStatus} {
			if x.v[i] == "" {
				continue
			}
			if c, ok := x.uint(i); ok && c >= 100 && c <= 699 {
				a.SIPCode = int(c)
			} else {
				bad[invSIPCode] = true
			}
			break
		}
		if rest, ok := strings.CutPrefix(x.v[fProtoCause], "sip:"); ok && a.SIPCode == 0 {
			if c, err := strconv.ParseUint(rest, 10, 16); err == nil && c >= 100 && c <= 699 {
				a.SIPCode = int(c)
			} else {
				bad[invSIPCode] = true
			}
		}
	}

	// PDD: the first of progress (180/183) and early media, each relative to creation
	// (switch_channel.c:4763-4775), else the answer (RFC 6076 §4.1: the first non-100 provisional or 200).
	pdd := math.Inf(1)
	for _, p := range [...][3]int{{fProgressUepoch, fProgressUsec, fProgressMsec}, {fMediaUepoch, fMediaUsec, fMediaMsec}} {
		if ep, _ := x.uint(p[0]); ep == 0 {
			continue
		}
		if d, ok := x.seconds(p[1], p[2], &bad); ok && d < pdd {
			pdd = d
		}
	}
	if math.IsInf(pdd, 1) && a.Answered {
		if d, ok := x.seconds(fAnswerUsec, fAnswerMsec, &bad); ok {
			pdd = d
		}
	}
	if !math.IsInf(pdd, 1) {
		a.PDD = pdd
	}
	if a.Answered {
		if d, ok := x.seconds(fBillUsec, fBillMsec, &bad); ok {
			a.Billsec = d
		} else if s, ok := x.uint(fBillsec); ok && s <= maxSeconds {
			a.Billsec = float64(s)
		}
	}
	return bad
}

// domain normalises a host like quality.NormalizeDomain without its allocation on the common case
// (a lower-case name or IPv4 address without a port).
func domain(s string) string {
	if s == "" {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return quality.NormalizeDomain(s)
		}
	}
	if len(s) > 253 {
		return ""
	}
	return s
}

// maxSeconds bounds a duration taken from an event (a week).
const maxSeconds = 7 * 86400

// seconds reads a µs figure, else its ms form.
func (x *fsVals) seconds(usec, msec int, bad *[numInvalid]bool) (float64, bool) {
	if v, ok := x.uint(usec); ok {
		if v > maxSeconds*1e6 {
			bad[invTime] = true
			return 0, false
		}
		return float64(v) / 1e6, true
	}
	if x.v[usec] != "" {
		bad[invTime] = true
	}
	if v, ok := x.uint(msec); ok {
		if v > maxSeconds*1e3 {
			bad[invTime] = true
			return 0, false
		}
		return float64(v) / 1e3, true
	}
	return 0, false
}

// maxGatewayBytes bounds a gateway name.
const maxGatewayBytes = 64

// GatewayFromDialString returns the gateway of the first sofia/gateway/<name>/ target of a bridge dial
// string ("{vars}[vars]sofia/gateway/gw1/123|sofia/gateway/gw2/123"), or "".
func GatewayFromDialString(s string) string {
	const p = "sofia/gateway/"
	i := strings.Index(s, p)
	if i < 0 {
		return ""
	}
	rest := s[i+len(p):]
	j := strings.IndexByte(rest, '/')
	if j <= 0 {
		return ""
	}
	return cleanToken(rest[:j], maxGatewayBytes)
}

// cleanToken returns s if it is a short token fit for a label value (letters, digits and . _ - : + @),
// else "".
func cleanToken(s string, n int) string {
	if s == "" || len(s) > n {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' || c == '_' || c == '-' || c == ':' || c == '+' || c == '@':
		default:
			return ""
		}
	}
	return s
}
