package freeswitch

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// legKind selects the captured templates a leg's events are modelled on.
type legKind int

const (
	kindIn  legKind = iota // inbound, not bridged (call3's inbound leg, echo)
	kindOut                // outbound, not bridged (call3's originated leg)
	kindA                  // inbound leg that bridges (call2's A leg)
	kindB                  // outbound leg created by the bridge (call2's B leg)
)

func (k legKind) prefix() string { return [...]string{"in", "out", "a", "b"}[k] }

// leg is one FreeSWITCH channel of a simulated call.
type leg struct {
	call      *call
	kind      legKind
	other     *leg
	uuid      string
	callUUID  string
	sessionID int
	profile   *profileState
	gateway   *gatewayState
	direction string
	chanName  string
	caller    string
	dest      string
	domain    string
	context   string

	remoteIP   string // SIP and media peer
	remotePort int
	userAgent  string
	sipCallID  string
	fromTag    string
	toTag      string
	branch     string
	cseq       int

	localMediaPort  int
	remoteMediaPort int
	sdpLocal        int64
	sdpRemote       int64
	codec           *codecInfo
	media           legMedia

	created, answered, bridged, hungup time.Time
	cause                              string
	disposition                        string
	final                              map[string]string // rtp_audio_* at hangup
}

// tokens maps the party numbers of a leg's templates to the simulated ones.
func (l *leg) tokens() map[string]string {
	switch l.kind {
	case kindIn:
		return map[string]string{"1000": l.caller, "9196": l.dest}
	case kindOut:
		return map[string]string{"1000": l.caller, "9196": l.dest, "9199": l.dest}
	}
	return map[string]string{"1000": l.caller, "2000": l.caller, "9197": l.dest, "9198": l.dest}
}

func (l *leg) tok(v string) string {
	if r, ok := l.tokens()[v]; ok {
		return r
	}
	return v
}

func us(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMicro(), 10)
}

func stamp(t time.Time) string { return t.Format("2006-01-02 15:04:05") }

// hostPort renders host[:port], leaving out the default SIP port.
func hostPort(host string, port int) string {
	if port == 5060 || port == 0 {
		return host
	}
	return host + ":" + strconv.Itoa(port)
}

func (l *leg) profileURL() string {
	return fmt.Sprintf("sip:mod_sofia@%s:%d", l.profile.IP, l.profile.Port)
}

// droppedHeaders are left out of the originate template: they describe the blind transfer the
// captured call went through, which simulated calls do not do.
var droppedHeaders = map[string]bool{
	"Caller-Transfer-Source": true, "Caller-RDNIS": true, "variable_transfer_history": true,
	"variable_transfer_source": true, "variable_pre_transfer_caller_id_number": true,
}

// callerField renders a Caller-* / Other-Leg-* field of leg t as seen from leg l.
func (l *leg) callerField(t *leg, field, tv string) (string, bool) {
	if t == nil {
		return tv, false
	}
	switch field {
	case "Channel-Name":
		return t.chanName, true
	case "Unique-ID":
		return t.uuid, true
	case "Network-Addr":
		if t.kind == kindB && t.other != nil { // the B leg's caller profile is cloned from the A leg
			return t.other.remoteIP, true
		}
		return t.remoteIP, true
	case "Context":
		return t.context, true
	case "Profile-Index":
		return "1", true
	case "Profile-Created-Time", "Channel-Created-Time":
		if tv == "0" {
			return "0", true
		}
		return us(t.created), true
	case "Channel-Answered-Time":
		if tv == "0" {
			return "0", true
		}
		return us(t.answered), true
	case "Channel-Hangup-Time":
		if tv == "0" {
			return "0", true
		}
		return us(t.hungup), true
	case "Channel-Bridged-Time":
		if tv == "0" {
			return "0", true
		}
		return us(t.bridged), true
	case "Username", "Caller-ID-Name", "Caller-ID-Number", "Orig-Caller-ID-Name", "Orig-Caller-ID-Number",
		"Callee-ID-Name", "Callee-ID-Number", "ANI", "Destination-Number":
		return l.tok(tv), true
	}
	return tv, false
}

func replaceTokens(v string, toks map[string]string) string {
	for k, r := range toks {
		v = strings.ReplaceAll(v, k, r)
	}
	return v
}

// legValue returns the value of header `name` (template value tv) of leg l in an event of the
// given phase ("create", "answer", "bridge", "unbridge", "hangup", "complete", "data").
// handled reports whether the value is generated (false: the template value is kept).
func (s *Server) legValue(l *leg, phase, name, tv string) (v string, handled bool) {
	c := l.codec
	o := l.other
	durs := func(unit time.Duration, from, to time.Time) string {
		if from.IsZero() || to.IsZero() {
			return "0"
		}
		return strconv.FormatInt(int64(to.Sub(from)/unit), 10)
	}
	if v, ok := l.outcomeValue(name); ok { // failures.go
		return v, true
	}
	if strings.HasPrefix(name, "Caller-") {
		return l.callerField(l, name[7:], tv)
	}
	if strings.HasPrefix(name, "Other-Leg-") {
		return l.callerField(o, name[10:], tv)
	}
	switch name {
	case "Channel-Name", "variable_channel_name":
		return l.chanName, true
	case "Unique-ID", "variable_uuid":
		return l.uuid, true
	case "Channel-Call-UUID", "variable_call_uuid":
		return l.callUUID, true
	case "Channel-Call-State":
		if phase == "data" && !l.answered.IsZero() {
			return "ACTIVE", true
		}
		return tv, false
	case "Channel-Read-Codec-Name", "Channel-Write-Codec-Name", "variable_rtp_use_codec_name",
		"variable_read_codec", "variable_original_read_codec", "variable_write_codec":
		return c.name, true
	case "Channel-Read-Codec-Rate", "Channel-Write-Codec-Rate", "variable_rtp_use_codec_rate",
		"variable_read_rate", "variable_original_read_rate", "variable_write_rate":
		return strconv.Itoa(c.rate), true
	case "Channel-Read-Codec-Bit-Rate", "Channel-Write-Codec-Bit-Rate":
		return strconv.Itoa(c.bitRate), true
	case "variable_rtp_use_codec_channels":
		return strconv.Itoa(c.channels), true
	case "variable_rtp_audio_recv_pt", "variable_rtp_use_pt":
		return strconv.Itoa(c.pt), true
	case "variable_rtp_last_audio_codec_string":
		return c.lastString(), true
	case "variable_ep_codec_string":
		return c.ep, true
	case "variable_rtp_use_codec_string":
		if strings.Contains(tv, "@") {
			return fmt.Sprintf("%s@%dh@20i", c.name, c.rate), true
		}
		if !strings.Contains(","+strings.ToUpper(l.profile.Codecs)+",", ","+strings.ToUpper(c.name)+",") {
			return strings.ToUpper(c.name) + "," + l.profile.Codecs, true
		}
		return l.profile.Codecs, true
	case "variable_originator_codec":
		return fmt.Sprintf("%s@%dh@20i", c.name, c.rate), true
	case "Hangup-Cause", "variable_hangup_cause":
		return l.cause, true
	case "variable_hangup_cause_q850", "variable_sip_term_cause":
		return strconv.Itoa(q850(l.cause)), true
	case "variable_sip_reason":
		return fmt.Sprintf("Q.850;cause=%d;text=\"%s\"", q850(l.cause), l.cause), true
	case "variable_last_bridge_hangup_cause", "variable_bridge_hangup_cause":
		if o != nil && o.cause != "" {
			return o.cause, true
		}
		return l.cause, true
	case "variable_sip_hangup_disposition":
		return l.disposition, true
	case "variable_session_id":
		return strconv.Itoa(l.sessionID), true
	case "variable_sip_from_user", "variable_sip_from_user_stripped":
		return l.tok(tv), true
	case "variable_sip_from_host", "variable_sip_to_host", "variable_sip_req_host":
		return l.domain, true
	case "variable_sip_from_uri":
		return l.tok(strings.Split(tv, "@")[0]) + "@" + l.domain, true
	case "variable_sip_to_user", "variable_sip_req_user":
		return l.dest, true
	case "variable_sip_to_port", "variable_sip_req_port":
		if l.direction == "inbound" {
			return strconv.Itoa(l.profile.Port), true
		}
		return strconv.Itoa(l.remotePort), true
	case "variable_sip_to_uri", "variable_sip_req_uri":
		if l.direction == "inbound" {
			return l.dest + "@" + hostPort(l.domain, l.profile.Port), true
		}
		return l.dest + "@" + l.domain, true
	case "variable_sip_destination_url":
		return "sip:" + l.dest + "@" + l.domain, true
	case "variable_sip_call_id":
		return l.sipCallID, true
	case "variable_sip_from_tag":
		return l.fromTag, true
	case "variable_sip_to_tag":
		return l.toTag, true
	case "variable_sip_cseq":
		return strconv.Itoa(l.cseq), true
	case "variable_sip_from_display":
		return l.caller, true
	case "variable_sip_full_from":
		v = fmt.Sprintf("<sip:%s@%s>;tag=%s", l.caller, l.domain, l.fromTag)
		if strings.HasPrefix(tv, "\"") {
			v = fmt.Sprintf("\"%s\" %s", l.caller, v)
		}
		return v, true
	case "variable_sip_full_to":
		v = "<sip:" + l.dest + "@" + l.domain + ">"
		if strings.Contains(tv, ";tag=") {
			v += ";tag=" + l.toTag
		}
		return v, true
	case "variable_sip_Remote-Party-ID":
		return fmt.Sprintf("<sip:%s@%s>;party=calling;screen=yes;privacy=off", l.caller, l.domain), true
	case "variable_sip_full_via", "variable_sip_recover_via":
		hp := hostPort(l.remoteIP, l.remotePort)
		return fmt.Sprintf("SIP/2.0/UDP %s;rport=%d;branch=z9hG4bK%s", hp, l.remotePort, l.branch), true
	case "variable_sip_local_network_addr":
		return l.profile.IP, true
	case "variable_sip_network_ip", "variable_sip_received_ip", "variable_sip_via_host",
		"variable_sip_contact_host", "variable_sip_reply_host":
		return l.remoteIP, true
	case "variable_sip_network_port", "variable_sip_received_port", "variable_sip_via_port",
		"variable_sip_via_rport", "variable_sip_contact_port", "variable_sip_reply_port":
		return strconv.Itoa(l.remotePort), true
	case "variable_sip_contact_user":
		if l.direction == "inbound" {
			return l.caller, true
		}
		return l.dest, true
	case "variable_sip_contact_uri":
		u := l.dest
		if l.direction == "inbound" {
			u = l.caller
		}
		return u + "@" + hostPort(l.remoteIP, l.remotePort), true
	case "variable_sip_recover_contact":
		return fmt.Sprintf("<sip:%s@%s:%d;transport=udp>", l.dest, l.remoteIP, l.remotePort), true
	case "variable_sip_invite_stamp":
		return us(l.created), true
	case "variable_sip_user_agent":
		return l.userAgent, true
	case "variable_sofia_profile_name", "variable_recovery_profile_name", "variable_sip_profile_name":
		return l.profile.Name, true
	case "variable_sofia_profile_url":
		return l.profileURL(), true
	case "variable_sip_outgoing_contact_uri":
		return "<" + l.profileURL() + ">", true
	case "variable_rtcp_audio_interval_msec":
		return strconv.Itoa(int(s.cfg.RTCPInterval / time.Millisecond)), true
	case "variable_local_media_ip", "variable_advertised_media_ip":
		return l.profile.IP, true
	case "variable_local_media_port":
		return strconv.Itoa(l.localMediaPort), true
	case "variable_remote_media_ip":
		return l.remoteIP, true
	case "variable_remote_media_port":
		return strconv.Itoa(l.remoteMediaPort), true
	case "variable_rtp_use_ssrc":
		return strconv.FormatUint(uint64(l.media.out.ssrc), 10), true
	case "variable_rtp_local_sdp_str":
		return sdp(l.sdpLocal, l.profile.IP, l.localMediaPort, c), true
	case "variable_switch_r_sdp":
		return sdp(l.sdpRemote, l.remoteIP, l.remoteMediaPort, c), true
	case "variable_switch_m_sdp":
		if o != nil {
			return sdp(o.sdpRemote, o.remoteIP, o.remoteMediaPort, o.codec), true
		}
	case "variable_current_application_data", "variable_last_arg":
		if l.kind == kindA && o != nil {
			return fmt.Sprintf("{fire_rtcp_events=true,rtcp_audio_interval_msec=%d,origination_caller_id_number=%s}%s",
				s.cfg.RTCPInterval/time.Millisecond, o.caller, o.chanName), true
		}
		return tv, false
	case "variable_originate_signal_bond", "variable_signal_bond", "variable_last_bridge_to",
		"variable_bridge_uuid", "variable_bridge_to", "variable_originator", "variable_originating_leg_uuid",
		"Bridge-B-Unique-ID", "Bridge-A-Unique-ID":
		if o == nil {
			return tv, false
		}
		if name == "Bridge-A-Unique-ID" {
			return l.call.a.uuid, true
		}
		if name == "Bridge-B-Unique-ID" {
			return l.call.b.uuid, true
		}
		return o.uuid, true
	case "variable_originated_legs":
		if o != nil {
			return o.uuid + ";Outbound Call;" + o.dest, true
		}
	case "variable_originate_causes":
		if o != nil {
			return o.uuid + ";NONE", true
		}
	case "variable_bridge_channel":
		if o != nil {
			return o.chanName, true
		}
	case "variable_caller_id":
		return replaceTokens(tv, l.tokens()), true
	case "variable_origination_caller_id_number", "variable_last_sent_callee_id_name",
		"variable_last_sent_callee_id_number":
		return l.tok(tv), true

	// times
	case "variable_start_stamp", "variable_profile_start_stamp":
		return stamp(l.created), true
	case "variable_answer_stamp":
		return stamp(l.answered), true
	case "variable_bridge_stamp":
		return stamp(l.bridged), true
	case "variable_end_stamp":
		return stamp(l.hungup), true
	case "variable_start_epoch", "variable_profile_start_epoch":
		return strconv.FormatInt(l.created.Unix(), 10), true
	case "variable_start_uepoch", "variable_profile_start_uepoch":
		return us(l.created), true
	case "variable_answer_epoch":
		return strconv.FormatInt(l.answered.Unix(), 10), true
	case "variable_answer_uepoch":
		return us(l.answered), true
	case "variable_bridge_epoch":
		if tv == "0" || l.bridged.IsZero() {
			return "0", true
		}
		return strconv.FormatInt(l.bridged.Unix(), 10), true
	case "variable_bridge_uepoch":
		if tv == "0" || l.bridged.IsZero() {
			return "0", true
		}
		return us(l.bridged), true
	case "variable_end_epoch":
		return strconv.FormatInt(l.hungup.Unix(), 10), true
	case "variable_end_uepoch":
		return us(l.hungup), true
	case "variable_duration", "variable_flow_billsec":
		return durs(time.Second, l.created, l.hungup), true
	case "variable_billsec":
		return durs(time.Second, l.answered, l.hungup), true
	case "variable_answersec":
		return durs(time.Second, l.created, l.answered), true
	case "variable_mduration", "variable_flow_billmsec":
		return durs(time.Millisecond, l.created, l.hungup), true
	case "variable_billmsec":
		return durs(time.Millisecond, l.answered, l.hungup), true
	case "variable_answermsec":
		return durs(time.Millisecond, l.created, l.answered), true
	case "variable_uduration", "variable_flow_billusec":
		return durs(time.Microsecond, l.created, l.hungup), true
	case "variable_billusec":
		return durs(time.Microsecond, l.answered, l.hungup), true
	case "variable_answerusec":
		return durs(time.Microsecond, l.created, l.answered), true
	case "variable_waitsec", "variable_waitmsec", "variable_waitusec":
		if tv == "0" {
			return "0", true
		}
		unit := map[string]time.Duration{"variable_waitsec": time.Second, "variable_waitmsec": time.Millisecond, "variable_waitusec": time.Microsecond}[name]
		return durs(unit, l.created, l.answered), true
	case "variable_playback_ms":
		return durs(time.Millisecond, l.answered, l.hungup), true
	case "variable_playback_seconds":
		return durs(time.Second, l.answered, l.hungup), true
	case "variable_playback_samples", "variable_playback_last_offset_pos":
		if l.answered.IsZero() || l.hungup.IsZero() {
			return "0", true
		}
		return strconv.FormatInt(int64(l.hungup.Sub(l.answered)/time.Millisecond)*int64(c.rate)/1000, 10), true
	}
	if strings.HasPrefix(name, "variable_rtp_audio_") && l.final != nil {
		if v, ok := l.final[name[9:]]; ok {
			return v, true
		}
	}
	return tv, false
}

// q850 maps a hangup cause name to its Q.850 code as FreeSWITCH reports it.
func q850(cause string) int {
	switch cause {
	case "UNALLOCATED_NUMBER":
		return 1
	case "NO_ROUTE_DESTINATION":
		return 3
	case "USER_BUSY":
		return 17
	case "NO_USER_RESPONSE":
		return 18
	case "NO_ANSWER":
		return 19
	case "CALL_REJECTED":
		return 21
	case "DESTINATION_OUT_OF_ORDER":
		return 27
	case "INVALID_NUMBER_FORMAT":
		return 28
	case "NORMAL_TEMPORARY_FAILURE":
		return 41
	case "SWITCH_CONGESTION":
		return 42
	case "SERVICE_UNAVAILABLE":
		return 63
	case "INCOMPATIBLE_DESTINATION":
		return 88
	case "RECOVERY_ON_TIMER_EXPIRE":
		return 102
	}
	// NORMAL_CLEARING; so do FreeSWITCH's own causes above 127 (ORIGINATOR_CANCEL, MEDIA_TIMEOUT,
	// MANAGER_REQUEST: switch_channel_cause_q850, switch_channel.c:406-413; call1/call3 captures).
	return 16
}

// channelEvent builds an event of a leg from its kind's template ("CHANNEL_ANSWER", ...).
func (s *Server) channelEvent(l *leg, evName, phase string) *event {
	key := l.kind.prefix() + "-" + evName
	file, fn, line := templateCaller(key)
	e := s.newEvent(evName, "", file, fn, line)
	s.addChannelHeaders(e, l, key, phase, nil)
	return e
}

// addChannelHeaders appends the template's headers, regenerated for leg l. keep filters names.
func (s *Server) addChannelHeaders(e *event, l *leg, key, phase string, keep func(string) bool) {
	for _, h := range templateHeaders(key) {
		if droppedHeaders[h.name] || (keep != nil && !keep(h.name)) || l.dropForOutcome(h.name) {
			continue
		}
		v, _ := s.legValue(l, phase, h.name, h.value)
		e.add(h.name, v)
		if h.name == "variable_sip_from_host" {
			e.add("variable_domain_name", l.domain)
		}
	}
	s.addOutcomeHeaders(e, l, phase)
}

// callstateEvent is CHANNEL_CALLSTATE: the channel headers (no variables) of the event that
// changed the call state, preceded by the previous state.
func (s *Server) callstateEvent(l *leg, srcEv, orig, state string, num int, chanState string) *event {
	e := s.newEvent("CHANNEL_CALLSTATE", "", "switch_channel.c", "switch_channel_perform_set_callstate", "301")
	e.add("Original-Channel-Call-State", orig)
	e.add("Channel-Call-State-Number", strconv.Itoa(num))
	s.addChannelHeaders(e, l, l.kind.prefix()+"-"+srcEv, "callstate", func(n string) bool {
		return !strings.HasPrefix(n, "variable_")
	})
	for i := range e.headers {
		switch e.headers[i].name {
		case "Channel-Call-State":
			e.headers[i].value = state
		case "Channel-State":
			if chanState != "" {
				e.headers[i].value = chanState
			}
		}
	}
	return e
}

// dataEvent is the CHANNEL_DATA event of uuid_dump (and the source of uuid_getvar).
func (s *Server) dataEvent(l *leg, preamble bool) *event {
	key := l.kind.prefix() + "-CHANNEL_ANSWER"
	if l.kind == kindA && !l.bridged.IsZero() {
		key = "a-CHANNEL_BRIDGE"
	}
	if l.answered.IsZero() {
		key = l.kind.prefix() + "-CHANNEL_CREATE"
	}
	e := &event{}
	if preamble {
		e = s.newEvent("CHANNEL_DATA", "", "mod_commands.c", "uuid_dump_function", "6468")
	}
	s.addChannelHeaders(e, l, key, "data", func(n string) bool {
		return n != "Bridge-A-Unique-ID" && n != "Bridge-B-Unique-ID"
	})
	return e
}
