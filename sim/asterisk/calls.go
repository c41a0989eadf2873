package asterisk

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CallSpec describes a two-party call between two peers of one technology.
type CallSpec struct {
	Tech     string // "SIP" (default) or "PJSIP"
	From, To string // peer or endpoint names
	// FromCodec and ToCodec are the legs' native codecs (default: each
	// peer's first allowed codec). Different codecs make Asterisk transcode.
	FromCodec, ToCodec string
	// Duration hangs the call up after that long (0: until Hangup).
	Duration time.Duration
	// Loss (ratio), Jitter and RTT shape both legs' RTP statistics.
	Loss        float64
	Jitter, RTT time.Duration
}

// ErrUnknownPeer: a call names a peer or endpoint the configuration lacks.
var ErrUnknownPeer = errors.New("asterisk sim: unknown peer")

func parseCallerID(cid string) (name, num string) {
	if i := strings.IndexByte(cid, '<'); i >= 0 {
		name = strings.Trim(strings.TrimSpace(cid[:i]), `"`)
		num = strings.TrimSuffix(cid[i+1:], ">")
		return name, num
	}
	return "", cid
}

type legInfo struct {
	tech, peer, codec, ip, user, context string
	cidName, cidNum                      string
}

func (s *Server) legLocked(tech, peer, codec string) (legInfo, error) {
	l := legInfo{tech: tech, peer: peer, codec: codec}
	switch tech {
	case "SIP":
		p := s.st.sipPeer(peer)
		if p == nil {
			return l, fmt.Errorf("%w: SIP/%s", ErrUnknownPeer, peer)
		}
		l.cidName, l.cidNum = parseCallerID(p.CallerID)
		if l.cidNum == "" {
			l.cidNum = peer
		}
		l.ip, l.user, l.context = p.Host, clipStr(p.Username, 15), orStr(p.Context, "internal")
		if l.codec == "" && len(p.Codecs) > 0 {
			l.codec = p.Codecs[0]
		}
	case "PJSIP":
		e := s.st.endpoint(peer)
		if e == nil {
			return l, fmt.Errorf("%w: PJSIP/%s", ErrUnknownPeer, peer)
		}
		l.cidName, l.cidNum = e.CallerIDName, orStr(e.CallerIDNum, peer)
		l.context = orStr(e.Context, "internal")
		if len(e.Contacts) > 0 {
			if u, err := url.Parse(e.Contacts[0].URI); err == nil {
				host := u.Opaque
				if at := strings.LastIndexByte(host, '@'); at >= 0 {
					host = host[at+1:]
				}
				l.ip, _, _ = strings.Cut(host, ":")
			}
		}
		if l.codec == "" && len(e.Codecs) > 0 {
			l.codec = e.Codecs[0]
		}
	default:
		return l, fmt.Errorf("asterisk sim: technology %q (want SIP or PJSIP)", tech)
	}
	if l.codec == "" {
		l.codec = "ulaw"
	}
	if l.ip == "" {
		l.ip = "127.0.0.1"
	}
	return l, nil
}

func trans(from, to string) string {
	if from == to {
		return ""
	}
	return "(" + from + "@8000)->(" + to + "@8000)"
}

func (s *Server) newChannelLocked(l legInfo, now time.Time) *channel {
	c := &channel{
		tech: l.tech, peer: l.peer, state: 6, created: now, native: l.codec, readFmt: l.codec, writeFmt: l.codec,
		cidNum: l.cidNum, cidName: l.cidName, context: l.context, peerIP: l.ip, userANR: l.user,
	}
	c.name = fmt.Sprintf("%s/%s-%08x", l.tech, l.peer, s.st.nextSeq(l.tech))
	c.uniqueid = s.st.newUniqueID(now)
	c.linkedid = c.uniqueid
	c.callID = s.st.hexID(16)
	c.rtp = &rtpState{ssrc: s.st.rng.Uint32(), remoteSSRC: s.st.rng.Uint32(), localPort: 10000 + 2*s.st.rng.Intn(5000), remotePort: 20000 + 2*s.st.rng.Intn(5000)}
	return c
}

func (s *Server) addCallLocked(channels []*channel, d time.Duration) CallID {
	s.st.nextCall++
	cl := &call{id: s.st.nextCall, channels: channels}
	for _, c := range channels {
		c.call = cl
		s.st.channels = append(s.st.channels, c)
		s.fireLocked("call", newchannelEvent(c))
	}
	s.st.calls[cl.id] = cl
	s.st.processed++
	if d > 0 {
		id := cl.id
		cl.timer = time.AfterFunc(d, func() { s.Hangup(id) })
	}
	return cl.id
}

// StartCall starts a bridged two-party call; it stays up until Hangup or
// its Duration.
func (s *Server) StartCall(spec CallSpec) (CallID, error) {
	tech := orStr(spec.Tech, "SIP")
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.legLocked(tech, spec.From, spec.FromCodec)
	if err != nil {
		return 0, err
	}
	b, err := s.legLocked(tech, spec.To, spec.ToCodec)
	if err != nil {
		return 0, err
	}
	ca, cb := s.newChannelLocked(a, now), s.newChannelLocked(b, now)
	bridge := s.st.bridgeID()
	ca.exten, ca.prio, ca.app, ca.data, ca.pbx, ca.dnid = spec.To, 2, "Dial", tech+"/"+spec.To+",30", true, spec.To
	ca.connNum, ca.connName, ca.lastMsg = b.cidNum, b.cidName, "Rx: ACK"
	cb.context, cb.prio, cb.app, cb.data = "internal", 1, "AppDial", "(Outgoing Line)"
	cb.connNum, cb.connName, cb.lastMsg = a.cidNum, a.cidName, "Tx: ACK"
	cb.linkedid = ca.uniqueid
	for _, p := range [][2]*channel{{ca, cb}, {cb, ca}} {
		me, other := p[0], p[1]
		me.bridge = bridge
		me.writeFmt = other.native
		me.writeTrans = trans(other.native, me.native)
		me.rtp.loss, me.rtp.jitter, me.rtp.rtt = spec.Loss, spec.Jitter.Seconds(), spec.RTT.Seconds()
	}
	return s.addCallLocked([]*channel{ca, cb}, spec.Duration), nil
}

// StartConference puts a peer's call into ConfBridge room; the first member
// creates the room and its announcer channel pair (CBAnn/<room>-…;1/;2).
func (s *Server) StartConference(tech, peer, room string, d time.Duration) (CallID, error) {
	tech = orStr(tech, "SIP")
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.legLocked(tech, peer, "")
	if err != nil {
		return 0, err
	}
	r := s.st.rooms[room]
	if r == nil {
		r = &confRoom{name: room, bridge: s.st.bridgeID(), created: now}
		seq := s.st.nextSeq("CBAnn")
		for i, suffix := range []string{";1", ";2"} {
			a := &channel{name: fmt.Sprintf("CBAnn/%s-%08x%s", room, seq, suffix), tech: "CBAnn", internal: true, state: 6,
				context: "default", exten: "s", prio: 1, created: now, native: "slin", readFmt: "slin", writeFmt: "slin"}
			a.uniqueid = s.st.newUniqueID(now)
			a.linkedid = a.uniqueid
			if i == 1 {
				a.bridge = r.bridge
			}
			r.announce = append(r.announce, a)
			s.st.channels = append(s.st.channels, a)
		}
		s.st.rooms[room] = r
		s.st.roomOrder = append(s.st.roomOrder, room)
	}
	c := s.newChannelLocked(l, now)
	c.exten, c.prio, c.app, c.data, c.pbx, c.dnid, c.bridge = room, 2, "ConfBridge", room, true, room, r.bridge
	c.readFmt, c.writeFmt = "slin", "slin"
	c.readTrans, c.writeTrans = trans(c.native, "slin"), trans("slin", c.native)
	c.lastMsg = "Rx: ACK"
	r.members = append(r.members, c)
	id := s.addCallLocked([]*channel{c}, d)
	s.st.calls[id].conf = room
	return id, nil
}

// StartQueueCall puts a peer's call into an app_queue queue, waiting with
// music on hold.
func (s *Server) StartQueueCall(tech, peer, queue string, d time.Duration) (CallID, error) {
	tech = orStr(tech, "SIP")
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.legLocked(tech, peer, "")
	if err != nil {
		return 0, err
	}
	c := s.newChannelLocked(l, now)
	c.exten, c.prio, c.app, c.data, c.pbx, c.dnid = queue, 2, "Queue", queue, true, queue
	c.writeFmt, c.writeTrans = "slin", trans("slin", c.native)
	c.lastMsg = "Rx: ACK"
	id := s.addCallLocked([]*channel{c}, d)
	s.st.calls[id].queue = queue
	for _, ch := range s.st.calls[id].channels {
		ch.call.queue = queue
	}
	return id, nil
}

// Hangup ends a call (no-op for an unknown or finished one).
func (s *Server) Hangup(id CallID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangupLocked(id)
}

func (s *Server) hangupLocked(id CallID) {
	cl := s.st.calls[id]
	if cl == nil {
		return
	}
	delete(s.st.calls, id)
	if cl.timer != nil {
		cl.timer.Stop()
	}
	for _, c := range cl.channels {
		s.st.removeChannel(c)
		s.fireLocked("call", hangupEvent(c))
	}
	if cl.conf != "" {
		if r := s.st.rooms[cl.conf]; r != nil {
			for i, m := range r.members {
				if m.call == cl {
					r.members = append(r.members[:i], r.members[i+1:]...)
					break
				}
			}
			if len(r.members) == 0 {
				for _, a := range r.announce {
					s.st.removeChannel(a)
				}
				delete(s.st.rooms, cl.conf)
				for i, n := range s.st.roomOrder {
					if n == cl.conf {
						s.st.roomOrder = append(s.st.roomOrder[:i], s.st.roomOrder[i+1:]...)
						break
					}
				}
			}
		}
	}
}

// HangupAll ends every call.
func (s *Server) HangupAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.st.calls {
		s.hangupLocked(id)
	}
}

// Calls returns the calls up now.
func (s *Server) Calls() []CallID {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CallID, 0, len(s.st.calls))
	for id := range s.st.calls {
		out = append(out, id)
	}
	return out
}

// ActiveChannels returns the number of channels up (the CLI's count).
func (s *Server) ActiveChannels() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.channels)
}

// UpdateSIPPeer changes a chan_sip peer in place (status, latency,
// registration…); false if there is no such peer.
func (s *Server) UpdateSIPPeer(name string, fn func(p *SIPPeer)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.sipPeer(name)
	if p == nil {
		return false
	}
	fn(p)
	s.fireLocked("system", msg{{"Event", "PeerStatus"}, {"Privilege", "system,all"}, {"ChannelType", "SIP"},
		{"Peer", "SIP/" + p.Name}, {"PeerStatus", peerStatusEvent(*p)}})
	return true
}

func peerStatusEvent(p SIPPeer) string {
	st := p.Status()
	switch {
	case strings.HasPrefix(st, "OK"):
		return "Reachable"
	case strings.HasPrefix(st, "LAGGED"):
		return "Lagged"
	case st == "UNREACHABLE":
		return "Unreachable"
	}
	return "Unknown"
}

// AddSIPPeer adds (or replaces) a chan_sip peer.
func (s *Server) AddSIPPeer(p SIPPeer) {
	if p.ForceRport == "" {
		p.ForceRport = "No"
	}
	if p.Comedia == "" {
		p.Comedia = "No"
	}
	if p.Codecs == nil {
		p.Codecs = s.cfg.SIPCodecs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.st.sipPeer(p.Name); old != nil {
		*old = p
		return
	}
	s.st.sipPeers = append(s.st.sipPeers, p)
}

// UpdateEndpoint changes a PJSIP endpoint (its contacts…); false if unknown.
func (s *Server) UpdateEndpoint(name string, fn func(e *Endpoint)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.st.endpoint(name)
	if e == nil {
		return false
	}
	fn(e)
	return true
}

// SetRegistrationState sets the state of the chan_sip registration to host
// or of the PJSIP outbound registration named host.
func (s *Server) SetRegistrationState(host, state string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.st.sipRegs {
		if s.st.sipRegs[i].Host == host {
			s.st.sipRegs[i].State = state
			if state == "Registered" {
				s.st.sipRegs[i].RegTime = now
			}
			return true
		}
	}
	for i := range s.st.outRegs {
		if s.st.outRegs[i].Name == host {
			s.st.outRegs[i].Status = state
			s.st.outRegs[i].Expires = now.Add(120 * time.Second)
			return true
		}
	}
	return false
}

// fireLocked sends an event of class to every session that wants it.
func (s *Server) fireLocked(class string, m msg) {
	var b []byte
	for ss := range s.sessions {
		if ss.wantsLocked(class, m) {
			if b == nil {
				b = m.appendTo(nil)
			}
			ss.sendEvent(b)
		}
	}
}

func newchannelEvent(c *channel) msg {
	m := msg{{"Event", "Newchannel"}, {"Privilege", "call,all"}}
	m = append(m, channelHeaders(c)...)
	// A new channel is still Down in its Newchannel event.
	m[3], m[4] = hdr{"ChannelState", "0"}, hdr{"ChannelStateDesc", "Down"}
	return m
}

func hangupEvent(c *channel) msg {
	m := msg{{"Event", "Hangup"}, {"Privilege", "call,all"}}
	m = append(m, channelHeaders(c)...)
	return append(m, hdr{"Cause", "16"}, hdr{"Cause-txt", "Normal Clearing"})
}

// rtcpEvents are the RTCPSent (Asterisk's report on what it receives) and
// RTCPReceived (the remote's report on what Asterisk sends) of a channel.
func rtcpEvents(c *channel, now time.Time) (sent, received msg) {
	r := c.rtp.counters(now.Sub(c.created))
	local := "127.0.0.1:" + strconv.Itoa(c.rtp.localPort)
	remote := c.peerIP + ":" + strconv.Itoa(c.rtp.remotePort)
	ntp := fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
	frac := strconv.Itoa(int(c.rtp.loss*256 + 0.5))
	jit := strconv.Itoa(int(r.RxJitter*rtpClock(c.native) + 0.5))
	block := func(m msg, ssrc uint32, lost uint32) msg {
		return append(m, hdr{"MES", "88.1"}, hdr{"SSRC", fmt.Sprintf("0x%08x", ssrc)}, hdr{"PT", "200(SR)"}, hdr{"ReportCount", "1"},
			hdr{"SentNTP", ntp}, hdr{"SentRTP", strconv.Itoa(int(r.TxCount) * 160)}, hdr{"SentPackets", strconv.Itoa(int(r.TxCount))},
			hdr{"SentOctets", strconv.Itoa(int(r.TxCount) * 160)}, hdr{"Report0SourceSSRC", fmt.Sprintf("0x%08x", ssrc^0x5a5a5a5a)},
			hdr{"Report0FractionLost", frac}, hdr{"Report0CumulativeLost", strconv.Itoa(int(lost))},
			hdr{"Report0HighestSequence", strconv.Itoa(int(r.RxCount+r.RxLost) % 65536)}, hdr{"Report0SequenceNumberCycles", "0"},
			hdr{"Report0IAJitter", jit}, hdr{"Report0LSR", "0"}, hdr{"Report0DLSR", "0.0000"})
	}
	sent = msg{{"Event", "RTCPSent"}, {"Privilege", "reporting,all"}}
	sent = append(sent, channelHeaders(c)...)
	sent = append(sent, hdr{"To", remote}, hdr{"From", local})
	sent = block(sent, c.rtp.ssrc, r.RxLost)
	received = msg{{"Event", "RTCPReceived"}, {"Privilege", "reporting,all"}}
	received = append(received, channelHeaders(c)...)
	received = append(received, hdr{"To", local}, hdr{"From", remote}, hdr{"RTT", fmt.Sprintf("%.4f", r.RTT)})
	received = block(received, c.rtp.remoteSSRC, r.TxLost)
	return sent, received
}

func (s *Server) rtcpLoop(ctx context.Context, every time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.now()
		s.mu.Lock()
		for _, c := range s.st.channels {
			if c.rtp != nil && (c.tech == "SIP" || c.tech == "PJSIP") {
				sent, recv := rtcpEvents(c, now)
				s.fireLocked("reporting", sent)
				s.fireLocked("reporting", recv)
			}
		}
		s.mu.Unlock()
	}
}

// flood queues n RTCPSent events for a made-up channel to every session
// that wants reporting events (FaultFlood).
func (s *Server) flood(n int) {
	now := s.now()
	c := &channel{name: "SIP/flood-00000000", tech: "SIP", peer: "flood", state: 6, created: now.Add(-time.Minute),
		uniqueid: "0.0", linkedid: "0.0", peerIP: "192.0.2.1", rtp: &rtpState{}}
	sent, _ := rtcpEvents(c, now)
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fireLocked("reporting", sent)
	}
}

// rtpClock is the RTP clock rate Asterisk counts RTCP jitter in for a channel's native format
// (ast_rtp_get_rate: the format's sample rate, except G.722's 8000).
func rtpClock(native string) float64 {
	f, _, _ := strings.Cut(native, "|")
	switch f {
	case "opus":
		return 48000
	case "slin16", "speex16", "siren7":
		return 16000
	case "siren14":
		return 32000
	}
	return 8000
}
