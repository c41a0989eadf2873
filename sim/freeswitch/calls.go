package freeswitch

import (
	"fmt"
	"math/rand"
	"strings"
	"time"
)

// CallSpec describes a simulated call.
type CallSpec struct {
	Quality   Quality
	Duration  time.Duration // 0: until HangupCall/HangupAll
	Domain    string        // SIP domain (variable_domain_name, sip hosts); default Config.Domain
	Codec     string        // "PCMU" (default), "PCMA", "G722" or "opus"
	Direction string        // "inbound" (default) or "outbound"; bridged calls are always
	// an inbound A leg bridged to an outbound B leg
	Bridged     bool
	Caller      string // calling number; default random 10xx
	Destination string // called number; default random
	Profile     string // sofia profile; default "internal" for inbound legs, "external" for outbound
	Gateway     string // gateway the outbound leg goes through (counted in its CallsOUT)
	// PDD is the post-dial delay of the outbound leg: its 180 Ringing came PDD after the INVITE (its
	// creation, set back so that the answer is now). 0: no 180, answered at once.
	PDD time.Duration
	// Failure, when set, makes the call one outbound attempt that fails at once (failures.go): the
	// INVITE went out Duration ago (at least PDD); Bridged and Direction are ignored.
	Failure *Failure
}

// CallInfo describes a live simulated call.
type CallInfo struct {
	UUID        string // A leg (the only leg of unbridged calls)
	BLegUUID    string // B leg of bridged calls
	SIPCallID   string
	Direction   string
	Bridged     bool
	Quality     Quality
	Codec       string
	Domain      string
	Caller      string
	Destination string
	Started     time.Time
}

type call struct {
	spec   CallSpec
	a, b   *leg
	ended  bool
	cancel chan struct{}
}

func (c *call) legs() []*leg {
	if c.b != nil {
		return []*leg{c.a, c.b}
	}
	return []*leg{c.a}
}

func (c *call) stopTimers() {
	if !c.ended {
		c.ended = true
		close(c.cancel)
	}
}

var userAgents = []string{
	"Yealink SIP-T46S 66.86.0.15", "PolycomVVX-VVX_450-UA/6.4.3.5018", "Zoiper rv2.10.19.4",
	"Grandstream GXP2170 1.0.11.23", "Linphone/5.2.0 (belle-sip/5.2.0)", "snomD785/10.1.141.13",
}

func randToken(r *rand.Rand, n int) string {
	const a = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[r.Intn(len(a))]
	}
	return string(b)
}

func (s *Server) profileNamed(name string) *profileState {
	for _, p := range s.profiles {
		if p.Name == name {
			return p
		}
	}
	if len(s.profiles) > 0 {
		return s.profiles[len(s.profiles)-1]
	}
	p := &profileState{Profile: Profile{Name: name, IP: "127.0.0.1", Port: 5060, Context: "public", Codecs: "PCMU,PCMA"}}
	s.profiles = append(s.profiles, p)
	return p
}

// newLeg creates a channel. Caller holds s.mu.
func (s *Server) newLeg(c *call, kind legKind, caller, dest, domain string, codec *codecInfo) *leg {
	r := s.rng
	s.sessionID++
	l := &leg{
		call: c, kind: kind, uuid: s.newUUID(), sessionID: s.sessionID,
		caller: caller, dest: dest, domain: domain, codec: codec,
		fromTag: randToken(r, 13), toTag: randToken(r, 13), branch: randToken(r, 13),
		cseq: 100000000 + r.Intn(50000000), remotePort: 5060,
		localMediaPort: 16384 + 2*r.Intn(8192), remoteMediaPort: 10000 + 2*r.Intn(5000),
		sdpLocal: s.now().Unix() - int64(r.Intn(40000)), sdpRemote: s.now().Unix() - int64(r.Intn(40000)),
		created: s.now(),
	}
	l.media.prof = newMediaProfile(r, c.spec.Quality)
	l.media.in = stream{ssrc: r.Uint32(), seqBase: uint32(r.Intn(60000))}
	l.media.out = stream{ssrc: r.Uint32(), seqBase: uint32(r.Intn(60000))}
	prof := c.spec.Profile
	switch kind {
	case kindIn, kindA:
		l.direction = "inbound"
		if prof == "" {
			prof = "internal"
		}
		l.profile = s.profileNamed(prof)
		l.context = l.profile.Context
		l.remoteIP = fmt.Sprintf("198.51.100.%d", 10+r.Intn(240))
		l.userAgent = userAgents[r.Intn(len(userAgents))]
		l.chanName = "sofia/" + l.profile.Name + "/" + caller + "@" + domain
		l.callUUID = l.uuid
		l.sipCallID = s.newUUID()
		l.profile.ibCalls++
	default:
		l.direction = "outbound"
		if prof == "" || kind == kindB {
			prof = "external"
		}
		if c.spec.Gateway != "" {
			if gw := s.gatewayNamed(c.spec.Gateway); gw != nil {
				l.gateway = gw
				prof = gw.Profile
				gw.obCalls++
			}
		}
		l.profile = s.profileNamed(prof)
		l.context = "default"
		if kind == kindB {
			l.context = l.other0Context()
		}
		l.remoteIP = fmt.Sprintf("203.0.113.%d", 10+r.Intn(240))
		l.userAgent = "FreeSWITCH-mod_sofia/" + s.cfg.Version + "~64bit"
		l.chanName = "sofia/" + l.profile.Name + "/" + dest + "@" + domain
		l.callUUID = l.uuid
		l.sipCallID = s.newUUID()
		l.profile.obCalls++
	}
	l.profile.inuse++
	s.legs[l.uuid] = l
	s.legOrder = append(s.legOrder, l)
	s.sessionCreated()
	s.logLine(5, 3, "switch_channel.c", "switch_channel_set_name", 1142, l.uuid, "New Channel "+l.chanName+" ["+l.uuid+"]")
	if l.direction == "inbound" {
		s.logLine(6, 3, "sofia.c", "sofia_handle_sip_i_invite", 10460, l.uuid,
			fmt.Sprintf("%s receiving invite from %s:%d version: %s  64bit call-id: %s", l.chanName, l.remoteIP, l.remotePort, s.cfg.Version, l.sipCallID))
	}
	return l
}

func (l *leg) other0Context() string {
	if l.call != nil && l.call.a != nil {
		return l.call.a.context
	}
	return "public"
}

// StartCall starts a simulated call and returns the UUID of its (A) leg, or "" when it would
// exceed Config.MaxSessions (or the server is closed). The call is answered at once; its events
// go to subscribed clients.
func (s *Server) StartCall(spec CallSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startCallLocked(spec)
}

func (s *Server) startCallLocked(spec CallSpec) string {
	if spec.Failure != nil {
		spec.Bridged, spec.Direction = false, "outbound"
	}
	need := 1
	if spec.Bridged {
		need = 2
	}
	if s.closed || len(s.legs)+need > s.cfg.MaxSessions {
		return ""
	}
	r := s.rng
	if spec.Domain == "" {
		spec.Domain = s.cfg.Domain
	}
	codec := lookupCodec(spec.Codec)
	spec.Codec = codec.name
	if spec.Direction == "" || spec.Bridged {
		if spec.Direction == "" {
			spec.Direction = "inbound"
		}
	}
	if spec.Caller == "" {
		spec.Caller = fmt.Sprintf("10%02d", r.Intn(100))
	}
	if spec.Destination == "" {
		if spec.Direction == "outbound" || spec.Bridged {
			spec.Destination = fmt.Sprintf("1555%07d", r.Intn(10000000))
		} else {
			spec.Destination = fmt.Sprintf("9%03d", r.Intn(1000))
		}
	}
	if spec.Failure != nil {
		return s.failCallLocked(spec, codec)
	}
	c := &call{spec: spec, cancel: make(chan struct{})}
	caller, dest, dom := spec.Caller, spec.Destination, spec.Domain
	switch {
	case spec.Bridged:
		a := s.newLeg(c, kindA, caller, dest, dom, codec)
		c.a = a
		s.fire(s.channelEvent(a, "CHANNEL_CREATE", "create"))
		s.fire(s.callstateEvent(a, "CHANNEL_CREATE", "DOWN", "RINGING", 2, "CS_ROUTING"))
		b := s.newLeg(c, kindB, caller, dest, dom, codec)
		c.b = b
		a.other, b.other = b, a
		b.callUUID = a.uuid
		b.sipCallID = a.sipCallID // both legs of a simulated bridged call share one SIP Call-ID
		b.created = b.created.Add(-spec.PDD)
		s.fire(s.channelEvent(b, "CHANNEL_CREATE", "create"))
		b.answered = s.now()
		s.fire(s.channelEvent(b, "CHANNEL_ANSWER", "answer"))
		s.fire(s.callstateEvent(b, "CHANNEL_ANSWER", "DOWN", "ACTIVE", 4, ""))
		a.answered = s.now()
		s.fire(s.channelEvent(a, "CHANNEL_ANSWER", "answer"))
		s.fire(s.callstateEvent(a, "CHANNEL_ANSWER", "RINGING", "ACTIVE", 4, ""))
		a.bridged, b.bridged = s.now(), s.now()
		s.fire(s.channelEvent(a, "CHANNEL_BRIDGE", "bridge"))
	case spec.Direction == "outbound":
		a := s.newLeg(c, kindOut, caller, dest, dom, codec)
		c.a = a
		a.created = a.created.Add(-spec.PDD)
		s.fire(s.channelEvent(a, "CHANNEL_CREATE", "create"))
		a.answered = s.now()
		s.fire(s.channelEvent(a, "CHANNEL_ANSWER", "answer"))
		s.fire(s.callstateEvent(a, "CHANNEL_ANSWER", "DOWN", "ACTIVE", 4, ""))
	default:
		a := s.newLeg(c, kindIn, caller, dest, dom, codec)
		c.a = a
		s.fire(s.channelEvent(a, "CHANNEL_CREATE", "create"))
		s.fire(s.callstateEvent(a, "CHANNEL_CREATE", "DOWN", "RINGING", 2, "CS_ROUTING"))
		a.answered = s.now()
		s.fire(s.channelEvent(a, "CHANNEL_ANSWER", "answer"))
		s.fire(s.callstateEvent(a, "CHANNEL_ANSWER", "RINGING", "ACTIVE", 4, ""))
	}
	s.calls = append(s.calls, c)
	s.wg.Add(1)
	go s.runCall(s.epochCtx.Done(), c)
	return c.a.uuid
}

// runCall emits the RTCP events of a call and ends it after its duration.
func (s *Server) runCall(epochDone <-chan struct{}, c *call) {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.RTCPInterval)
	defer tick.Stop()
	var end <-chan time.Time
	if c.spec.Duration > 0 {
		t := time.NewTimer(c.spec.Duration)
		defer t.Stop()
		end = t.C
	}
	for {
		select {
		case <-epochDone:
			return
		case <-c.cancel:
			return
		case <-tick.C:
			s.mu.Lock()
			if !c.ended {
				for _, l := range c.legs() {
					send, recv := s.rtcpEvents(l, s.now())
					s.fire(send)
					s.fire(recv)
				}
			}
			s.mu.Unlock()
		case <-end:
			s.mu.Lock()
			if !c.ended {
				s.hangupLocked(c, "NORMAL_CLEARING", false)
			}
			s.mu.Unlock()
			return
		}
	}
}

// hangupLocked ends a call: CHANNEL_HANGUP, CHANNEL_CALLSTATE and CHANNEL_HANGUP_COMPLETE per
// leg (B leg first, then CHANNEL_UNBRIDGE and the A leg, as in call2). local means FreeSWITCH
// hung up (send_bye); otherwise the far end of the (B) leg did.
func (s *Server) hangupLocked(c *call, cause string, local bool) {
	if c.ended {
		return
	}
	c.stopTimers()
	if cause == "" {
		cause = "NORMAL_CLEARING"
	}
	legs := c.legs()
	if c.b != nil {
		legs = []*leg{c.b, c.a}
	}
	for i, l := range legs {
		l.cause = cause
		l.disposition = "send_bye"
		if !local && i == 0 {
			l.disposition = "recv_bye"
		}
		if l.kind == kindA {
			s.fire(s.channelEvent(l, "CHANNEL_UNBRIDGE", "unbridge"))
		}
		l.hungup = s.now()
		l.final = s.finalStats(l, l.hungup)
		s.fire(s.channelEvent(l, "CHANNEL_HANGUP", "hangup"))
		s.fire(s.callstateEvent(l, "CHANNEL_HANGUP", "ACTIVE", "HANGUP", 7, "CS_HANGUP"))
		s.logLine(5, 0, "sofia.c", "sofia_handle_sip_i_state", 8736, l.uuid,
			fmt.Sprintf("Hangup %s [CS_EXECUTE] [%s]", l.chanName, cause))
		s.fire(s.channelEvent(l, "CHANNEL_HANGUP_COMPLETE", "complete"))
		s.logLine(5, 3, "switch_core_session.c", "switch_core_session_thread", 1762, l.uuid,
			fmt.Sprintf("Session %d (%s) Ended", l.sessionID, l.chanName))
		s.logLine(5, 0, "switch_core_session.c", "switch_core_session_thread", 1766, l.uuid,
			fmt.Sprintf("Close Channel %s [CS_DESTROY]", l.chanName))
		s.removeLeg(l)
	}
	for i, x := range s.calls {
		if x == c {
			s.calls = append(s.calls[:i], s.calls[i+1:]...)
			break
		}
	}
}

func (s *Server) removeLeg(l *leg) {
	delete(s.legs, l.uuid)
	for i, x := range s.legOrder {
		if x == l {
			s.legOrder = append(s.legOrder[:i], s.legOrder[i+1:]...)
			break
		}
	}
	l.profile.inuse--
}

// HangupCall hangs up the call one of whose legs is uuid (FreeSWITCH side, like uuid_kill).
// cause defaults to NORMAL_CLEARING. It reports whether such a call existed.
func (s *Server) HangupCall(uuid, cause string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.legs[uuid]
	if !ok {
		return false
	}
	s.hangupLocked(l.call, strings.ToUpper(cause), true)
	return true
}

// HangupAll hangs up every call with cause MANAGER_REQUEST (like hupall) and returns how many.
func (s *Server) HangupAll() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hangupAllLocked("MANAGER_REQUEST")
}

func (s *Server) hangupAllLocked(cause string) int {
	calls := append([]*call(nil), s.calls...)
	for _, c := range calls {
		s.hangupLocked(c, cause, true)
	}
	return len(calls)
}

// Calls lists the live simulated calls, oldest first.
func (s *Server) Calls() []CallInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CallInfo, 0, len(s.calls))
	for _, c := range s.calls {
		ci := CallInfo{
			UUID: c.a.uuid, SIPCallID: c.a.sipCallID, Direction: c.spec.Direction, Bridged: c.b != nil,
			Quality: c.spec.Quality, Codec: c.spec.Codec, Domain: c.spec.Domain, Caller: c.spec.Caller,
			Destination: c.spec.Destination, Started: c.a.created,
		}
		if c.b != nil {
			ci.BLegUUID = c.b.uuid
		}
		out = append(out, ci)
	}
	return out
}
