package asterisk

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

const captures = "../../testdata/asterisk"

func readCLI(t *testing.T, phase, slug string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(captures, "cli", phase, slug+".raw"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// labChan is one channel of the captured busy lab, as `core show channels
// concise`, `core show channel` and AMI Status show it.
type labChan struct {
	name, peer                  string
	internal, pbx               bool
	ctx, exten                  string
	prio                        int
	app, data                   string
	cidNum, cidName             string
	connNum, connName           string
	uniq, linked, bridge, dnid  string
	native, rf, wf, rtrans, wtr string
	callID, user, lastMsg       string
	rtp                         *RTPCounters
}

const (
	bridgeA = "e2f482fb-6674-457d-a9b7-48680c9c2a9b"
	bridgeC = "e75cc67b-3e5a-422f-9697-5837b159307f"
	ulaw2a  = "(ulaw@8000)->(alaw@8000)"
	a2ulaw  = "(alaw@8000)->(ulaw@8000)"
	slin2u  = "(slin@8000)->(ulaw@8000)"
	u2slin  = "(ulaw@8000)->(slin@8000)"
)

// labBusy lists the 12 channels of the chan_sip busy phase in the order the
// real Asterisk listed them.
var labBusy = []labChan{
	{name: "SIP/1032-00000007", peer: "1032", ctx: "internal", prio: 1, app: "AppDial", data: "(Outgoing Line)", cidNum: "1032", cidName: "Bob", connNum: "1031", connName: "Alice",
		uniq: "1795393549.7", linked: "1795393549.6", bridge: bridgeA, native: "alaw", rf: "alaw", wf: "ulaw", wtr: ulaw2a,
		callID: "4d08fe2b45d8afb67fdc324c093f7fd5", user: "1032-0x55feed2b", lastMsg: "Tx: ACK", rtp: &RTPCounters{1321, 0, 1320, 0, 0.0018, 0.0016, 0}},
	{name: "SIP/1034-00000009", peer: "1034", pbx: true, ctx: "internal", exten: "7000", prio: 2, app: "Queue", data: "support", cidNum: "1034", cidName: "Dave",
		uniq: "1795393556.13", linked: "1795393556.13", dnid: "7000", native: "ulaw", rf: "ulaw", wf: "slin", wtr: slin2u,
		callID: "19b07e72bdbfc06a", user: "1034-0x5619fb17", lastMsg: "Rx: ACK", rtp: &RTPCounters{958, 0, 957, 0, 0.0006, 0.0021, 0}},
	{name: "SIP/1033-00000008", peer: "1033", pbx: true, ctx: "internal", exten: "8000", prio: 2, app: "ConfBridge", data: "8000", cidNum: "1033", cidName: "Carol",
		uniq: "1795393552.8", linked: "1795393552.8", bridge: bridgeC, dnid: "8000", native: "ulaw", rf: "slin", wf: "slin", rtrans: u2slin, wtr: slin2u,
		callID: "b03d88aab7c8ba7f", user: "1033-0x5558cc85", lastMsg: "Rx: ACK", rtp: &RTPCounters{1170, 0, 1169, 0, 0.0019, 0.0015, 0}},
	{name: "CBAnn/8000-00000000;1", internal: true, ctx: "default", exten: "s", prio: 1, uniq: "1795393552.9", linked: "1795393552.9", native: "slin", rf: "slin", wf: "slin"},
	{name: "CBAnn/8000-00000000;2", internal: true, ctx: "default", exten: "s", prio: 1, uniq: "1795393552.10", linked: "1795393552.10", bridge: bridgeC, native: "slin", rf: "slin", wf: "slin"},
	{name: "Local/echo@local-originate-00000002;2", pbx: true, ctx: "local-originate", exten: "echo", prio: 2, app: "Echo", cidNum: "2002", cidName: "Echo Local", connNum: "2002", connName: "Echo Local",
		uniq: "1795393557.15", linked: "1795393557.14", native: "slin", rf: "slin", wf: "slin"},
	{name: "Local/echo@local-originate-00000002;1", ctx: "local-originate", exten: "echo", prio: 1, app: "Milliwatt", cidNum: "2002", cidName: "Echo Local", connNum: "2002", connName: "Echo Local",
		uniq: "1795393557.14", linked: "1795393557.14", native: "slin", rf: "slin", wf: "slin"},
	{name: "Local/mw@local-originate-00000003;1", ctx: "local-originate", exten: "mw", prio: 1, app: "Echo", cidNum: "2003", cidName: "MW Local", connNum: "2003", connName: "MW Local",
		uniq: "1795393558.16", linked: "1795393558.16", native: "slin", rf: "slin", wf: "slin"},
	{name: "Local/mw@local-originate-00000003;2", pbx: true, ctx: "local-originate", exten: "mw", prio: 2, app: "Milliwatt", cidNum: "2003", cidName: "MW Local", connNum: "2003", connName: "MW Local",
		uniq: "1795393558.17", linked: "1795393558.16", native: "slin", rf: "slin", wf: "slin"},
	{name: "Local/conf@local-originate-00000001;1", ctx: "local-originate", exten: "conf", prio: 1, app: "Milliwatt", cidNum: "2001", cidName: "Conf Local", connNum: "2001", connName: "Conf Local",
		uniq: "1795393555.11", linked: "1795393555.11", native: "slin", rf: "slin", wf: "slin"},
	{name: "Local/conf@local-originate-00000001;2", pbx: true, ctx: "local-originate", exten: "conf", prio: 2, app: "ConfBridge", data: "8000", cidNum: "2001", cidName: "Conf Local", connNum: "2001", connName: "Conf Local",
		uniq: "1795393555.12", linked: "1795393555.11", bridge: bridgeC, native: "slin", rf: "slin", wf: "slin"},
	{name: "SIP/1031-00000006", peer: "1031", pbx: true, ctx: "internal", exten: "1032", prio: 2, app: "Dial", data: "SIP/1032,30", cidNum: "1031", cidName: "Alice", connNum: "1032", connName: "Bob",
		uniq: "1795393549.6", linked: "1795393549.6", bridge: bridgeA, dnid: "1032", native: "ulaw", rf: "ulaw", wf: "alaw", wtr: a2ulaw,
		callID: "e0d8615f893b53f1", user: "1031-0x55c9d30c", lastMsg: "Rx: ACK", rtp: &RTPCounters{1320, 0, 1321, 0, 0.0024, 0.0011, 0}},
}

// ages of the channels when `core show channels verbose` was captured.
var verboseAges = map[string]int{"SIP/1032": 26, "SIP/1034": 18, "SIP/1033": 23, "CBAnn": 23, "Local/echo": 18, "Local/mw": 17, "Local/conf": 20, "SIP/1031": 26}

func ageOf(ages map[string]int, name string) int {
	for k, v := range ages {
		if strings.HasPrefix(name, k) {
			return v
		}
	}
	return 0
}

// newLab builds a simulator in the captured lab's state: chans are added
// with the ages they had at the capture (now is fixed).
func newLab(t *testing.T, cfg Config, chans []labChan, ages map[string]int, processed int) (*Server, time.Time) {
	t.Helper()
	now := time.Unix(1795393575, 0)
	cfg.Clock = func() time.Time { return now }
	s := New(cfg)
	t.Cleanup(func() { s.Close() })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.processed = processed
	s.st.startedAt = now.Add(-273 * time.Second)
	s.st.reloaded = s.st.startedAt
	var room *confRoom
	for _, lc := range chans {
		tech, _ := peerOf(lc.name)
		c := &channel{name: lc.name, tech: tech, peer: lc.peer, internal: lc.internal, pbx: lc.pbx, state: 6,
			context: lc.ctx, exten: lc.exten, prio: lc.prio, app: lc.app, data: lc.data, cidNum: lc.cidNum, cidName: lc.cidName,
			connNum: lc.connNum, connName: lc.connName, uniqueid: lc.uniq, linkedid: lc.linked, bridge: lc.bridge, dnid: lc.dnid,
			created: now.Add(-time.Duration(ageOf(ages, lc.name)) * time.Second), native: lc.native, readFmt: lc.rf, writeFmt: lc.wf,
			readTrans: lc.rtrans, writeTrans: lc.wtr, callID: lc.callID, peerIP: "127.0.0.1", userANR: lc.user, lastMsg: lc.lastMsg}
		if lc.rtp != nil {
			c.rtp = &rtpState{fixed: lc.rtp}
		}
		if lc.data == "support" {
			c.call = &call{queue: "support"}
		}
		if lc.bridge == bridgeC {
			if room == nil {
				room = &confRoom{name: "8000", bridge: bridgeC}
				s.st.rooms["8000"] = room
				s.st.roomOrder = append(s.st.roomOrder, "8000")
			}
			if !lc.internal {
				room.members = append(room.members, c)
			}
		}
		s.st.channels = append(s.st.channels, c)
	}
	return s, now
}

func sortedLines(s string) string {
	l := strings.Split(s, "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// TestCLIMatchesCaptures renders the busy lab's CLI commands and compares
// them byte for byte with what the real Asterisk 20.20.1 printed (rows of
// hash-ordered containers are compared as sets).
func TestCLIMatchesCaptures(t *testing.T) {
	s, _ := newLab(t, Lab(), labBusy, verboseAges, 9)
	for _, c := range []struct {
		cmd, slug string
		sorted    bool
	}{
		{"core show version", "core-show-version", false},
		{"core show uptime seconds", "core-show-uptime-seconds", false},
		{"core show uptime", "core-show-uptime", false},
		{"core show channels", "core-show-channels", false},
		{"core show channels verbose", "core-show-channels-verbose", false},
		{"core show channels concise", "core-show-channels-concise", false},
		{"core show channels count", "core-show-channels-count", false},
		{"core show calls", "core-show-calls", false},
		{"sip show peers", "sip-show-peers", false},
		{"sip show settings", "sip-show-settings", false},
		{"sip show inuse", "sip-show-inuse", false},
		{"confbridge list", "confbridge-list", false},
		{"confbridge list 8000", "confbridge-list-8000", false},
		{"no such command", "no-such-command", false},
		{"sip show nosuchcommand", "sip-show-nosuchcommand", false},
	} {
		t.Run(c.slug, func(t *testing.T) {
			want := readCLI(t, "busy", c.slug)
			got := s.CLI(c.cmd)
			if c.sorted {
				got, want = sortedLines(got), sortedLines(want)
			}
			if got != want {
				t.Errorf("%s:\n got %q\nwant %q", c.cmd, got, want)
			}
		})
	}
}

func TestCLIChannelStats(t *testing.T) {
	s, _ := newLab(t, Lab(), labBusy, map[string]int{"SIP/1034": 19, "SIP/1031": 26, "SIP/1033": 23, "SIP/1032": 26}, 9)
	want := readCLI(t, "busy", "sip-show-channelstats")
	if got := s.CLI("sip show channelstats"); sortedLines(got) != sortedLines(want) {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// sip show channels: the call dialogs (the capture also lists REGISTER dialogs).
	want = readCLI(t, "busy", "sip-show-channels")
	var calls []string
	for _, l := range strings.Split(want, "\n") {
		if strings.Contains(l, "(ulaw)") || strings.Contains(l, "(alaw)") || strings.HasPrefix(l, "Peer ") {
			calls = append(calls, l)
		}
	}
	got := strings.Split(strings.TrimSuffix(s.CLI("sip show channels"), "\n"), "\n")
	if g, w := sortedLines(strings.Join(got[:len(got)-1], "\n")), sortedLines(strings.Join(calls, "\n")); g != w {
		t.Errorf("sip show channels:\n%s\nwant\n%s", g, w)
	}
	if last := got[len(got)-1]; last != "4 active SIP dialogs" {
		t.Errorf("footer %q", last)
	}
}

func TestCLIIdle(t *testing.T) {
	cfg := Lab()
	cfg.Color = true
	s, now := newLab(t, cfg, nil, nil, 3)
	s.mu.Lock()
	s.st.startedAt, s.st.reloaded = now.Add(-233*time.Second), now.Add(-233*time.Second)
	s.mu.Unlock()
	for _, c := range []struct{ cmd, slug string }{
		{"core show channels", "core-show-channels"},
		{"core show channels verbose", "core-show-channels-verbose"},
		{"core show channels concise", "core-show-channels-concise"},
		{"confbridge list", "confbridge-list"},
		{"confbridge list 8000", "confbridge-list-8000"},
		{"sip show channelstats", "sip-show-channelstats"},
		{"sip show registry", "sip-show-registry"},
	} {
		want := readCLI(t, "idle", c.slug)
		got := s.CLI(c.cmd)
		if c.slug == "sip-show-registry" { // Reg.Time is local wall-clock time
			got, want = stripRegTime(got), stripRegTime(want)
		}
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", c.cmd, got, want)
		}
	}
}

func stripRegTime(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if len(l) > 82 {
			l = l[:82]
		}
		out = append(out, strings.TrimRight(l, " "))
	}
	return strings.Join(out, "\n")
}

// pjsipBusy is the PJSIP busy phase: 1031→1032 (chan_sip) and 2031→2032 (PJSIP).
var pjsipBusy = []labChan{
	{name: "SIP/1032-00000001", peer: "1032", ctx: "internal", prio: 1, app: "AppDial", data: "(Outgoing Line)", cidNum: "1032", cidName: "Bob", connNum: "1031", connName: "Alice",
		uniq: "1795394031.3", linked: "1795394031.2", bridge: "1ce6248b-a10d-45bf-8a93-18afcbf1210d", native: "alaw", rf: "alaw", wf: "ulaw", wtr: ulaw2a, callID: "c0ba09af8c4d"},
	{name: "PJSIP/2032-00000001", peer: "2032", ctx: "internal", prio: 1, app: "AppDial", data: "(Outgoing Line)", cidNum: "2032", cidName: "PJ Bob", connNum: "2031", connName: "PJ Alice",
		uniq: "1795394031.1", linked: "1795394031.0", bridge: "e2880ae9-1e13-421b-9935-938661a36aa8", native: "alaw", rf: "alaw", wf: "ulaw", wtr: ulaw2a,
		rtp: &RTPCounters{853, 0, 852, 0, 0.003, 0.001, 0.000}},
	{name: "PJSIP/2031-00000000", peer: "2031", pbx: true, ctx: "internal", exten: "2032", prio: 2, app: "Dial", data: "PJSIP/2032,30", cidNum: "2031", cidName: "PJ Alice", connNum: "2032", connName: "PJ Bob",
		uniq: "1795394031.0", linked: "1795394031.0", bridge: "e2880ae9-1e13-421b-9935-938661a36aa8", native: "ulaw", rf: "ulaw", wf: "alaw", wtr: a2ulaw,
		rtp: &RTPCounters{852, 0, 852, 0, 0.002, 0.002, 0.001}},
	{name: "SIP/1031-00000000", peer: "1031", pbx: true, ctx: "internal", exten: "1032", prio: 2, app: "Dial", data: "SIP/1032,30", cidNum: "1031", cidName: "Alice", connNum: "1032", connName: "Bob",
		uniq: "1795394031.2", linked: "1795394031.2", bridge: "1ce6248b-a10d-45bf-8a93-18afcbf1210d", native: "ulaw", rf: "ulaw", wf: "alaw", wtr: a2ulaw, callID: "38d66ef33cf1"},
}

func TestCLIPJSIP(t *testing.T) {
	s, now := newLab(t, Lab(), pjsipBusy, map[string]int{"": 17}, 2)
	s.UpdateEndpoint("2031", func(e *Endpoint) { e.Contacts[0].RTT = 355 * time.Microsecond })
	s.UpdateEndpoint("2032", func(e *Endpoint) { e.Contacts[0].RTT = 432 * time.Microsecond })
	s.mu.Lock()
	s.st.outRegs[0].Expires = now.Add(54 * time.Second)
	s.st.outRegs[1].Expires = now.Add(-10 * time.Second)
	s.mu.Unlock()
	for _, c := range []struct{ cmd, slug string }{
		{"pjsip show endpoints", "pjsip-show-endpoints"},
		{"pjsip show contacts", "pjsip-show-contacts"},
		{"pjsip show aors", "pjsip-show-aors"},
		{"pjsip show registrations", "pjsip-show-registrations"},
		{"pjsip show channelstats", "pjsip-show-channelstats"},
		{"pjsip show channels", "pjsip-show-channels"},
	} {
		want := readCLI(t, "pjsip-busy", c.slug)
		if got := s.CLI(c.cmd); got != want {
			t.Errorf("%s:\n got %q\nwant %q", c.cmd, got, want)
		}
	}
	idle, _ := newLab(t, Lab(), nil, nil, 0)
	for _, c := range []struct{ cmd, slug string }{
		{"pjsip show channelstats", "pjsip-show-channelstats"},
		{"pjsip show channels", "pjsip-show-channels"},
	} {
		if got, want := idle.CLI(c.cmd), readCLI(t, "pjsip-idle", c.slug); got != want {
			t.Errorf("idle %s: %q, want %q", c.cmd, got, want)
		}
	}
}
