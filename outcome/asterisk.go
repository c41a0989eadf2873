package outcome

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
)

// Asterisk AMI events (asterisk/asterisk@f0c1c1a7b79b0f8cc0311649bf36824cbeee30a9). One attempt is one
// channel that app_dial (or the dial API of Originate) dials: DialBegin names it (DestChannel), the
// channel's own Newstate/DialState give the progress (PDD), DialEnd its DialStatus, and its Hangup the
// Q.850 cause (Cause, manager_channels.c:640-664) and, for PJSIP, the SIP code (TechCause, set from the
// final non-2xx response by chan_pjsip.c:3148-3177). app_dial publishes a DialEnd before it hangs the
// dialled channel up (app_dial.c:1029-1030, 1125, 1397-1398, 1475-1476, 1484-1485, and
// publish_dial_end_event before hanguptree), so an attempt is recorded at its Hangup; an answered one
// then has its duration. Events carry no time: the tracker's clock (Options.Now) stamps them.
//
// The trunk is the peer/endpoint of the dialled channel's name ("PJSIP/carrier-00000001" → "carrier",
// chan_pjsip names a channel "PJSIP/<endpoint>-%08x"); a Local channel is not an attempt (the dial its
// ;2 half makes onwards is). A Cdr event (cdr_manager) is used only for a dialled channel the tracker did
// not follow (it connected mid-call), so that a call is never counted twice.

// maxLiveLegs bounds the dialled channels followed at once; past it new DialBegins are not followed
// (counted in AsteriskStats.Untracked).
const maxLiveLegs = 100000

// astLeg is one followed dialled channel: its times as stamps (0: not yet), so that the table holds no
// pointer for the GC to scan.
type astLeg struct {
	begin, progress, answer stamp
	status                  int8 // dial status (dsNone until DialEnd)
}

// stamp is a time in nanoseconds after the Asterisk path's epoch (its first event), plus one: > 0.
type stamp int64

type asteriskState struct {
	legs      map[uint64]astLeg
	epoch     time.Time
	untracked uint64
	ignored   uint64 // Cdr events of a followed or recorded channel
	// scratch is the attempt being recorded (under the tracker's lock): recordLocked hands it to
	// OnAttempt, so a local one would escape to the heap, one allocation per attempt.
	scratch Attempt
}

func (s *asteriskState) init() { s.legs = make(map[uint64]astLeg) }

// now stamps the tracker's clock (monotonic when the clock is time.Now).
func (t *Tracker) now() stamp {
	now := t.opts.Now()
	if t.ast.epoch.IsZero() {
		t.ast.epoch = now
	}
	return max(stamp(now.Sub(t.ast.epoch))+1, 1)
}

// since returns the seconds from a to b (0 when b is earlier).
func since(a, b stamp) float64 {
	if b < a {
		return 0
	}
	return time.Duration(b - a).Seconds()
}

// Dial statuses (app_dial.c:585-610 documents them; dial.c:752-765 maps a hangup cause to one).
const (
	dsNone int8 = iota
	dsAnswer
	dsBusy
	dsNoAnswer
	dsCancel
	dsCongestion
	dsChanUnavail
	dsDontCall
	dsTorture
	dsInvalid
	dsOther
)

func dialStatus(v string) int8 {
	switch v {
	case "ANSWER":
		return dsAnswer
	case "BUSY":
		return dsBusy
	case "NOANSWER":
		return dsNoAnswer
	case "CANCEL":
		return dsCancel
	case "CONGESTION":
		return dsCongestion
	case "CHANUNAVAIL":
		return dsChanUnavail
	case "DONTCALL":
		return dsDontCall
	case "TORTURE":
		return dsTorture
	case "INVALID":
		return dsInvalid
	}
	return dsOther
}

// AsteriskOutcome returns the outcome of a dialled channel from its DialStatus and its Hangup cause
// (-1 unknown). NOANSWER is also what dial.c:752-765 gives every cause it has no status for (a 404's
// UNALLOCATED 1, a 403/603's CALL_REJECTED 21), so it defers to the cause; the privacy manager's
// DONTCALL and TORTURE are the callee's refusal.
func AsteriskOutcome(status string, cause int) Outcome { return astOutcome(dialStatus(status), cause) }

func astOutcome(ds int8, cause int) Outcome {
	switch ds {
	case dsAnswer:
		return Answered
	case dsBusy:
		return Busy
	case dsCancel:
		return Cancelled
	case dsCongestion, dsChanUnavail, dsInvalid:
		return Failed
	case dsDontCall, dsTorture:
		return Rejected
	case dsNoAnswer:
		if o := Classify(false, cause); o != Failed || cause > 0 && cause != CauseNormalClearing {
			return o
		}
		return NoAnswer // Dial's own timeout: no cause of the callee's
	}
	return Classify(false, cause)
}

// The headers an AMI call event is read for.
type astVals struct {
	event, channel, dest, state, dialStatus, cause, techCause, disposition, billsec string
	hasEvent                                                                        bool
}

// fill reads the headers up to the last one the event needs (Newstate: 4 of about 16).
func (x *astVals) fill(m *ami.Message) {
	for i, n := 0, m.Len(); i < n; i++ {
		if x.complete() {
			return
		}
		k, v := m.Header(i)
		switch len(k) {
		case 5:
			if (k == "Event" || strings.EqualFold(k, "Event")) && !x.hasEvent {
				x.event, x.hasEvent = v, true // the first Event header, as ami.Message.Event
			} else if (k == "Cause" || strings.EqualFold(k, "Cause")) && x.cause == "" {
				x.cause = v
			}
		case 7:
			if (k == "Channel" || strings.EqualFold(k, "Channel")) && x.channel == "" {
				x.channel = v
			}
		case 9:
			if (k == "TechCause" || strings.EqualFold(k, "TechCause")) && x.techCause == "" {
				x.techCause = v
			}
		case 10:
			if (k == "DialStatus" || strings.EqualFold(k, "DialStatus")) && x.dialStatus == "" {
				x.dialStatus = v
			}
		case 11:
			if (k == "DestChannel" || strings.EqualFold(k, "DestChannel")) && x.dest == "" {
				x.dest = v
			} else if (k == "Disposition" || strings.EqualFold(k, "Disposition")) && x.disposition == "" {
				x.disposition = v
			}
		case 12:
			if (k == "ChannelState" || strings.EqualFold(k, "ChannelState")) && x.state == "" {
				x.state = v
			}
		case 15:
			if (k == "BillableSeconds" || strings.EqualFold(k, "BillableSeconds")) && x.billsec == "" {
				x.billsec = v
			}
		case 18:
			if (k == "DestinationChannel" || strings.EqualFold(k, "DestinationChannel")) && x.dest == "" {
				x.dest = v
			}
		}
	}
}

// complete reports whether every header the event is read for is there (Hangup and Cdr: never, their
// optional headers may come last).
func (x *astVals) complete() bool {
	switch x.event {
	case "Newstate":
		return x.channel != "" && x.state != ""
	case "DialBegin":
		return x.dest != ""
	case "DialState", "DialEnd":
		return x.dest != "" && x.dialStatus != ""
	}
	return false
}

// isCallEvent reports whether an event name is one HandleAMI reads.
func isCallEvent(e string) bool {
	switch e {
	case "DialBegin", "DialState", "DialEnd", "Newstate", "Hangup", "Cdr":
		return true
	}
	return false
}

// HandleAMI takes one AMI event (ami.ClientOptions.OnEvent): DialBegin, DialState, DialEnd, Newstate,
// Hangup and Cdr; any other event costs a look at its first header. It does not allocate once the
// label sets and the table of live legs are warm.
func (t *Tracker) HandleAMI(m *ami.Message) {
	if m == nil || m.Len() == 0 {
		return
	}
	if k, v := m.Header(0); (k == "Event" || strings.EqualFold(k, "Event")) && !isCallEvent(v) {
		return
	}
	var x astVals
	x.fill(m)
	if !isCallEvent(x.event) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch x.event {
	case "DialBegin":
		if !dialled(x.dest) {
			return
		}
		k := hash64(x.dest)
		if _, ok := t.ast.legs[k]; ok {
			return // a repeated DialBegin (a forward keeps the channel)
		}
		if len(t.ast.legs) >= maxLiveLegs {
			t.ast.untracked++
			return
		}
		t.ast.legs[k] = astLeg{begin: t.now()}
	case "DialState":
		// RINGING (app_dial.c:1548) and PROGRESS (app_dial.c:1620) of the dialled channel.
		if x.dialStatus != "RINGING" && x.dialStatus != "PROGRESS" {
			return
		}
		t.astProgress(x.dest)
	case "Newstate":
		k := hash64(x.channel)
		l, ok := t.ast.legs[k]
		if !ok {
			return
		}
		switch x.state {
		case "5": // AST_STATE_RINGING (include/asterisk/channelstate.h:41)
			if l.progress != 0 {
				return
			}
			l.progress = t.now()
		case "6": // AST_STATE_UP
			if l.answer != 0 {
				return
			}
			l.answer = t.now()
		default:
			return
		}
		t.ast.legs[k] = l
	case "DialEnd":
		k := hash64(x.dest)
		l, ok := t.ast.legs[k]
		if !ok || l.status != dsNone {
			return
		}
		l.status = dialStatus(x.dialStatus)
		if l.status == dsAnswer && l.answer == 0 {
			l.answer = t.now()
		}
		t.ast.legs[k] = l
	case "Hangup":
		k := hash64(x.channel)
		l, ok := t.ast.legs[k]
		if !ok {
			return
		}
		delete(t.ast.legs, k)
		t.finished.add(k)
		var end stamp
		if l.answer != 0 {
			end = t.now() // the clock is read only when a duration needs it
		}
		t.astRecord(&x, &l, end)
	case "Cdr":
		t.astCdr(&x)
	}
}

func (t *Tracker) astProgress(ch string) {
	k := hash64(ch)
	if l, ok := t.ast.legs[k]; ok && l.progress == 0 {
		l.progress = t.now()
		t.ast.legs[k] = l
	}
}

// dialled reports whether a DialBegin's DestChannel is an attempt.
func dialled(ch string) bool {
	return ch != "" && !strings.HasPrefix(ch, "Local/")
}

// AsteriskTrunk returns the trunk of a dialled channel's name: the peer or endpoint of a SIP, PJSIP or
// IAX2 channel ("PJSIP/carrier-0000001a" → "carrier"), the technology of any other, "" when there is none.
func AsteriskTrunk(ch string) string {
	i := strings.IndexByte(ch, '/')
	if i <= 0 {
		return ""
	}
	tech, rest := ch[:i], ch[i+1:]
	switch tech {
	case "SIP", "PJSIP", "IAX2":
		if j := strings.LastIndexByte(rest, '-'); j > 0 {
			rest = rest[:j]
		}
		return cleanToken(rest, maxGatewayBytes)
	}
	return cleanToken(tech, maxGatewayBytes)
}

func (t *Tracker) astRecord(x *astVals, l *astLeg, now stamp) {
	a := &t.ast.scratch
	*a = Attempt{Gateway: AsteriskTrunk(x.channel), Direction: "outbound", Cause: -1, PDD: math.NaN()}
	if x.cause != "" {
		if c, err := strconv.Atoi(x.cause); err == nil && c >= 0 && c <= 127 {
			a.Cause = c
		} else {
			t.invalid[invCause]++
		}
	}
	if x.techCause != "" {
		if c, err := strconv.Atoi(x.techCause); err == nil && c >= 300 && c <= 699 {
			a.SIPCode = c
		} else {
			t.invalid[invSIPCode]++
		}
	}
	ds := l.status
	if ds == dsNone && l.answer != 0 {
		ds = dsAnswer // no DialEnd seen (filtered or lost), but the channel was up
	}
	a.Outcome, a.decided = astOutcome(ds, a.Cause), true
	if ds == dsNone {
		a.Outcome = Classify(false, a.Cause)
	}
	a.Answered = a.Outcome == Answered
	p := l.progress
	if p == 0 && a.Answered {
		p = l.answer
	}
	if p != 0 {
		a.PDD = since(l.begin, p)
	}
	if a.Answered {
		a.SIPCode = 0
		if l.answer != 0 {
			a.Billsec = since(l.answer, now)
		}
	}
	t.recordLocked(a)
}

// astCdr records a Cdr of a dialled channel the tracker did not follow. Disposition: cdr.c:1932-1958
// (dial_status_to_disposition) and ast_cdr_disp2str (cdr.c:3576-3592).
func (t *Tracker) astCdr(x *astVals) {
	if !dialled(x.dest) {
		return
	}
	k := hash64(x.dest)
	if _, ok := t.ast.legs[k]; ok {
		t.ast.ignored++
		return
	}
	if _, ok := t.finished.m[k]; ok {
		t.ast.ignored++
		return
	}
	a := &t.ast.scratch
	*a = Attempt{Gateway: AsteriskTrunk(x.dest), Direction: "outbound", Cause: -1, PDD: math.NaN(), decided: true}
	switch x.disposition {
	case "ANSWERED":
		a.Outcome, a.Answered = Answered, true
		if s, err := strconv.Atoi(x.billsec); err == nil && s >= 0 && s <= maxSeconds {
			a.Billsec = float64(s)
		} else {
			t.invalid[invTime]++
		}
	case "BUSY":
		a.Outcome, a.Cause = Busy, CauseUserBusy
	case "NO ANSWER":
		a.Outcome, a.Cause = NoAnswer, CauseNoAnswer
	case "CANCEL":
		a.Outcome = Cancelled
	case "CONGESTION":
		a.Outcome, a.Cause = Failed, CauseCongestion
	default: // FAILED
		a.Outcome = Failed
	}
	t.finished.add(k)
	t.recordLocked(a)
}

// AsteriskStats are the Asterisk path's own figures.
type AsteriskStats struct {
	Live       int    // dialled channels followed now
	Untracked  uint64 // DialBegins not followed (maxLiveLegs reached)
	CdrIgnored uint64 // Cdr events of a channel followed through its Dial events
}

// AsteriskStats returns the Asterisk path's figures.
func (t *Tracker) AsteriskStats() AsteriskStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return AsteriskStats{Live: len(t.ast.legs), Untracked: t.ast.untracked, CdrIgnored: t.ast.ignored}
}

// ResetAsterisk forgets the dialled channels being followed: after a reconnect their remaining events
// may be lost (call it from the AMI client's OnConnect).
func (t *Tracker) ResetAsterisk() {
	t.mu.Lock()
	clear(t.ast.legs)
	t.mu.Unlock()
}
