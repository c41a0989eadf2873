package asterisk

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// actionClass is the write class an action needs (manager.c registers each
// action with an authority; any one of the listed classes suffices).
var actionClass = map[string][]string{
	"ping": nil, "login": nil, "logoff": nil, "events": nil, "challenge": nil,
	"filter":                         {"system"},
	"corestatus":                     {"system", "reporting"},
	"coresettings":                   {"system", "reporting"},
	"coreshowchannels":               {"system", "reporting"},
	"status":                         {"system", "call", "reporting"},
	"command":                        {"command"},
	"sippeers":                       {"system"},
	"sipshowpeer":                    {"system"},
	"sipshowregistry":                {"system", "reporting"},
	"sipqualifypeer":                 {"system"},
	"pjsipshowendpoints":             {"system"},
	"pjsipshowcontacts":              {"system"},
	"pjsipshowregistrationsoutbound": {"system"},
	"confbridgelistrooms":            {"reporting"},
	"confbridgelist":                 {"reporting"},
	"queuestatus":                    nil,
	"queuesummary":                   nil,
	"originate":                      {"originate"},
	"hangup":                         {"system", "call"},
	"listcommands":                   nil,
}

// major returns the configured Asterisk major version.
func (s *Server) major() int {
	v, _, _ := strings.Cut(s.cfg.Version, ".")
	return atoi(v)
}

// actionLoaded tells whether the module that provides an action is loaded (absent module: unknown action).
func (s *Server) actionLoaded(action string) bool {
	switch {
	case strings.HasPrefix(action, "sip"):
		return s.cfg.ChanSIP
	case strings.HasPrefix(action, "pjsip"):
		return s.cfg.PJSIP
	case strings.HasPrefix(action, "confbridge"):
		return s.cfg.ConfBridge
	case strings.HasPrefix(action, "queue"):
		return s.cfg.Queue
	}
	_, known := actionClass[action]
	return known
}

func errMsg(id, text string) msg {
	return msg{{"Response", "Error"}, {"ActionID", id}, {"Message", text}}
}

func okMsg(id string, extra ...hdr) msg {
	return append(msg{{"Response", "Success"}, {"ActionID", id}}, extra...)
}

func listStart(id, text string) msg {
	return msg{{"Response", "Success"}, {"ActionID", id}, {"EventList", "start"}, {"Message", text}}
}

func listDone(event, id string, n int, extra ...hdr) msg {
	return append(msg{{"Event", event}, {"ActionID", id}, {"EventList", "Complete"}, {"ListItems", strconv.Itoa(n)}}, extra...)
}

// dispatch answers one action; keep is false when the session must end.
func (s *Server) dispatch(ss *session, action, id string, req msg) (reply []msg, keep bool) {
	la := strings.ToLower(action)
	s.mu.Lock()
	user := ss.user
	s.mu.Unlock()
	if la == "login" {
		return s.login(ss, id, req)
	}
	if user == nil {
		return []msg{errMsg(id, "Permission denied")}, true
	}
	if reply, ok := s.dahdiDispatch(la, id); ok { // chan_dahdi, when loaded (dahdi.go)
		return reply, true
	}
	if !s.actionLoaded(la) {
		return []msg{errMsg(id, "Invalid/unknown command: "+action+". Use Action: ListCommands to show available commands.")}, true
	}
	if classes := actionClass[la]; classes != nil {
		ok := false
		for _, c := range classes {
			if hasClass(user.Write, c) {
				ok = true
			}
		}
		if !ok {
			return []msg{errMsg(id, "Permission denied")}, true
		}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	switch la {
	case "logoff":
		return []msg{{{"Response", "Goodbye"}, {"ActionID", id}, {"Message", "Thanks for all the fish."}}}, false
	case "ping":
		return []msg{okMsg(id, hdr{"Ping", "Pong"}, hdr{"Timestamp", fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)})}, true
	case "events":
		return []msg{s.eventsAction(ss, id, req.get("EventMask"))}, true
	case "filter":
		f := req.get("Filter")
		black := strings.HasPrefix(f, "!")
		re, err := regexp.Compile(strings.TrimPrefix(f, "!"))
		if strings.ToLower(req.get("Operation")) != "add" || err != nil {
			return []msg{errMsg(id, "Filter Operation Not Supported")}, true
		}
		ss.filters = append(ss.filters, filter{re: re, black: black})
		return []msg{okMsg(id, hdr{"Message", "Success"})}, true
	case "corestatus":
		start, reload := st.startedAt.Local(), st.reloaded.Local()
		m := okMsg(id,
			hdr{"CoreStartupDate", start.Format("2006-01-02")}, hdr{"CoreStartupTime", start.Format("15:04:05")},
			hdr{"CoreReloadDate", reload.Format("2006-01-02")}, hdr{"CoreReloadTime", reload.Format("15:04:05")},
			hdr{"CoreCurrentCalls", strconv.Itoa(len(st.channels))})
		if s.major() >= 20 { // CoreProcessedCalls arrived in Asterisk 20
			m = append(m, hdr{"CoreProcessedCalls", strconv.Itoa(st.processed)})
		}
		return []msg{m}, true
	case "coresettings":
		return []msg{okMsg(id, hdr{"AMIversion", s.cfg.AMIVersion}, hdr{"AsteriskVersion", s.cfg.Version}, hdr{"SystemName", ""},
			hdr{"CoreMaxCalls", strconv.Itoa(s.cfg.MaxCalls)}, hdr{"CoreMaxLoadAvg", "0.000000"}, hdr{"CoreRunUser", "root"},
			hdr{"CoreRunGroup", "root"}, hdr{"CoreMaxFilehandles", "0"}, hdr{"CoreRealTimeEnabled", "No"},
			hdr{"CoreCDRenabled", "Yes"}, hdr{"CoreHTTPenabled", "No"}, hdr{"SoundsSearchCustomDir", "No"})}, true
	case "coreshowchannels":
		return s.coreShowChannels(id, now), true
	case "status":
		return s.statusAction(id, now), true
	case "command":
		return []msg{s.commandAction(id, req.get("Command"), now)}, true
	case "sippeers":
		return s.sipPeersAction(id), true
	case "sipshowpeer":
		return []msg{s.sipShowPeerAction(id, req.get("Peer"))}, true
	case "sipshowregistry":
		return s.sipRegistryAction(id), true
	case "sipqualifypeer":
		if st.sipPeer(req.get("Peer")) == nil {
			return []msg{errMsg(id, "Peer not found")}, true
		}
		return []msg{okMsg(id, hdr{"Message", "SIP peer found - will qualify"})}, true
	case "pjsipshowendpoints":
		return s.pjsipEndpointsAction(id), true
	case "pjsipshowcontacts":
		return s.pjsipContactsAction(id, now), true
	case "pjsipshowregistrationsoutbound":
		return s.pjsipRegistrationsAction(id), true
	case "confbridgelistrooms":
		return s.confbridgeRoomsAction(id), true
	case "confbridgelist":
		return s.confbridgeListAction(id, req.get("Conference"), now), true
	case "queuestatus":
		return s.queueStatusAction(id, req.get("Queue"), now), true
	case "queuesummary":
		return s.queueSummaryAction(id, now), true
	case "listcommands":
		return []msg{okMsg(id, hdr{"Ping", "Keepalive command.  (Priv: <none>)"})}, true
	case "originate", "hangup":
		return []msg{errMsg(id, "Not supported by the simulator")}, true
	}
	return []msg{errMsg(id, "Invalid/unknown command: "+action+". Use Action: ListCommands to show available commands.")}, true
}

func (s *Server) login(ss *session, id string, req msg) ([]msg, bool) {
	name, secret := req.get("Username"), req.get("Secret")
	var user *User
	for i := range s.cfg.Users {
		if s.cfg.Users[i].Name == name && s.cfg.Users[i].Secret == secret {
			user = &s.cfg.Users[i]
		}
	}
	if user == nil {
		if d := s.cfg.LoginFailDelay; d > 0 {
			select {
			case <-time.After(d):
			case <-ss.done:
			}
		}
		return []msg{errMsg(id, "Authentication failed")}, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss.user = user
	ss.eventsOn, ss.mask = true, nil
	if ev, ok := lookup(req, "Events"); ok {
		s.setMaskLocked(ss, ev)
	}
	reply := []msg{okMsg(id, hdr{"Message", "Authentication accepted"})}
	fb := msg{{"Event", "FullyBooted"}, {"Privilege", "system,all"},
		{"Uptime", strconv.Itoa(int(now.Sub(s.st.startedAt).Seconds()))},
		{"LastReload", strconv.Itoa(int(now.Sub(s.st.reloaded).Seconds()))}, {"Status", "Fully Booted"}}
	if ss.wantsLocked("system", fb) {
		reply = append(reply, fb)
	}
	return reply, true
}

func lookup(m msg, k string) (string, bool) {
	for _, h := range m {
		if strings.EqualFold(h.k, k) {
			return h.v, true
		}
	}
	return "", false
}

func (s *Server) setMaskLocked(ss *session, mask string) {
	switch strings.ToLower(strings.TrimSpace(mask)) {
	case "on", "yes", "true", "1", "all":
		ss.eventsOn, ss.mask = true, nil
	case "off", "no", "false", "0", "":
		ss.eventsOn, ss.mask = false, nil
	default:
		ss.eventsOn, ss.mask = true, strings.Split(mask, ",")
	}
}

func (s *Server) eventsAction(ss *session, id, mask string) msg {
	s.setMaskLocked(ss, mask)
	v := "Off"
	if ss.eventsOn {
		v = "On"
	}
	return okMsg(id, hdr{"Events", v})
}

// channelHeaders are the standard channel snapshot fields of AMI events.
func channelHeaders(c *channel) msg {
	return msg{{"Channel", c.name}, {"ChannelState", strconv.Itoa(c.state)}, {"ChannelStateDesc", stateDesc(c.state)},
		{"CallerIDNum", orUnknown(c.cidNum)}, {"CallerIDName", orUnknown(c.cidName)},
		{"ConnectedLineNum", orUnknown(c.connNum)}, {"ConnectedLineName", orUnknown(c.connName)},
		{"Language", "en"}, {"AccountCode", ""}, {"Context", c.context}, {"Exten", c.exten},
		{"Priority", strconv.Itoa(c.prio)}, {"Uniqueid", c.uniqueid}, {"Linkedid", c.linkedid}}
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

func hms(d time.Duration) string {
	n := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", n/3600, n%3600/60, n%60)
}

func (s *Server) coreShowChannels(id string, now time.Time) []msg {
	out := []msg{listStart(id, "Channels will follow")}
	n := 0
	for _, c := range s.st.channels {
		if !c.isAMIVisible() {
			continue
		}
		m := msg{{"Event", "CoreShowChannel"}, {"ActionID", id}}
		m = append(m, channelHeaders(c)...)
		m = append(m, hdr{"Application", c.app}, hdr{"ApplicationData", c.data},
			hdr{"Duration", hms(now.Sub(c.created))}, hdr{"BridgeId", c.bridge})
		out = append(out, m)
		n++
	}
	return append(out, listDone("CoreShowChannelsComplete", id, n))
}

func (s *Server) statusAction(id string, now time.Time) []msg {
	out := []msg{listStart(id, "Channel status will follow")}
	n := 0
	for _, c := range s.st.channels {
		if !c.isAMIVisible() {
			continue
		}
		m := msg{{"Event", "Status"}, {"Privilege", "Call"}}
		m = append(m, channelHeaders(c)...)
		m = append(m, hdr{"Type", c.tech}, hdr{"DNID", c.dnid},
			hdr{"EffectiveConnectedLineNum", orUnknown(c.connNum)}, hdr{"EffectiveConnectedLineName", orUnknown(c.connName)},
			hdr{"TimeToHangup", "0"}, hdr{"BridgeID", c.bridge}, hdr{"Application", c.app}, hdr{"Data", c.data},
			hdr{"Nativeformats", "(" + c.native + ")"}, hdr{"Readformat", c.readFmt}, hdr{"Readtrans", c.readTrans},
			hdr{"Writeformat", c.writeFmt}, hdr{"Writetrans", c.writeTrans}, hdr{"Callgroup", "0"}, hdr{"Pickupgroup", "0"},
			hdr{"Seconds", strconv.Itoa(int(now.Sub(c.created).Seconds()))}, hdr{"ActionID", id})
		out = append(out, m)
		n++
	}
	return append(out, listDone("StatusComplete", id, n, hdr{"Items", strconv.Itoa(n)}))
}

func (s *Server) commandAction(id, cmd string, now time.Time) msg {
	out, ok := s.cliLocked(cmd, now, false)
	if s.cfg.LegacyCommand {
		// Asterisk ≤13: raw output between the headers and --END COMMAND--.
		return msg{{"Response", "Follows"}, {"Privilege", "Command"}, {"ActionID", id}, {"\x00raw", out}}
	}
	resp := "Success"
	if !ok {
		resp = "Error"
	}
	m := msg{{"Response", resp}, {"ActionID", id}, {"Message", "Command output follows"}}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range lines {
		m = append(m, hdr{"Output", l})
	}
	return m
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (s *Server) sipPeersAction(id string) []msg {
	out := []msg{listStart(id, "Peer status list will follow")}
	peers := s.st.sortedSIPPeers()
	for _, p := range peers {
		ip, port := "-none-", "0"
		if p.Host != "" {
			ip, port = p.Host, strconv.Itoa(p.Port)
		}
		out = append(out, msg{{"Event", "PeerEntry"}, {"ActionID", id}, {"Channeltype", "SIP"}, {"ObjectName", p.Name},
			{"ChanObjectType", "peer"}, {"IPaddress", ip}, {"IPport", port}, {"Dynamic", yesno(p.Dynamic)},
			{"AutoForcerport", yesno(strings.HasPrefix(p.ForceRport, "Auto"))}, {"Forcerport", yesno(p.ForceRport == "Yes")},
			{"AutoComedia", yesno(strings.HasPrefix(p.Comedia, "Auto"))}, {"Comedia", yesno(p.Comedia == "Yes")},
			{"VideoSupport", "no"}, {"TextSupport", "no"}, {"ACL", yesno(p.ACL)}, {"Status", p.Status()},
			{"RealtimeDevice", "no"}, {"Description", p.Description}, {"Accountcode", ""}})
	}
	return append(out, listDone("PeerlistComplete", id, len(peers)))
}

func (s *Server) sipShowPeerAction(id, name string) msg {
	p := s.st.sipPeer(name)
	if p == nil {
		return errMsg(id, "Peer "+name+" not found.")
	}
	dyn, ip, port := "N", "(null)", "0"
	if p.Dynamic {
		dyn = "Y"
	}
	if p.Host != "" {
		ip, port = p.Host, strconv.Itoa(p.Port)
	}
	return okMsg(id, hdr{"Channeltype", "SIP"}, hdr{"ObjectName", p.Name}, hdr{"ChanObjectType", "peer"},
		hdr{"Context", p.Context}, hdr{"Dynamic", dyn}, hdr{"Callerid", p.CallerID},
		hdr{"Address-IP", ip}, hdr{"Address-Port", port}, hdr{"Default-Username", p.Username},
		hdr{"Codecs", "(" + strings.Join(p.Codecs, "|") + ")"}, hdr{"Status", p.Status()},
		hdr{"SIP-Useragent", p.UserAgent}, hdr{"QualifyFreq", "15000 ms"}, hdr{"Description", p.Description})
}

func (s *Server) sipRegistryAction(id string) []msg {
	out := []msg{listStart(id, "Registrations will follow")}
	for _, r := range s.st.sipRegs {
		regtime := "0"
		if !r.RegTime.IsZero() {
			regtime = strconv.FormatInt(r.RegTime.Unix(), 10)
		}
		out = append(out, msg{{"Event", "RegistryEntry"}, {"ActionID", id}, {"Host", r.Host}, {"Port", strconv.Itoa(r.Port)},
			{"Username", r.Username}, {"Domain", r.Domain}, {"DomainPort", strconv.Itoa(r.DomainPort)},
			{"Refresh", strconv.Itoa(r.Refresh)}, {"State", r.State}, {"RegistrationTime", regtime}})
	}
	return append(out, listDone("RegistrationsComplete", id, len(s.st.sipRegs)))
}

func (s *Server) pjsipEndpointsAction(id string) []msg {
	if len(s.st.endpoints) == 0 {
		return []msg{errMsg(id, "No endpoints found\n")}
	}
	out := []msg{listStart(id, "A listing of Endpoints follows, presented as EndpointList events")}
	for i := range s.st.endpoints {
		e := &s.st.endpoints[i]
		var contacts strings.Builder
		for _, c := range e.Contacts {
			contacts.WriteString(e.Aor + "/" + c.URI + ",")
		}
		out = append(out, msg{{"Event", "EndpointList"}, {"ActionID", id}, {"ObjectType", "endpoint"}, {"ObjectName", e.Name},
			{"Transport", e.Transport}, {"Aor", e.Aor}, {"Auths", e.InboundAuth}, {"OutboundAuths", e.OutboundAuth},
			{"Contacts", contacts.String()}, {"DeviceState", s.st.endpointState(e)},
			{"ActiveChannels", strconv.Itoa(s.st.channelsOf("PJSIP", e.Name))}})
	}
	return append(out, listDone("EndpointListComplete", id, len(s.st.endpoints)))
}

var contactStatusAMI = map[string]string{"Avail": "Reachable", "Unavail": "Unreachable", "NonQual": "NonQualified", "Unknown": "Unknown"}

func (s *Server) pjsipContactsAction(id string, now time.Time) []msg {
	var items []msg
	for _, e := range s.st.endpoints {
		for _, c := range e.Contacts {
			if c.Static {
				continue
			}
			rtt := "N/A"
			if c.Status == "Avail" {
				rtt = strconv.FormatInt(c.RTT.Microseconds(), 10)
			}
			items = append(items, msg{{"Event", "ContactList"}, {"ActionID", id}, {"ObjectType", "contact"},
				{"ObjectName", e.Aor + ";@" + c.Hash}, {"ViaAddr", c.ViaAddr}, {"QualifyTimeout", "3.000000"},
				{"Qualify2xxOnly", "false"}, {"CallId", c.CallID}, {"RegServer", ""}, {"PruneOnBoot", "no"}, {"Path", ""},
				{"Endpoint", e.Name}, {"ViaPort", strconv.Itoa(c.ViaPort)}, {"AuthenticateQualify", "no"}, {"Uri", c.URI},
				{"QualifyFrequency", "15"}, {"UserAgent", c.UserAgent}, {"ExpirationTime", strconv.FormatInt(c.Expires.Unix(), 10)},
				{"OutboundProxy", ""}, {"Status", contactStatusAMI[c.Status]}, {"RoundtripUsec", rtt}})
		}
	}
	if len(items) == 0 {
		return []msg{errMsg(id, "No Contacts found\n")}
	}
	out := append([]msg{listStart(id, "A listing of Contacts follows, presented as ContactList events")}, items...)
	return append(out, listDone("ContactListComplete", id, len(items)))
}

func (s *Server) pjsipRegistrationsAction(id string) []msg {
	out := []msg{listStart(id, "Following are Events for each Outbound registration")}
	reg, notReg := 0, 0
	for _, r := range s.st.outRegs {
		if r.Status == "Registered" {
			reg++
		} else {
			notReg++
		}
		out = append(out, msg{{"Event", "OutboundRegistrationDetail"}, {"ActionID", id}, {"ObjectType", "registration"},
			{"ObjectName", r.Name}, {"MaxRetries", strconv.Itoa(max(r.Retries, 10))}, {"ClientUri", r.ClientURI},
			{"SecurityNegotiation", "no"}, {"AuthRejectionPermanent", "true"}, {"ServerUri", r.ServerURI},
			{"MaxRandomInitialDelay", "10"}, {"SupportPath", "false"}, {"RetryInterval", "20"}, {"ContactHeaderParams", ""},
			{"Expiration", "120"}, {"Transport", "transport-udp"}, {"Line", "false"}, {"ContactUser", ""}, {"Endpoint", ""},
			{"ForbiddenRetryInterval", "0"}, {"OutboundAuth", r.Auth}, {"OutboundProxy", ""}, {"FatalRetryInterval", "0"},
			{"SupportOutbound", "no"}, {"Status", r.Status}, {"NextReg", "0"}})
		if r.Auth != "" {
			user := ""
			for _, e := range s.st.endpoints {
				if e.OutboundAuth == r.Auth {
					user = e.AuthUser
				}
			}
			out = append(out, msg{{"Event", "AuthDetail"}, {"ActionID", id}, {"ObjectType", "auth"}, {"ObjectName", r.Auth},
				{"OauthSecret", ""}, {"PasswordDigest", ""}, {"SupportedAlgorithmsUas", "MD5"}, {"RefreshToken", ""},
				{"Username", user}, {"Md5Cred", ""}, {"Realm", ""}, {"AuthType", "userpass"}, {"Password", "<hidden by the simulator>"},
				{"SupportedAlgorithmsUac", "MD5"}, {"NonceLifetime", "32"}, {"OauthClientid", ""}})
		}
	}
	return append(out, listDone("OutboundRegistrationDetailComplete", id, len(s.st.outRegs),
		hdr{"Registered", strconv.Itoa(reg)}, hdr{"NotRegistered", strconv.Itoa(notReg)}))
}

func (s *Server) confbridgeRoomsAction(id string) []msg {
	if len(s.st.roomOrder) == 0 {
		return []msg{errMsg(id, "No active conferences.")}
	}
	out := []msg{listStart(id, "Confbridge conferences will follow")}
	for _, name := range s.st.roomOrder {
		r := s.st.rooms[name]
		out = append(out, msg{{"Event", "ConfbridgeListRooms"}, {"ActionID", id}, {"Conference", r.name},
			{"Parties", strconv.Itoa(len(r.members))}, {"Marked", "0"}, {"Locked", "No"}, {"Muted", "No"}})
	}
	return append(out, listDone("ConfbridgeListRoomsComplete", id, len(s.st.roomOrder)))
}

func (s *Server) confbridgeListAction(id, conf string, now time.Time) []msg {
	r := s.st.rooms[conf]
	if r == nil {
		return []msg{errMsg(id, "No active conferences.")}
	}
	out := []msg{listStart(id, "Confbridge user list will follow")}
	for _, c := range r.members {
		m := msg{{"Event", "ConfbridgeList"}, {"ActionID", id}, {"Conference", r.name}, {"Admin", "No"}, {"MarkedUser", "No"},
			{"WaitMarked", "No"}, {"EndMarked", "No"}, {"EndMarkedAny", "No"}, {"Waiting", "No"}, {"Muted", "No"},
			{"Talking", "No"}, {"AnsweredTime", strconv.Itoa(int(now.Sub(c.created).Seconds()))}}
		out = append(out, append(m, channelHeaders(c)...))
	}
	return append(out, listDone("ConfbridgeListComplete", id, len(r.members)))
}

func (s *Server) queueCallers(q string) []*channel {
	var out []*channel
	for _, c := range s.st.channels {
		if c.call != nil && c.call.queue == q && !c.internal {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) queueStatusAction(id, only string, now time.Time) []msg {
	out := []msg{listStart(id, "Queue status will follow")}
	n := 0
	for _, q := range s.st.queues {
		if only != "" && q.Name != only {
			continue
		}
		callers := s.queueCallers(q.Name)
		out = append(out, msg{{"Event", "QueueParams"}, {"Queue", q.Name}, {"Max", "0"}, {"Strategy", q.Strategy},
			{"Calls", strconv.Itoa(len(callers))}, {"Holdtime", "0"}, {"TalkTime", "0"}, {"Completed", "0"}, {"Abandoned", "0"},
			{"ServiceLevel", "0"}, {"ServicelevelPerf", "0.0"}, {"ServicelevelPerf2", "0.0"}, {"Weight", "0"}, {"ActionID", id}})
		n++
		for _, m := range q.Members {
			lastPause := "0"
			paused := "0"
			if m.Paused {
				paused, lastPause = "1", strconv.FormatInt(m.LoginTime.Unix(), 10)
			}
			membership := "static"
			if m.Dynamic {
				membership = "dynamic"
			}
			out = append(out, msg{{"Event", "QueueMember"}, {"Queue", q.Name}, {"Name", m.Name}, {"Location", m.Interface},
				{"StateInterface", m.Interface}, {"Membership", membership}, {"Penalty", "0"}, {"CallsTaken", "0"},
				{"LastCall", "0"}, {"LastPause", lastPause}, {"LoginTime", strconv.FormatInt(m.LoginTime.Unix(), 10)},
				{"InCall", "0"}, {"Status", strconv.Itoa(m.Status)}, {"Paused", paused}, {"PausedReason", ""},
				{"Wrapuptime", "0"}, {"ActionID", id}})
			n++
		}
		for i, c := range callers {
			out = append(out, msg{{"Event", "QueueEntry"}, {"Queue", q.Name}, {"Position", strconv.Itoa(i + 1)},
				{"Channel", c.name}, {"Uniqueid", c.uniqueid}, {"CallerIDNum", c.cidNum}, {"CallerIDName", c.cidName},
				{"ConnectedLineNum", "unknown"}, {"ConnectedLineName", "unknown"},
				{"Wait", strconv.Itoa(int(now.Sub(c.created).Seconds()))}, {"Priority", "0"}, {"ActionID", id}})
			n++
		}
	}
	return append(out, listDone("QueueStatusComplete", id, n))
}

func (s *Server) queueSummaryAction(id string, now time.Time) []msg {
	out := []msg{listStart(id, "Queue summary will follow")}
	for _, q := range s.st.queues {
		callers := s.queueCallers(q.Name)
		loggedIn, avail := 0, 0
		for _, m := range q.Members {
			if m.Status != 5 {
				loggedIn++
				if !m.Paused && m.Status == 1 {
					avail++
				}
			}
		}
		longest := 0
		for _, c := range callers {
			longest = max(longest, int(now.Sub(c.created).Seconds()))
		}
		out = append(out, msg{{"Event", "QueueSummary"}, {"Queue", q.Name}, {"LoggedIn", strconv.Itoa(loggedIn)},
			{"Available", strconv.Itoa(avail)}, {"Callers", strconv.Itoa(len(callers))}, {"HoldTime", "0"},
			{"TalkTime", "0"}, {"LongestHoldTime", strconv.Itoa(longest)}, {"ActionID", id}})
	}
	return append(out, listDone("QueueSummaryComplete", id, len(s.st.queues)))
}
