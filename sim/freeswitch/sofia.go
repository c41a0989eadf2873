package freeswitch

import (
	"fmt"
	"strings"
	"time"
)

type profileState struct {
	Profile
	inuse                              int
	ibCalls, obCalls, ibFailed, obFail int
}

func (p *profileState) url() string { return fmt.Sprintf("sip:mod_sofia@%s:%d", p.IP, p.Port) }

type gatewayState struct {
	Gateway
	state    string
	down     bool // status DOWN
	upSince  time.Time
	ping     int64 // epoch of the last OPTIONS ping
	pingTime float64
	retryAt  time.Time
	ibCalls  int
	obCalls  int
	ibFailed int
	obFailed int
}

func (g *gatewayState) registerTo() string { return "sip:" + g.Username + "@" + g.Proxy }
func (g *gatewayState) from() string       { return "<sip:" + g.Username + "@" + g.Realm + ">" }

func (s *Server) gatewayNamed(name string) *gatewayState {
	for _, g := range s.gateways {
		if g.Name == name {
			return g
		}
	}
	return nil
}

func (s *Server) gatewayContact(g *gatewayState) string {
	p := s.profileNamed(g.Profile)
	return fmt.Sprintf("<sip:gw+%s@%s:%d;transport=udp;gw=%s>", g.Name, p.IP, p.Port, g.Name)
}

func (g *gatewayState) failing() bool {
	return g.state == GatewayFailed || g.state == GatewayFailWait || g.state == GatewayTrying
}

func (s *Server) retrySuffix(g *gatewayState, format string) string {
	if !g.failing() {
		return ""
	}
	left := int(g.retryAt.Sub(s.now()).Seconds())
	if left < 0 {
		return fmt.Sprintf(format, "NEVER")
	}
	return fmt.Sprintf(format, fmt.Sprintf("%ds", left))
}

// SetGatewayState changes a gateway's registration state (REGED, FAIL_WAIT, NOREG, ...), firing
// the sofia::gateway_state events FreeSWITCH fires. It reports whether the gateway exists.
func (s *Server) SetGatewayState(name, state string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gatewayNamed(name)
	if g == nil {
		return false
	}
	s.setGatewayStateLocked(g, strings.ToUpper(state))
	return true
}

func (s *Server) setGatewayStateLocked(g *gatewayState, state string) {
	now := s.now()
	switch state {
	case GatewayReged, GatewayNoreg:
		if g.down || g.failing() {
			if state == GatewayReged {
				s.fireGatewayState(g, GatewayRegister, "UP", "OK", "200")
			}
			g.upSince = now
			g.ping = now.Unix()
			g.pingTime = 0.5 + s.rng.Float64()
		}
		g.down = false
	case GatewayFailWait, GatewayFailed, GatewayDown, GatewayTimeout:
		g.down = true
		g.retryAt = now.Add(30 * time.Second)
		g.pingTime = 0
	}
	g.state = state
	if state == GatewayFailWait || state == GatewayFailed {
		s.fireGatewayState(g, state, "DOWN", "Request Timeout", "408")
	} else {
		ping := "UP"
		if g.down {
			ping = "DOWN"
		}
		s.fireGatewayState(g, state, ping, "", "")
	}
}

func (s *Server) fireGatewayState(g *gatewayState, state, ping, phrase, status string) {
	e := s.newEvent("CUSTOM", "sofia::gateway_state", "sofia_reg.c", "sofia_reg_fire_custom_gateway_state_event", "156")
	e.add("Gateway", g.Name)
	e.add("State", state)
	e.add("Ping-Status", ping)
	host, port, _ := strings.Cut(g.Proxy, ":")
	if port == "" {
		port = "5060"
	}
	e.add("Register-Network-IP", host)
	e.add("Register-Network-Port", port)
	if phrase != "" {
		e.add("Phrase", phrase)
		e.add("Status", status)
	}
	s.fire(e)
}

// gatewayTick refreshes pings and FAIL_WAIT retry countdowns. Caller holds s.mu.
func (s *Server) gatewayTick(now time.Time) {
	for _, g := range s.gateways {
		if g.down {
			if now.After(g.retryAt) {
				g.retryAt = now.Add(30 * time.Second)
			}
			continue
		}
		if now.Unix()-g.ping >= 20 {
			g.ping = now.Unix()
			g.pingTime = 0.3 + s.rng.Float64()*2.2
		}
	}
}

const sofiaLine = "================================================================================================="

func (s *Server) sofiaAPI(arg string) string {
	argv := strings.Fields(arg)
	if len(argv) == 0 {
		return "USAGE:\n--------------------------------------------------------------------------------\n" +
			"sofia global siptrace <on|off>\nsofia        capture  <on|off>\n                watchdog <on|off>\n\n" +
			"sofia <status|xmlstatus> [(profile|gateway) <name>] [reg]\n" +
			"--------------------------------------------------------------------------------\n"
	}
	switch strings.ToLower(argv[0]) {
	case "status":
		return s.sofiaStatus(argv[1:])
	case "xmlstatus":
		return s.sofiaXMLStatus(argv[1:])
	case "help":
		return s.sofiaAPI("")
	}
	return "Unknown Command [" + argv[0] + "]\n"
}

func (s *Server) sofiaStatus(argv []string) string {
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	now := s.now()
	if len(argv) == 1 {
		w("%25s\t%32s\t%s\t%9s\t%s\t%s\n", "Profile::Gateway-Name", "    Data    ", "State", "Ping Time", "IB Calls(F/T)", "OB Calls(F/T)")
		w("%s\n", sofiaLine)
		var ib, ibf, ob, obf int
		for _, p := range s.profiles {
			for _, g := range s.gateways {
				if g.Profile != p.Name {
					continue
				}
				ib, ibf, ob, obf = ib+g.ibCalls, ibf+g.ibFailed, ob+g.obCalls, obf+g.obFailed
				w("%25s\t%32s\t%s\t%6.2f\t%d/%d\t%d/%d%s\n", p.Name+"::"+g.Name, g.registerTo(), g.state, g.pingTime,
					g.ibFailed, g.ibCalls, g.obFailed, g.obCalls, s.retrySuffix(g, " (retry: %s)"))
			}
		}
		w("%s\n", sofiaLine)
		n := len(s.gateways)
		plural := "s"
		if n == 1 {
			plural = ""
		}
		w("%d gateway%s: Inbound(Failed/Total): %d/%d,Outbound(Failed/Total):%d/%d\n", n, plural, ibf, ib, obf, ob)
		return b.String()
	}
	if len(argv) > 1 {
		switch strings.ToLower(argv[0]) {
		case "gateway":
			g := s.gatewayNamed(argv[1])
			if g == nil {
				return "Invalid Gateway!\n"
			}
			status, uptime := "UP", int64(now.Sub(g.upSince)/time.Second)
			pingCount := 1
			if g.down {
				status, uptime, pingCount = "DOWN", 0, 0
			}
			w("%s\n", sofiaLine)
			w("Name    \t%s\n", g.Name)
			w("Profile \t%s\n", g.Profile)
			w("Scheme  \t%s\n", "Digest")
			w("Realm   \t%s\n", g.Realm)
			w("Username\t%s\n", g.Username)
			w("Password\t%s\n", "yes")
			w("From    \t%s\n", g.from())
			w("Contact \t%s\n", s.gatewayContact(g))
			w("Exten   \t%s\n", g.Username)
			w("To      \t%s\n", g.registerTo())
			w("Proxy   \t%s\n", "sip:"+g.Proxy)
			w("Context \t%s\n", "public")
			w("Expires \t%d\n", g.Expires)
			w("Freq    \t%d\n", g.Expires)
			w("Ping    \t%d\n", g.ping)
			w("PingFreq\t%d\n", 20)
			w("PingTime\t%0.2f\n", g.pingTime)
			w("PingState\t%d/%d/%d\n", 1, pingCount, 1)
			w("State   \t%s\n", g.state)
			w("Status  \t%s\n", status)
			w("Uptime  \t%ds\n", uptime)
			w("CallsIN \t%d\n", g.ibCalls)
			w("CallsOUT\t%d\n", g.obCalls)
			w("FailedCallsIN\t%d\n", g.ibFailed)
			w("FailedCallsOUT\t%d\n", g.obFailed)
			w("%s\n", sofiaLine)
			return b.String()
		case "profile":
			p := s.profileByName(argv[1])
			if p == nil {
				return "Invalid Profile!\n"
			}
			reg := len(argv) > 2 && strings.EqualFold(argv[2], "reg")
			if !reg {
				w("%s\n", sofiaLine)
				for _, kv := range s.profileInfo(p) {
					w("%-17s\t%s\n", kv[0], kv[2])
				}
				return b.String()
			}
			w("\nRegistrations:\n%s\n", sofiaLine)
			n := 0
			for _, r := range s.regs {
				if r.Profile != p.Name {
					continue
				}
				n++
				exp := s.startedAt.Add(time.Duration(r.Expires) * time.Second)
				w("Call-ID:    \t%s\nUser:       \t%s@%s\nContact:    \t%s\nAgent:      \t%s\n"+
					"Status:     \t%s(%s) EXP(%s) EXPSECS(%d)\nPing-Status:\t%s\nPing-Time:\t%0.2f\n"+
					"Host:       \t%s\nIP:         \t%s\nPort:       \t%d\nAuth-User:  \t%s\nAuth-Realm: \t%s\nMWI-Account:\t%s@%s\n\n",
					r.Token, r.User, r.Realm, r.Contact, r.Agent, "Registered(UDP)", "unknown",
					stamp(s.regExpiry(r, exp)), int(s.regExpiry(r, exp).Sub(now).Seconds()), "Reachable", 0.0,
					s.cfg.Hostname, r.NetworkIP, r.Port, r.User, r.Realm, r.User, r.Realm)
			}
			w("Total items returned: %d\n%s\n", n, sofiaLine)
			return b.String()
		}
		return "Invalid Syntax!\n"
	}
	w("%25s\t%s\t  %40s\t%s\n", "Name", "   Type", "Data", "State")
	w("%s\n", sofiaLine)
	for _, p := range s.profiles {
		w("%25s\t%s\t  %40s\t%s (%d)\n", p.Name, "profile", p.url(), "RUNNING", p.inuse)
		for _, g := range s.gateways {
			if g.Profile == p.Name {
				w("%25s\t%s\t  %40s\t%s%s\n", p.Name+"::"+g.Name, "gateway", g.registerTo(), g.state, s.retrySuffix(g, " (retry: %s)"))
			}
		}
	}
	w("%s\n", sofiaLine)
	n := len(s.profiles)
	plural := "s"
	if n == 1 {
		plural = ""
	}
	w("%d profile%s %d alias%s\n", n, plural, 0, "es")
	return b.String()
}

// regExpiry keeps registrations fresh: they re-register before expiring.
func (s *Server) regExpiry(r Registration, first time.Time) time.Time {
	now := s.now()
	if r.Expires <= 0 {
		return first
	}
	for first.Before(now) {
		first = first.Add(time.Duration(r.Expires) * time.Second)
	}
	return first
}

func (s *Server) profileByName(name string) *profileState {
	for _, p := range s.profiles {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (s *Server) profileRegs(p *profileState) int {
	n := 0
	for _, r := range s.regs {
		if r.Profile == p.Name {
			n++
		}
	}
	return n
}

// profileInfo lists `sofia status profile` fields (text label, xml tag, value).
func (s *Server) profileInfo(p *profileState) [][3]string {
	url := p.url()
	return [][3]string{
		{"Name", "name", p.Name},
		{"Domain Name", "domain-name", "N/A"},
		{"Auto-NAT", "auto-nat", "false"},
		{"DBName", "db-name", "sofia_reg_" + p.Name},
		{"Pres Hosts", "pres-hosts", ""},
		{"Dialplan", "dialplan", "XML"},
		{"Context", "context", p.Context},
		{"Challenge Realm", "challenge-realm", "auto_from"},
		{"RTP-IP", "rtp-ip", p.IP},
		{"Ext-RTP-IP", "ext-rtp-ip", p.IP},
		{"SIP-IP", "sip-ip", p.IP},
		{"Ext-SIP-IP", "ext-sip-ip", p.IP},
		{"URL", "url", url},
		{"BIND-URL", "bind-url", fmt.Sprintf("%s;maddr=%s;transport=udp,tcp", url, p.IP)},
		{"HOLD-MUSIC", "hold-music", "N/A"},
		{"OUTBOUND-PROXY", "outbound-proxy", "N/A"},
		{"CODECS IN", "inbound-codecs", p.Codecs},
		{"CODECS OUT", "outbound-codecs", p.Codecs},
		{"TEL-EVENT", "tel-event", "101"},
		{"DTMF-MODE", "dtmf-mode", "rfc2833"},
		{"CNG", "cng", "13"},
		{"SESSION-TO", "session-to", "0"},
		{"MAX-DIALOG", "max-dialog", "0"},
		{"MAX-RECV-RPS", "max-recv-rps", "1000"},
		{"NOMEDIA", "nomedia", "false"},
		{"LATE-NEG", "late-neg", "false"},
		{"PROXY-MEDIA", "proxy-media", "false"},
		{"AGGRESSIVENAT", "aggressive-nat", "false"},
		{"CALLS-IN", "calls-in", fmt.Sprint(p.ibCalls)},
		{"FAILED-CALLS-IN", "failed-calls-in", fmt.Sprint(p.ibFailed)},
		{"CALLS-OUT", "calls-out", fmt.Sprint(p.obCalls)},
		{"FAILED-CALLS-OUT", "failed-calls-out", fmt.Sprint(p.obFail)},
		{"REGISTRATIONS", "registrations", fmt.Sprint(s.profileRegs(p))},
	}
}

// xmlAmp is switch_amp_encode.
func xmlAmp(v string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;", "'", "&apos;").Replace(v)
}

const xmlHeader = `<?xml version="1.0" encoding="ISO-8859-1"?>`

func (s *Server) xmlGateway(b *strings.Builder, g *gatewayState) {
	w := func(f string, a ...any) { fmt.Fprintf(b, f, a...) }
	status, uptime, pingCount := "UP", s.now().Sub(g.upSince).Microseconds(), 1
	if g.down {
		status, uptime, pingCount = "DOWN", 0, 0
	}
	w("  <gateway>\n")
	w("    <name>%s</name>\n", g.Name)
	w("    <profile>%s</profile>\n", g.Profile)
	w("    <scheme>%s</scheme>\n", "Digest")
	w("    <realm>%s</realm>\n", g.Realm)
	w("    <username>%s</username>\n", g.Username)
	w("    <password>%s</password>\n", "yes")
	w("    <from>%s</from>\n", xmlAmp(g.from()))
	w("    <contact>%s</contact>\n", xmlAmp(s.gatewayContact(g)))
	w("    <exten>%s</exten>\n", xmlAmp(g.Username))
	w("    <to>%s</to>\n", g.registerTo())
	w("    <proxy>%s</proxy>\n", "sip:"+g.Proxy)
	w("    <context>%s</context>\n", "public")
	w("    <expires>%d</expires>\n", g.Expires)
	w("    <freq>%d</freq>\n", g.Expires)
	w("    <ping>%d</ping>\n", g.ping)
	w("    <pingfreq>%d</pingfreq>\n", 20)
	w("    <pingmin>%d</pingmin>\n", 1)
	w("    <pingcount>%d</pingcount>\n", pingCount)
	w("    <pingmax>%d</pingmax>\n", 1)
	w("    <pingtime>%0.2f</pingtime>\n", g.pingTime)
	w("    <pinging>%d</pinging>\n", 0)
	w("    <state>%s</state>\n", g.state)
	w("    <status>%s</status>\n", status)
	w("    <uptime-usec>%d</uptime-usec>\n", uptime)
	w("    <calls-in>%d</calls-in>\n", g.ibCalls)
	w("    <calls-out>%d</calls-out>\n", g.obCalls)
	w("    <failed-calls-in>%d</failed-calls-in>\n", g.ibFailed)
	w("    <failed-calls-out>%d</failed-calls-out>\n", g.obFailed)
	b.WriteString(s.retrySuffix(g, "    <retry>%s</retry>\n"))
	w("  </gateway>\n")
}

func (s *Server) sofiaXMLStatus(argv []string) string {
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	if len(argv) == 1 {
		w("%s\n<gateways>\n", xmlHeader)
		for _, p := range s.profiles {
			for _, g := range s.gateways {
				if g.Profile == p.Name {
					s.xmlGateway(&b, g)
				}
			}
		}
		w("</gateways>\n")
		return b.String()
	}
	if len(argv) > 1 {
		switch strings.ToLower(argv[0]) {
		case "gateway":
			g := s.gatewayNamed(argv[1])
			if g == nil {
				return "Invalid Gateway!\n"
			}
			w("%s\n", xmlHeader)
			s.xmlGateway(&b, g)
			return b.String()
		case "profile":
			p := s.profileByName(argv[1])
			if p == nil {
				return "Invalid Profile!\n"
			}
			w("%s\n<profile>\n", xmlHeader)
			reg := len(argv) > 2 && strings.EqualFold(argv[2], "reg")
			if !reg {
				w("  <profile-info>\n")
				info := s.profileInfo(p)
				for i, kv := range info {
					if kv[1] == "failed-calls-in" { // xml order: calls-in, calls-out, failed-in, failed-out
						w("    <calls-out>%s</calls-out>\n", info[i+1][2])
						w("    <failed-calls-in>%s</failed-calls-in>\n", kv[2])
						continue
					}
					if kv[1] == "calls-out" {
						continue
					}
					w("    <%s>%s</%s>\n", kv[1], kv[2], kv[1])
				}
				w("  </profile-info>\n")
			} else {
				w("  <registrations>\n")
				now := s.now()
				for _, r := range s.regs {
					if r.Profile != p.Name {
						continue
					}
					exp := s.regExpiry(r, s.startedAt.Add(time.Duration(r.Expires)*time.Second))
					w("    <registration>\n")
					w("        <call-id>%s</call-id>\n", r.Token)
					w("        <user>%s@%s</user>\n", r.User, r.Realm)
					w("        <contact>%s</contact>\n", xmlAmp(r.Contact))
					w("        <agent>%s</agent>\n", xmlAmp(r.Agent))
					w("        <status>%s(%s) exp(%s) expsecs(%d)</status>\n", "Registered(UDP)", "unknown", stamp(exp), int(exp.Sub(now).Seconds()))
					w("        <ping-status>%s</ping-status>\n", "Reachable")
					w("        <ping-time>%0.2f</ping-time>\n", 0.0)
					w("        <host>%s</host>\n", s.cfg.Hostname)
					w("        <network-ip>%s</network-ip>\n", r.NetworkIP)
					w("        <network-port>%d</network-port>\n", r.Port)
					w("        <sip-auth-user>%s</sip-auth-user>\n", urlEncode(r.User))
					w("        <sip-auth-realm>%s</sip-auth-realm>\n", r.Realm)
					w("        <mwi-account>%s@%s</mwi-account>\n", r.User, r.Realm)
					w("    </registration>\n")
				}
				w("  </registrations>\n")
			}
			w("</profile>\n")
			return b.String()
		}
		return "Invalid Syntax!\n"
	}
	w("%s\n<profiles>\n", xmlHeader)
	for _, p := range s.profiles {
		w("<profile>\n<name>%s</name>\n<type>%s</type>\n<data>%s</data>\n<state>%s (%d)</state>\n</profile>\n",
			p.Name, "profile", p.url(), "RUNNING", p.inuse)
		for _, g := range s.gateways {
			if g.Profile == p.Name {
				w("<gateway>\n<name>%s</name>\n<type>%s</type>\n<data>%s</data>\n<state>%s</state>\n</gateway>\n",
					g.Name, "gateway", g.registerTo(), g.state)
				b.WriteString(s.retrySuffix(g, " (retry: %s)"))
				w("\n")
			}
		}
	}
	w("</profiles>\n")
	return b.String()
}

func (s *Server) regDuration(r Registration) time.Duration {
	return time.Duration(r.Expires) * time.Second
}
