package asterisk

import (
	"strconv"
	"time"
)

// Dialled call attempts with the AMI events a real Asterisk sends for each outcome
// (asterisk/asterisk@f0c1c1a7b79b0f8cc0311649bf36824cbeee30a9): the caller's Newchannel and Newstate Ring,
// the dialled channel's Newchannel, DialBegin, (Newstate Ringing + DialState RINGING), DialEnd with its
// DialStatus, the dialled channel's Hangup with Cause / Cause-txt (and TechCause, the SIP code, on
// PJSIP), the caller's Hangup, and a Cdr (class cdr: only accounts with read=cdr get it).

// AttemptKind is what becomes of a dialled attempt.
type AttemptKind int

// Attempt kinds. The SIP response, cause and DialStatus of each failure:
//   - Busy: 486 → ast_sip_hangup_sip2cause 17 USER_BUSY (res_pjsip.c:3525-3570) → DialStatus BUSY
//     (ast_hangup_cause_to_dial_status, main/dial.c:752-765, published by app_dial.c:1397);
//   - NoAnswer: the callee rings, then 480 → 19 NO_ANSWER → NOANSWER;
//   - Rejected: 603 → 21 CALL_REJECTED → NOANSWER (dial.c's default);
//   - Congestion: 503 → 34 NORMAL_CIRCUIT_CONGESTION (AST_CAUSE_CONGESTION) → CONGESTION;
//   - Unallocated: 404 → 1 UNALLOCATED → NOANSWER;
//   - Cancel: the caller hangs up while it rings: DialEnd CANCEL (app_dial.c:1805-1807), the dialled
//     channel hung up with NORMAL_CLEARING 16 (app_dial.c:3455-3460).
const (
	AttemptAnswered AttemptKind = iota
	AttemptBusy
	AttemptNoAnswer
	AttemptRejected
	AttemptCongestion
	AttemptUnallocated
	AttemptCancel
)

type attemptFields struct {
	dialStatus, cdrDisp string
	cause, sip          int
	ring                bool
}

// CDR dispositions: cdr.c:1932-1958 with the default flags (no congestion, no cancel disposition).
var attemptTable = map[AttemptKind]attemptFields{
	AttemptAnswered:    {dialStatus: "ANSWER", cdrDisp: "ANSWERED", cause: 16, ring: true},
	AttemptBusy:        {dialStatus: "BUSY", cdrDisp: "BUSY", cause: 17, sip: 486},
	AttemptNoAnswer:    {dialStatus: "NOANSWER", cdrDisp: "NO ANSWER", cause: 19, sip: 480, ring: true},
	AttemptRejected:    {dialStatus: "NOANSWER", cdrDisp: "NO ANSWER", cause: 21, sip: 603},
	AttemptCongestion:  {dialStatus: "CONGESTION", cdrDisp: "FAILED", cause: 34, sip: 503},
	AttemptUnallocated: {dialStatus: "NOANSWER", cdrDisp: "NO ANSWER", cause: 1, sip: 404},
	AttemptCancel:      {dialStatus: "CANCEL", cdrDisp: "NO ANSWER", cause: 16, ring: true},
}

// causeText is ast_cause2str (main/channel.c:137-190, 613-623) for the causes the attempts use.
var causeText = map[int]string{1: "Unallocated (unassigned) number", 16: "Normal Clearing", 17: "User busy",
	19: "User alerting, no answer", 21: "Call Rejected", 34: "Circuit/channel congestion"}

// AttemptSpec is one dialled call: From (a phone) dials To (a trunk or phone) with Dial(Tech/To).
type AttemptSpec struct {
	Tech     string // "PJSIP" (default) or "SIP"
	From, To string
	Kind     AttemptKind
	// Duration of an answered attempt before it is hung up (0: until Hangup).
	Duration time.Duration
}

// PlaceAttempt sends the events of one dialled attempt. A failed one is over when it returns; an
// answered one is a call (CallID) like StartCall's, up until Hangup or its Duration.
func (s *Server) PlaceAttempt(spec AttemptSpec) (CallID, error) {
	tech := orStr(spec.Tech, "PJSIP")
	f, ok := attemptTable[spec.Kind]
	if !ok {
		f = attemptTable[AttemptBusy]
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.legLocked(tech, spec.From, "")
	if err != nil {
		return 0, err
	}
	b, err := s.legLocked(tech, spec.To, "")
	if err != nil {
		return 0, err
	}
	ca, cb := s.newChannelLocked(a, now), s.newChannelLocked(b, now)
	ca.exten, ca.prio, ca.app, ca.data, ca.pbx, ca.dnid = spec.To, 1, "Dial", tech+"/"+spec.To+",30", true, spec.To
	cb.context, cb.exten, cb.prio, cb.app, cb.data = "internal", "s", 1, "AppDial", "(Outgoing Line)"
	cb.linkedid = ca.uniqueid
	ca.state, cb.state = 0, 0

	fire := func(m msg) { s.fireLocked("call", m) }
	fire(eventOf("Newchannel", ca))
	ca.state = 4 // Ring: the caller's channel runs the dialplan
	fire(eventOf("Newstate", ca))
	fire(eventOf("Newchannel", cb))
	ca.prio = 3
	fire(dialEvent("DialBegin", ca, cb, "", tech+"/"+spec.To))
	if f.ring {
		cb.state = 5
		fire(eventOf("Newstate", cb))
		fire(dialEvent("DialState", ca, cb, "RINGING", ""))
	}
	if spec.Kind == AttemptAnswered {
		cb.state = 6
		fire(eventOf("Newstate", cb))
		fire(dialEvent("DialEnd", ca, cb, "ANSWER", ""))
		ca.state = 6
		fire(eventOf("Newstate", ca))
		bridge := s.st.bridgeID()
		ca.bridge, cb.bridge = bridge, bridge
		ca.connNum, ca.connName, cb.connNum, cb.connName = b.cidNum, b.cidName, a.cidNum, a.cidName
		// The call's Newchannel events are out already: register it as addCallLocked does, without them.
		s.st.nextCall++
		cl := &call{id: s.st.nextCall, channels: []*channel{ca, cb}}
		for _, c := range cl.channels {
			c.call = cl
			s.st.channels = append(s.st.channels, c)
		}
		s.st.calls[cl.id] = cl
		s.st.processed++
		if spec.Duration > 0 {
			id := cl.id
			cl.timer = time.AfterFunc(spec.Duration, func() { s.Hangup(id) })
		}
		return cl.id, nil
	}
	fire(dialEvent("DialEnd", ca, cb, f.dialStatus, ""))
	h := hangupWith(cb, f.cause)
	if tech == "PJSIP" && f.sip != 0 {
		h = append(h, hdr{"TechCause", strconv.Itoa(f.sip)}) // manager_channels.c:645-652
	}
	fire(h)
	// app_dial gives the caller the dialled channel's cause (app_dial.c:1396, 1474, 1483).
	fire(hangupWith(ca, f.cause))
	s.st.processed++
	s.fireLocked("cdr", cdrEvent(ca, cb, f.cdrDisp, now, s.now()))
	return 0, nil
}

func eventOf(name string, c *channel) msg {
	return append(msg{{"Event", name}, {"Privilege", "call,all"}}, channelHeaders(c)...)
}

// dialEvent is DialBegin/DialState/DialEnd: the caller's snapshot, the dialled one's with the Dest
// prefix (manager_channels.c ast_manager_build_channel_state_string_prefix), then DialString (DialBegin)
// or DialStatus.
func dialEvent(name string, caller, dest *channel, status, dialString string) msg {
	m := eventOf(name, caller)
	for _, h := range channelHeaders(dest) {
		m = append(m, hdr{"Dest" + h.k, h.v})
	}
	if name == "DialBegin" {
		return append(m, hdr{"DialString", dialString})
	}
	return append(m, hdr{"DialStatus", status})
}

func hangupWith(c *channel, cause int) msg {
	txt, ok := causeText[cause]
	if !ok {
		txt = "Unknown"
	}
	return append(eventOf("Hangup", c), hdr{"Cause", strconv.Itoa(cause)}, hdr{"Cause-txt", txt})
}

// cdrEvent is cdr_manager.c:313-335's Cdr of the caller → dialled pair.
func cdrEvent(a, b *channel, disp string, start, end time.Time) msg {
	ts := func(t time.Time) string { return t.Format("2006-01-02 15:04:05") }
	return msg{{"Event", "Cdr"}, {"Privilege", "cdr,all"}, {"AccountCode", ""}, {"Source", a.cidNum},
		{"Destination", a.exten}, {"DestinationContext", a.context}, {"CallerID", a.cidNum}, {"Channel", a.name},
		{"DestinationChannel", b.name}, {"LastApplication", "Dial"}, {"LastData", a.data},
		{"StartTime", ts(start)}, {"AnswerTime", ""}, {"EndTime", ts(end)},
		{"Duration", strconv.Itoa(int(end.Sub(start).Seconds()))}, {"BillableSeconds", "0"}, {"Disposition", disp},
		{"AMAFlags", "DOCUMENTATION"}, {"UniqueID", a.uniqueid}, {"UserField", ""}}
}
