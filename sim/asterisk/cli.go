package asterisk

import (
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/sip_show_settings.txt
var sipSettingsTemplate string

// CLI runs one CLI command and returns its output exactly as
// `asterisk -rx '<cmd>'` prints it (colours included when Config.Color).
func (s *Server) CLI(cmd string) string {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out, _ := s.cliLocked(cmd, now, s.cfg.Color)
	return out
}

const (
	colReset  = "\x1b[0m"
	colRed    = "\x1b[1;31;40m"
	colGreen  = "\x1b[1;32;40m"
	colYellow = "\x1b[1;33;40m"
	colCyan   = "\x1b[1;36;40m"
)

func ess(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// cliLocked renders a command; ok is false for an unknown command.
func (s *Server) cliLocked(cmd string, now time.Time, color bool) (string, bool) {
	words := strings.Fields(cmd)
	line := strings.Join(words, " ")
	lower := strings.ToLower(line)
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	if out, ok := s.dahdiCLI(lower); ok { // chan_dahdi, when loaded (dahdi.go)
		return out, true
	}
	st := s.st
	switch {
	case lower == "core show version":
		p("%s\n", s.cfg.VersionLine)
	case lower == "core show uptime" || lower == "core show uptime seconds":
		sec := lower == "core show uptime seconds"
		b.WriteString(uptimeLine("System uptime: ", now.Sub(st.startedAt), sec))
		b.WriteString(uptimeLine("Last reload: ", now.Sub(st.reloaded), sec))
	case lower == "core show channels" || lower == "core show channels verbose" ||
		lower == "core show channels concise" || lower == "core show channels count":
		s.coreShowChannelsText(&b, strings.TrimPrefix(lower, "core show channels"), now)
	case len(words) == 4 && strings.HasPrefix(lower, "core show channel "):
		s.coreShowChannelText(&b, words[3], now)
	case lower == "core show calls" || lower == "core show calls uptime" || lower == "core show calls seconds":
		s.callsLines(&b)
		if len(words) == 4 {
			b.WriteString(uptimeLine("System uptime: ", now.Sub(st.startedAt), lower == "core show calls seconds"))
		}
	case s.cfg.ChanSIP && lower == "sip show peers":
		s.sipShowPeersText(&b)
	case s.cfg.ChanSIP && lower == "sip show registry":
		s.sipShowRegistryText(&b)
	case s.cfg.ChanSIP && lower == "sip show channelstats":
		s.sipShowChannelstatsText(&b, now)
	case s.cfg.ChanSIP && lower == "sip show channels":
		s.sipShowChannelsText(&b)
	case s.cfg.ChanSIP && lower == "sip show settings":
		b.WriteString(strings.NewReplacer("{{VERSION}}", s.cfg.Version, "{{CODECS}}", strings.Join(s.cfg.SIPCodecs, "|")).Replace(sipSettingsTemplate))
	case s.cfg.ChanSIP && lower == "sip show inuse":
		p("%-25.25s %-15.15s %-15.15s \n", "* Peer name", "In use", "Limit")
	case s.cfg.PJSIP && lower == "pjsip show endpoints":
		s.pjsipEndpointsText(&b, now)
	case s.cfg.PJSIP && lower == "pjsip show contacts":
		s.pjsipContactsText(&b)
	case s.cfg.PJSIP && lower == "pjsip show aors":
		s.pjsipAorsText(&b)
	case s.cfg.PJSIP && lower == "pjsip show registrations":
		s.pjsipRegistrationsText(&b, now)
	case s.cfg.PJSIP && lower == "pjsip show channelstats":
		s.pjsipChannelstatsText(&b, now)
	case s.cfg.PJSIP && lower == "pjsip show channels":
		s.pjsipChannelsText(&b, now)
	case s.cfg.ConfBridge && lower == "confbridge list":
		b.WriteString("Conference Bridge Name           Users  Marked Locked Muted\n================================ ====== ====== ====== =====\n")
		for _, name := range st.roomOrder {
			p("%-32s %6d %6d %-6s %s\n", name, len(st.rooms[name].members), 0, "No", "No")
		}
	case s.cfg.ConfBridge && len(words) == 3 && strings.EqualFold(words[0], "confbridge") && strings.EqualFold(words[1], "list"):
		s.confbridgeListText(&b, words[2])
	case s.cfg.Queue && (lower == "queue show" || len(words) == 3 && strings.HasPrefix(lower, "queue show ")):
		only := ""
		if len(words) == 3 {
			only = words[2]
		}
		s.queueShowText(&b, only, now, color)
	default:
		return noSuchCommand(line), false
	}
	return b.String(), true
}

// noSuchCommand is ast_cli_command's answer to a command nobody registered.
func noSuchCommand(line string) string {
	words := strings.Fields(line)
	help := line
	switch strings.ToLower(firstWord(line)) {
	case "core", "sip", "pjsip", "confbridge", "queue", "module", "manager", "dialplan", "iax2":
	default:
		if len(words) > 1 {
			help = strings.Join(words[:len(words)-1], " ")
		}
	}
	return fmt.Sprintf("No such command '%s' (type 'core show help %s' for other possible commands)\n", line, help)
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}

// uptimeLine is print_uptimestr() of main/cli.c.
func uptimeLine(prefix string, d time.Duration, seconds bool) string {
	t := int64(d.Seconds())
	if t < 0 {
		return ""
	}
	if seconds {
		return fmt.Sprintf("%s%d\n", prefix, t)
	}
	const (
		minute = 60
		hour   = 60 * minute
		day    = 24 * hour
		week   = 7 * day
		year   = 365 * day
	)
	var parts []string
	comma := func() string {
		if t != 0 {
			return ", "
		}
		return ""
	}
	for _, u := range []struct {
		n    int64
		name string
	}{{year, "year"}, {week, "week"}, {day, "day"}, {hour, "hour"}, {minute, "minute"}} {
		if t > u.n {
			x := t / u.n
			t -= x * u.n
			parts = append(parts, fmt.Sprintf("%d %s%s%s", x, u.name, ess(int(x)), comma()))
		}
	}
	if t > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d second%s", t, ess(int(t))))
	}
	return prefix + strings.Join(parts, "") + "\n"
}

func (s *Server) callsLines(b *strings.Builder) {
	calls := s.st.activeCalls()
	if s.cfg.MaxCalls > 0 {
		fmt.Fprintf(b, "%d of %d max active call%s (%5.2f%% of capacity)\n", calls, s.cfg.MaxCalls, ess(calls),
			float64(calls)/float64(s.cfg.MaxCalls)*100)
	} else {
		fmt.Fprintf(b, "%d active call%s\n", calls, ess(calls))
	}
	fmt.Fprintf(b, "%d call%s processed\n", s.st.processed, ess(s.st.processed))
}

func orStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func clipStr(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Server) coreShowChannelsText(b *strings.Builder, mode string, now time.Time) {
	mode = strings.TrimSpace(mode)
	switch mode {
	case "":
		fmt.Fprintf(b, "%-64.64s %-32.32s %-7.7s %-30.30s\n", "Channel", "Location", "State", "Application(Data)")
	case "verbose":
		fmt.Fprintf(b, "%-80.80s %-24.24s %-24.24s %-4.4s %-7.7s %-12.12s %-25.25s %-15.15s %8.8s %-11.11s %-11.11s %-20.20s\n",
			"Channel", "Context", "Extension", "Priority", "State", "Application", "Data", "CallerID", "Duration", "Accountcode", "PeerAccount", "BridgeID")
	}
	if mode != "count" {
		for _, c := range s.st.channels {
			dur := now.Sub(c.created)
			switch mode {
			case "concise":
				fmt.Fprintf(b, "%s!%s!%s!%d!%s!%s!%s!%s!%s!%s!%d!%d!%s!%s\n", c.name, c.context, c.exten, c.prio, stateDesc(c.state),
					orStr(c.app, "(None)"), c.data, c.cidNum, "", "", 3, int(dur.Seconds()), c.bridge, c.uniqueid)
			case "verbose":
				fmt.Fprintf(b, "%-80.80s %-24.24s %-24.24s %4d %-7.7s %-12.12s %-25.25s %-15.15s %8.8s %-11.11s %-11.11s %-20.20s\n",
					c.name, c.context, c.exten, c.prio, stateDesc(c.state), orStr(c.app, "(None)"), orStr(c.data, "(Empty)"),
					c.cidNum, hms(dur), "", "", c.bridge)
			default:
				loc, appdata := "(None)", "(None)"
				if c.context != "" && c.exten != "" {
					loc = clipStr(fmt.Sprintf("%s@%s:%d", c.exten, c.context, c.prio), 39)
				}
				if c.app != "" {
					appdata = clipStr(c.app+"("+c.data+")", 39)
				}
				fmt.Fprintf(b, "%-64.64s %-32.32s %-7.7s %-30.30s\n", c.name, loc, stateDesc(c.state), appdata)
			}
		}
	}
	if mode != "concise" {
		n := len(s.st.channels)
		fmt.Fprintf(b, "%d active channel%s\n", n, ess(n))
		s.callsLines(b)
	}
}

func (s *Server) sipShowPeersText(b *strings.Builder) {
	const f = "%-25.25s %-39.39s %-3.3s %-10.10s %-10.10s %-3.3s %-8s %-11s %-32.32s %s\n"
	fmt.Fprintf(b, f, "Name/username", "Host", "Dyn", "Forcerport", "Comedia", "ACL", "Port", "Status", "Description", "")
	peers := s.st.sortedSIPPeers()
	var monOn, monOff, unmonOn, unmonOff int
	for _, p := range peers {
		name := p.Name
		if p.Username != "" {
			name += "/" + p.Username
		}
		host, port := "(Unspecified)", "0"
		if p.Host != "" {
			host, port = p.Host, itoa(p.Port)
		}
		status := p.Status()
		switch {
		case p.MaxMS == 0:
			if p.Host == "" || p.Port == 0 {
				unmonOff++
			} else {
				unmonOn++
			}
		case strings.HasPrefix(status, "OK") || strings.HasPrefix(status, "LAGGED"):
			monOn++
		default:
			monOff++
		}
		dyn, acl := "   ", "   "
		if p.Dynamic {
			dyn = " D "
		}
		if p.ACL {
			acl = " A "
		}
		fmt.Fprintf(b, f, name, host, dyn, p.ForceRport, p.Comedia, acl, port, status, p.Description, "")
	}
	fmt.Fprintf(b, "%d sip peers [Monitored: %d online, %d offline Unmonitored: %d online, %d offline]\n",
		len(peers), monOn, monOff, unmonOn, unmonOff)
}

func (s *Server) sipShowRegistryText(b *strings.Builder) {
	fmt.Fprintf(b, "%-39.39s %-6.6s %-12.12s  %8.8s %-20.20s %-25.25s\n", "Host", "dnsmgr", "Username", "Refresh", "State", "Reg.Time")
	for _, r := range s.st.sipRegs {
		regtime := ""
		if !r.RegTime.IsZero() {
			regtime = r.RegTime.Local().Format("Mon, 02 Jan 2006 15:04:05")
		}
		fmt.Fprintf(b, "%-39.39s %-6.6s %-12.12s  %8d %-20.20s %-25.25s\n", fmt.Sprintf("%s:%d", r.Host, r.Port), "N",
			r.Username, r.Refresh, r.State, regtime)
	}
	fmt.Fprintf(b, "%d SIP registrations.\n", len(s.st.sipRegs))
}

func kcount(n uint32) (uint32, string) {
	if n > 100000 {
		return n / 1000, "K"
	}
	return n, " "
}

func (s *Server) sipShowChannelstatsText(b *strings.Builder, now time.Time) {
	fmt.Fprintf(b, "%-15.15s  %-11.11s  %-8.8s %-10.10s  %-10.10s (     %%) %-6.6s %-10.10s  %-10.10s (     %%) %-6.6s\n",
		"Peer", "Call ID", "Duration", "Recv: Pack", "Lost", "Jitter", "Send: Pack", "Lost", "Jitter")
	n := 0
	for _, c := range s.st.channels {
		if c.tech != "SIP" || c.rtp == nil {
			continue
		}
		r := c.rtp.counters(now.Sub(c.created))
		rxc, rxk := kcount(r.RxCount)
		txc, txk := kcount(r.TxCount)
		rxPct, txPct := 0.0, 0.0
		if r.RxCount+r.RxLost > 0 {
			rxPct = float64(r.RxLost) / float64(r.RxCount+r.RxLost) * 100
		}
		if r.TxCount > 0 {
			txPct = float64(r.TxLost) / float64(r.TxCount) * 100
		}
		fmt.Fprintf(b, "%-15.15s  %-11.11s  %-8.8s %010d%-1.1s %010d (%5.2f%%) %-6.4f %010d%-1.1s %010d (%5.2f%%) %-6.4f\n",
			c.peerIP, c.callID, hms(now.Sub(c.created)), rxc, rxk, r.RxLost, rxPct, r.RxJitter, txc, txk, r.TxLost, txPct, r.TxJitter)
		n++
	}
	fmt.Fprintf(b, "%d active SIP channel%s\n", n, ess(n))
}

func (s *Server) sipShowChannelsText(b *strings.Builder) {
	fmt.Fprintf(b, "%-15.15s  %-15.15s  %-15.15s  %-15.15s  %-7.7s  %-15.15s %-10.10s %-10.10s\n",
		"Peer", "User/ANR", "Call ID", "Format", "Hold", "Last Message", "Expiry", "Peer")
	n := 0
	for _, c := range s.st.channels {
		if c.tech != "SIP" || c.callID == "" {
			continue
		}
		fmt.Fprintf(b, "%-15.15s  %-15.15s  %-15.15s  %-15.15s  %-3.3s %-3.3s  %-15.15s %-10.10s %-10.10s\n",
			c.peerIP, orStr(c.userANR, "(None)"), c.callID, "("+c.native+")", "No", "", c.lastMsg, "", c.peer)
		n++
	}
	fmt.Fprintf(b, "%d active SIP dialog%s\n", n, ess(n))
}

const pjsipEndpointsHeader = "\n" +
	" Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>\n" +
	"    I/OAuth:  <AuthId/UserName...........................................................>\n" +
	"        Aor:  <Aor............................................>  <MaxContact>\n" +
	"      Contact:  <Aor/ContactUri..........................> <Hash....> <Status> <RTT(ms)..>\n" +
	"  Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress..................>\n" +
	"   Identify:  <Identify/Endpoint.........................................................>\n" +
	"        Match:  <criteria.........................>\n" +
	"    Channel:  <ChannelId......................................>  <State.....>  <Time.....>\n" +
	"        Exten: <DialedExten...........>  CLCID: <ConnectedLineCID.......>\n" + pjsipRule

const pjsipRule = "==========================================================================================\n\n"

func pjsipFooter(b *strings.Builder, n int) { fmt.Fprintf(b, "\nObjects found: %d\n\n", n) }

// contactLine is cli_contact_print_body at an indent level.
func contactLine(b *strings.Builder, level int, aor string, c Contact) {
	indent := level*2 + 9
	flex := 62 - indent - 9 - len(aor) + 1
	rtt := math.NaN()
	if c.Status == "Avail" {
		rtt = float64(c.RTT.Microseconds()) / 1000
	}
	fmt.Fprintf(b, "%*s:  %s/%-*.*s %-10.10s %-7.7s %11s\n", indent, "Contact", aor, flex, flex, c.URI, c.Hash, c.Status, ffmt(rtt))
}

// ffmt is C's %11.3f for a possibly-NaN value (glibc prints "nan").
func ffmt(v float64) string {
	if math.IsNaN(v) {
		return fmt.Sprintf("%11s", "nan")
	}
	return fmt.Sprintf("%11.3f", v)
}

func (s *Server) pjsipEndpointsText(b *strings.Builder, now time.Time) {
	if len(s.st.endpoints) == 0 {
		b.WriteString("No objects found.\n\n")
		return
	}
	b.WriteString(pjsipEndpointsHeader)
	for i := range s.st.endpoints {
		e := &s.st.endpoints[i]
		name := e.Name
		if e.CallerIDNum != "" {
			name += "/" + e.CallerIDNum
		}
		fmt.Fprintf(b, "%9s:  %-51.51s  %-12.12s  %d of inf\n", "Endpoint", name, s.st.endpointState(e), s.st.channelsOf("PJSIP", e.Name))
		if e.OutboundAuth != "" {
			fmt.Fprintf(b, "%11s:  %s/%s\n", "OutAuth", e.OutboundAuth, e.AuthUser)
		}
		if e.InboundAuth != "" {
			fmt.Fprintf(b, "%11s:  %s/%s\n", "InAuth", e.InboundAuth, e.AuthUser)
		}
		fmt.Fprintf(b, "%11s:  %-39.39s %12d\n", "Aor", e.Aor, e.MaxContacts)
		for _, c := range e.Contacts {
			contactLine(b, 2, e.Aor, c)
		}
		fmt.Fprintf(b, "%11s:  %-21s  %6s  %5d  %5d  %s\n", "Transport", e.Transport, "udp", 0, 0, e.TransportBind)
		for _, c := range s.st.channels {
			if c.tech == "PJSIP" && c.peer == e.Name {
				fmt.Fprintf(b, "%11s: %-51.51s %-12.12s  %-11.11s\n", "Channel", c.name+"/"+c.app, stateDesc(c.state), hms(now.Sub(c.created)))
				fmt.Fprintf(b, "%13s: %-24.24s  CLCID: \"%s\" <%s>\n", "Exten", c.exten, c.connName, c.connNum)
			}
		}
		b.WriteString("\n")
	}
	pjsipFooter(b, len(s.st.endpoints))
}

func (s *Server) pjsipContactsText(b *strings.Builder) {
	n := 0
	for _, e := range s.st.endpoints {
		n += len(e.Contacts)
	}
	if n == 0 {
		b.WriteString("No objects found.\n\n")
		return
	}
	b.WriteString("\n  Contact:  <Aor/ContactUri..............................> <Hash....> <Status> <RTT(ms)..>\n" + pjsipRule)
	for _, e := range s.st.endpoints {
		for _, c := range e.Contacts {
			contactLine(b, 0, e.Aor, c)
		}
	}
	pjsipFooter(b, n)
}

func (s *Server) pjsipAorsText(b *strings.Builder) {
	if len(s.st.endpoints) == 0 {
		b.WriteString("No objects found.\n\n")
		return
	}
	b.WriteString("\n      Aor:  <Aor..............................................>  <MaxContact>\n" +
		"    Contact:  <Aor/ContactUri............................> <Hash....> <Status> <RTT(ms)..>\n" + pjsipRule)
	for _, e := range s.st.endpoints {
		fmt.Fprintf(b, "%9s:  %-41.41s %12d\n", "Aor", e.Aor, e.MaxContacts)
		for _, c := range e.Contacts {
			contactLine(b, 1, e.Aor, c)
		}
		b.WriteString("\n")
	}
	pjsipFooter(b, len(s.st.endpoints))
}

func (s *Server) pjsipRegistrationsText(b *strings.Builder, now time.Time) {
	if len(s.st.outRegs) == 0 {
		b.WriteString("No objects found.\n\n")
		return
	}
	b.WriteString("\n <Registration/ServerURI..............................>  <Auth....................>  <Status.......>\n" + pjsipRule)
	for _, r := range s.st.outRegs {
		w := 53 - len(r.Name)
		exp := int(r.Expires.Sub(now).Seconds())
		suffix := "s)"
		if exp < 0 {
			exp, suffix = -exp, "s ago)"
		}
		fmt.Fprintf(b, " %s/%-*.*s  %-26s  %-16s  (exp. %d%s\n", r.Name, w, w, r.ServerURI, orStr(r.Auth, "n/a"), r.Status, exp, suffix)
	}
	pjsipFooter(b, len(s.st.outRegs))
}

func (s *Server) pjsipChannelstatsText(b *strings.Builder, now time.Time) {
	var rows []*channel
	for _, c := range s.st.channels {
		if c.tech == "PJSIP" && c.rtp != nil {
			rows = append(rows, c)
		}
	}
	sortByName(rows)
	if len(rows) == 0 {
		b.WriteString("No objects found.\n\n")
		return
	}
	b.WriteString("\n                                             ...........Receive......... .........Transmit..........\n" +
		" BridgeId ChannelId ........ UpTime.. Codec.   Count    Lost Pct  Jitter   Count    Lost Pct  Jitter RTT....\n" +
		" =================" + pjsipRule)
	for _, c := range rows {
		r := c.rtp.counters(now.Sub(c.created))
		rxc, rxk := kcount(r.RxCount)
		rxl, rxlk := kcount(r.RxLost)
		txc, txk := kcount(r.TxCount)
		txl, txlk := kcount(r.TxLost)
		rxPct, txPct := uint32(0), uint32(0)
		if r.RxCount > 0 {
			rxPct = r.RxLost * 100 / r.RxCount
		}
		if r.TxCount > 0 {
			txPct = r.TxLost * 100 / r.TxCount
		}
		fmt.Fprintf(b, " %8.8s %-18.18s %-8.8s %-6.6s %6d%s %6d%s %3d %7.3f %6d%s %6d%s %3d %7.3f %7.3f\n",
			c.bridge, strings.TrimPrefix(c.name, "PJSIP/"), hms(now.Sub(c.created)), c.native,
			rxc, rxk, rxl, rxlk, rxPct, min(r.RxJitter, 999.999), txc, txk, txl, txlk, txPct, min(r.TxJitter, 999.999), min(r.RTT, 999.999))
	}
	pjsipFooter(b, len(rows))
}

func (s *Server) pjsipChannelsText(b *strings.Builder, now time.Time) {
	var rows []*channel
	for _, c := range s.st.channels {
		if c.tech == "PJSIP" {
			rows = append(rows, c)
		}
	}
	sortByName(rows)
	if len(rows) == 0 {
		b.WriteString("No objects found.\n\n")
		return
	}
	b.WriteString("\n  Channel:  <ChannelId........................................>  <State.....>  <Time.....>\n" +
		"      Exten: <DialedExten.............>  CLCID: <ConnectedLineCID.......>\n" + pjsipRule)
	for _, c := range rows {
		fmt.Fprintf(b, "%9s: %-53.53s %-12.12s  %-11.11s\n", "Channel", c.name+"/"+c.app, stateDesc(c.state), hms(now.Sub(c.created)))
		fmt.Fprintf(b, "%11s: %-26.26s  CLCID: \"%s\" <%s>\n", "Exten", c.exten, c.connName, c.connNum)
		b.WriteString("\n")
	}
	pjsipFooter(b, len(rows))
}

// sortByName orders channels as PJSIP's CLI containers do (by name).
func sortByName(c []*channel) {
	sort.Slice(c, func(i, j int) bool { return c[i].name < c[j].name })
}

func (s *Server) confbridgeListText(b *strings.Builder, room string) {
	r := s.st.rooms[room]
	if r == nil {
		fmt.Fprintf(b, "No conference bridge named '%s' found!\n", room)
		return
	}
	b.WriteString("Channel                        Flags  User Profile     Bridge Profile   Menu             CallerID\n" +
		"============================== ====== ================ ================ ================ ================\n")
	for _, c := range r.members {
		fmt.Fprintf(b, "%-30s %-6s %-16s %-16s %-16s %s\n", c.name, "", "default_user", "default_bridge", "default_menu", c.cidNum)
	}
}

var deviceState = map[int]string{0: "Unknown", 1: "Not in use", 2: "In use", 3: "Busy", 4: "Invalid", 5: "Unavailable", 6: "Ringing", 7: "Ring+Inuse", 8: "On Hold"}

func (s *Server) queueShowText(b *strings.Builder, only string, now time.Time, color bool) {
	c := func(code, text string) string {
		if !color {
			return text
		}
		return code + text + colReset
	}
	reset := ""
	if color {
		reset = colReset
	}
	found := false
	for _, q := range s.st.queues {
		if only != "" && q.Name != only {
			continue
		}
		found = true
		callers := s.queueCallers(q.Name)
		fmt.Fprintf(b, "%s has %d calls (max unlimited) in '%s' strategy (0s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0%%, SL2:0.0%% within 0s\n",
			q.Name, len(callers), q.Strategy)
		if len(q.Members) == 0 {
			b.WriteString("   No Members\n")
		} else {
			b.WriteString("   Members: \n")
			for _, m := range q.Members {
				fmt.Fprintf(b, "      %s (%s) (ringinuse enabled)", m.Name, m.Interface)
				if m.Dynamic {
					b.WriteString(c(colCyan, " (dynamic)"))
				} else {
					b.WriteString(reset)
				}
				b.WriteString(reset + reset)
				if m.Paused {
					b.WriteString(" " + c(colYellow, fmt.Sprintf("(paused was %d secs ago)", int(now.Sub(m.LoginTime).Seconds()))))
				}
				col := colGreen
				if m.Status == 5 {
					col = colRed
				}
				fmt.Fprintf(b, " (%s) has taken no calls yet %s\n", c(col, deviceState[m.Status]),
					c(colYellow, fmt.Sprintf("(login was %d secs ago)", int(now.Sub(m.LoginTime).Seconds()))))
			}
		}
		if len(callers) == 0 {
			b.WriteString("   No Callers\n")
		} else {
			b.WriteString("   Callers: \n")
			for i, ch := range callers {
				w := int(now.Sub(ch.created).Seconds())
				fmt.Fprintf(b, "      %d. %s (wait: %d:%02d, prio: 0)\n", i+1, ch.name, w/60, w%60)
			}
		}
		b.WriteString("\n")
	}
	if !found && only != "" {
		fmt.Fprintf(b, "No such queue: %s.\n", only)
	}
}

// coreShowChannelText is `core show channel <name>` (main/cli.c handle_showchan): the General and PBX
// sections as Asterisk 20 prints them, or "<name> is not a known channel".
func (s *Server) coreShowChannelText(b *strings.Builder, name string, now time.Time) {
	var c *channel
	for _, ch := range s.st.channels {
		if strings.EqualFold(ch.name, name) {
			c = ch
			break
		}
	}
	if c == nil {
		fmt.Fprintf(b, "%s is not a known channel\n", name)
		return
	}
	trans := func(path string) string {
		if path == "" {
			return "No "
		}
		return "Yes " + path
	}
	na := func(v string) string { return orStr(v, "(N/A)") }
	el := now.Sub(c.created)
	callIdent := "(None)"
	if c.pbx {
		seq, _ := strconv.Atoi(c.uniqueid[strings.LastIndexByte(c.uniqueid, '.')+1:])
		callIdent = fmt.Sprintf("[C-%08x]", seq+1)
	}
	fmt.Fprintf(b, " -- General --\n"+
		"           Name: %s\n"+
		"           Type: %s\n"+
		"       UniqueID: %s\n"+
		"       LinkedID: %s\n"+
		"      Caller ID: %s\n"+
		" Caller ID Name: %s\n"+
		"Connected Line ID: %s\n"+
		"Connected Line ID Name: %s\n"+
		"Eff. Connected Line ID: %s\n"+
		"Eff. Connected Line ID Name: %s\n"+
		"    DNID Digits: %s\n"+
		"       Language: en\n"+
		"          State: %s (%d)\n"+
		"  NativeFormats: (%s)\n"+
		"    WriteFormat: %s\n"+
		"     ReadFormat: %s\n"+
		" WriteTranscode: %s\n"+
		"  ReadTranscode: %s\n"+
		" Time to Hangup: 0\n"+
		"   Elapsed Time: %dh%dm%ds\n"+
		"      Bridge ID: %s\n"+
		" --   PBX   --\n"+
		"        Context: %s\n"+
		"      Extension: %s\n"+
		"       Priority: %d\n"+
		"     Call Group: 0\n"+
		"   Pickup Group: 0\n"+
		"    Application: %s\n"+
		"           Data: %s\n"+
		" Call Identifier: %s\n",
		c.name, c.tech, c.uniqueid, c.linkedid, na(c.cidNum), na(c.cidName), na(c.connNum), na(c.connName),
		na(c.connNum), na(c.connName), na(c.dnid), stateDesc(c.state), c.state, c.native, c.writeFmt, c.readFmt,
		trans(c.writeTrans), trans(c.readTrans), int(el.Hours()), int(el.Minutes())%60, int(el.Seconds())%60,
		orStr(c.bridge, "(Not bridged)"), c.context, c.exten, c.prio, orStr(c.app, "(N/A)"), orStr(c.data, "(Empty)"), callIdent)
}
