package outcome

import (
	"math"
	"strconv"
	"strings"

	"github.com/voip-exporter/voip_exporter/quality"
)

// FreeSWITCH events: only CHANNEL_HANGUP_COMPLETE is used. switch_channel_set_timestamps
// (src/switch_channel.c:4490-4830) has put every figure an outcome needs on it — progressusec,
// progress_mediausec, answerusec, billusec, all relative to the channel's creation — and
// switch_core_state_machine.c:839-840 the hangup_cause and hangup_cause_q850; so no per-leg state is
// kept and the other events cost one header lookup.

// Handle takes one FreeSWITCH event (the type the quality tracker takes): a second consumer of the
// same subscription. It does not allocate once the label sets are warm.
func (t *Tracker) Handle(f quality.Fields) {
	if name, _ := f.Lookup("Event-Name"); name != "CHANNEL_HANGUP_COMPLETE" {
		return
	}
	var a Attempt
	id, _ := f.Lookup("Unique-ID")
	bad := ParseFreeSWITCH(f, &a)
	t.mu.Lock()
	for i, b := range bad {
		if b {
			t.invalid[i]++
		}
	}
	if id != "" && !t.finished.add(hash64(id)) {
		t.dups++
		t.mu.Unlock()
		return
	}
	t.recordLocked(&a)
	t.mu.Unlock()
}

// ParseFreeSWITCH fills a from a CHANNEL_HANGUP_COMPLETE; the flags say which figures were present
// but unusable (by invalid kind).
func ParseFreeSWITCH(f quality.Fields, a *Attempt) (bad [numInvalid]bool) {
	a.Cause, a.PDD, a.Billsec = -1, math.NaN(), 0
	a.Direction = fsDirection(f)
	a.Domain = quality.DomainOf(f)
	a.Gateway = fsGateway(f)

	// Answered: the channel's answered time (switch_channel.c:4750 `if (caller_profile->times->answered)`).
	at, ok := uintField(f, "Caller-Channel-Answered-Time")
	if !ok {
		at, _ = uintField(f, "variable_answer_uepoch")
	}
	a.Answered = at > 0

	if name, ok := f.Lookup("variable_hangup_cause"); ok && name != "" {
		a.Cause = CauseCode(name)
	}
	if a.Cause < 0 {
		if q, ok := uintField(f, "variable_hangup_cause_q850"); ok && q <= 127 {
			a.Cause = int(q)
		} else if _, present := f.Lookup("variable_hangup_cause"); present {
			bad[invCause] = true
		}
	}

	// The final response to the INVITE: sofia.c:6651 sets sip_invite_failure_status on every ≥400 reply
	// (mod_sofia.c:558 and sofia.c:1647 set 487 for a CANCEL); sofia.c:8738-8740 set sip_term_status and
	// proto_specific_hangup_cause "sip:<code>" when the far end ended the dialog.
	if !a.Answered {
		for _, k := range [...]string{"variable_sip_invite_failure_status", "variable_sip_term_status"} {
			if v, ok := f.Lookup(k); ok && v != "" {
				if c, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && c >= 100 && c <= 699 {
					a.SIPCode = c
				} else {
					bad[invSIPCode] = true
				}
				break
			}
		}
		if a.SIPCode == 0 {
			if v, ok := f.Lookup("variable_proto_specific_hangup_cause"); ok {
				if rest, ok := strings.CutPrefix(v, "sip:"); ok {
					if c, err := strconv.Atoi(rest); err == nil && c >= 100 && c <= 699 {
						a.SIPCode = c
					} else {
						bad[invSIPCode] = true
					}
				}
			}
		}
	}

	// PDD: the first of progress (180/183) and early media, each relative to creation
	// (switch_channel.c:4763-4775), else the answer (RFC 6076 §4.1: the first non-100 provisional or 200).
	pdd := math.Inf(1)
	for _, p := range [...]struct{ epoch, usec, msec string }{
		{"variable_progress_uepoch", "variable_progressusec", "variable_progressmsec"},
		{"variable_progress_media_uepoch", "variable_progress_mediausec", "variable_progress_mediamsec"},
	} {
		if ep, _ := uintField(f, p.epoch); ep == 0 {
			continue
		}
		if d, ok := seconds(f, p.usec, p.msec, &bad); ok && d < pdd {
			pdd = d
		}
	}
	if math.IsInf(pdd, 1) && a.Answered {
		if d, ok := seconds(f, "variable_answerusec", "variable_answermsec", &bad); ok {
			pdd = d
		}
	}
	if !math.IsInf(pdd, 1) {
		a.PDD = pdd
	}
	if a.Answered {
		if d, ok := seconds(f, "variable_billusec", "variable_billmsec", &bad); ok {
			a.Billsec = d
		} else if s, ok := uintField(f, "variable_billsec"); ok {
			a.Billsec = float64(s)
		}
	}
	return bad
}

// maxSeconds bounds a duration taken from an event (a week).
const maxSeconds = 7 * 86400

// seconds reads a µs figure, else its ms form.
func seconds(f quality.Fields, usec, msec string, bad *[numInvalid]bool) (float64, bool) {
	if v, ok := uintField(f, usec); ok {
		if v > maxSeconds*1e6 {
			bad[invTime] = true
			return 0, false
		}
		return float64(v) / 1e6, true
	}
	if v, ok := uintField(f, msec); ok {
		if v > maxSeconds*1e3 {
			bad[invTime] = true
			return 0, false
		}
		return float64(v) / 1e3, true
	}
	if _, present := f.Lookup(usec); present {
		bad[invTime] = true
	}
	return 0, false
}

func uintField(f quality.Fields, k string) (uint64, bool) {
	v, ok := f.Lookup(k)
	if !ok || v == "" || len(v) > 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil
}

func fsDirection(f quality.Fields) string {
	for _, k := range [...]string{"Call-Direction", "variable_direction"} {
		switch v, _ := f.Lookup(k); v {
		case "inbound", "outbound":
			return v
		}
	}
	return ""
}

// maxGatewayBytes bounds a gateway name.
const maxGatewayBytes = 64

// fsGateway returns the leg's gateway: sip_gateway_name (mod_sofia.c:4884 sets it on a leg placed
// through a gateway), else for a leg whose last application was bridge, the first sofia/gateway/<name>/
// target of its dial string; "" for none.
func fsGateway(f quality.Fields) string {
	if g := cleanToken(get(f, "variable_sip_gateway_name"), maxGatewayBytes); g != "" {
		return g
	}
	if get(f, "variable_last_app") != "bridge" {
		return ""
	}
	return GatewayFromDialString(get(f, "variable_last_arg"))
}

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

func get(f quality.Fields, k string) string {
	v, _ := f.Lookup(k)
	return v
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
