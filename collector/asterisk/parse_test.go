package asterisk

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
)

func TestParseChannelCounts(t *testing.T) {
	for _, c := range []struct {
		phase, cmd string
		want       ChannelCounts
	}{
		{"busy", "core show channels count", ChannelCounts{Channels: 12, Calls: 6, Processed: 9, HaveChannels: true, HaveCalls: true, HaveProcessed: true}},
		{"busy", "core show channels", ChannelCounts{Channels: 12, Calls: 6, Processed: 9, HaveChannels: true, HaveCalls: true, HaveProcessed: true}},
		{"busy", "core show channels verbose", ChannelCounts{Channels: 12, Calls: 6, Processed: 9, HaveChannels: true, HaveCalls: true, HaveProcessed: true}},
		{"busy", "core show calls", ChannelCounts{Calls: 6, Processed: 9, HaveCalls: true, HaveProcessed: true}},
		{"idle", "core show channels count", ChannelCounts{Channels: 0, Calls: 0, Processed: 3, HaveChannels: true, HaveCalls: true, HaveProcessed: true}},
		{"pjsip-busy", "core show channels count", ChannelCounts{Channels: 4, Calls: 2, Processed: 2, HaveChannels: true, HaveCalls: true, HaveProcessed: true}},
	} {
		got, err := ParseChannelCounts(cliCapture(t, c.phase, c.cmd))
		if err != nil || got != c.want {
			t.Errorf("%s %s: %+v %v", c.phase, c.cmd, got, err)
		}
	}
	// Singular forms and maxcalls= (main/cli.c handle_chanlist).
	got, err := ParseChannelCounts("1 active channel\n1 of 100 max active call ( 1.00% of capacity)\n1 call processed\n")
	want := ChannelCounts{Channels: 1, Calls: 1, MaxCalls: 100, Processed: 1, HaveChannels: true, HaveCalls: true, HaveProcessed: true}
	if err != nil || got != want {
		t.Errorf("singular: %+v %v", got, err)
	}
	if _, err := ParseChannelCounts(cliCapture(t, "idle", "no such command")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestParseUptime(t *testing.T) {
	u, err := ParseUptime(cliCapture(t, "busy", "core show uptime seconds"))
	if err != nil || u.Uptime != 273*time.Second || u.SinceReload != 273*time.Second || !u.HaveReload {
		t.Errorf("seconds: %+v %v", u, err)
	}
	u, err = ParseUptime(cliCapture(t, "busy", "core show uptime"))
	if err != nil || u.Uptime != 273*time.Second {
		t.Errorf("long form: %+v %v", u, err)
	}
	u, err = ParseUptime("System uptime: 1 year, 2 weeks, 3 days, 4 hours, 5 minutes, 6 seconds\n")
	want := time.Duration(365*86400+14*86400+3*86400+4*3600+5*60+6) * time.Second
	if err != nil || u.Uptime != want || u.HaveReload {
		t.Errorf("all units: %+v %v", u, err)
	}
	for _, bad := range []string{"", "System uptime: -5\n", "System uptime: 99999999999999999999\n", "System uptime: 3 fortnights\n"} {
		if _, err := ParseUptime(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseVersion(t *testing.T) {
	v, err := ParseVersion(cliCapture(t, "idle", "core show version"))
	if err != nil || v != "20.20.1" {
		t.Errorf("%q %v", v, err)
	}
}

func TestParseChannels(t *testing.T) {
	chans, err := ParseChannelsConcise(cliCapture(t, "busy", "core show channels concise"))
	if err != nil || len(chans) != 12 {
		t.Fatalf("%d channels, %v", len(chans), err)
	}
	if c := chans[0]; c.Name != "SIP/1032-00000007" || c.State != "Up" || c.App != "AppDial" || c.BridgeID != "e2f482fb-6674-457d-a9b7-48680c9c2a9b" {
		t.Errorf("%+v", c)
	}
	chans, err = ParseChannelsConcise(cliCapture(t, "idle", "core show channels concise"))
	if err != nil || len(chans) != 0 {
		t.Errorf("idle: %v %v", chans, err)
	}
	_, items := amiList(t, "busy/10-queries.raw", "coreshowchannels-1")
	ami := ParseCoreShowChannels(items)
	if len(ami) != 10 || ami[9].Name != "SIP/1031-00000006" || ami[9].Linkedid != "1795393549.6" || ami[9].Tech() != "SIP" {
		t.Errorf("AMI: %+v", ami)
	}
	for name, want := range map[string][2]string{
		"SIP/1031-00000006":                     {"SIP", "1031"},
		"PJSIP/2031-00000000":                   {"PJSIP", "2031"},
		"Local/echo@local-originate-00000002;2": {"Local", "echo@local-originate"},
		"CBAnn/8000-00000000;1":                 {"CBAnn", "8000"},
		"SIP/my-trunk-0000000a":                 {"SIP", "my-trunk"},
		"nonsense":                              {"", ""},
	} {
		if tech, peer := PeerOf(name); tech != want[0] || peer != want[1] {
			t.Errorf("PeerOf(%q) = %q %q", name, tech, peer)
		}
	}
}

func TestParseStatus(t *testing.T) {
	_, items := amiList(t, "busy/13-status-and-channel.raw", "status-all")
	got := ParseStatus(items)
	if len(got) != 10 {
		t.Fatalf("%d channels", len(got))
	}
	want := map[string]ChannelFormat{
		"SIP/1032-00000007":                     {Channel: "SIP/1032-00000007", Native: []string{"alaw"}, WriteTrans: "(ulaw@8000)->(alaw@8000)"},
		"SIP/1034-00000009":                     {Channel: "SIP/1034-00000009", Native: []string{"ulaw"}, WriteTrans: "(slin@8000)->(ulaw@8000)"},
		"SIP/1033-00000008":                     {Channel: "SIP/1033-00000008", Native: []string{"ulaw"}, ReadTrans: "(ulaw@8000)->(slin@8000)", WriteTrans: "(slin@8000)->(ulaw@8000)"},
		"SIP/1031-00000006":                     {Channel: "SIP/1031-00000006", Native: []string{"ulaw"}, WriteTrans: "(alaw@8000)->(ulaw@8000)"},
		"Local/echo@local-originate-00000002;2": {Channel: "Local/echo@local-originate-00000002;2", Native: []string{"slin"}},
	}
	for _, f := range got {
		if w, ok := want[f.Channel]; ok && !reflect.DeepEqual(f, w) {
			t.Errorf("%+v, want %+v", f, w)
		}
	}
	// `core show channel` prints the same paths with Yes/No.
	if trimTrans("Yes (alaw@8000)->(ulaw@8000)") != "(alaw@8000)->(ulaw@8000)" || trimTrans("No ") != "" {
		t.Error("trimTrans")
	}
	if a, b, ok := TransPair("(g729@8000)->(slin@8000)->(alaw@8000)"); !ok || a != "g729" || b != "alaw" {
		t.Errorf("TransPair %q %q", a, b)
	}
}

func TestParseSIPPeers(t *testing.T) {
	peers, err := ParseSIPPeers(cliCapture(t, "busy", "sip show peers"))
	if err != nil || len(peers) != 8 {
		t.Fatalf("%d peers, %v", len(peers), err)
	}
	want := []SIPPeer{
		{Name: "1031", Host: "127.0.0.1", Port: 5210, Status: "OK", Latency: time.Millisecond, HasRTT: true},
		{Name: "1035", Status: "UNKNOWN"},
		{Name: "carrier1", Host: "127.0.0.1", Port: 5070, Status: "OK", Latency: time.Millisecond, HasRTT: true},
		{Name: "carrier2", Host: "127.0.0.2", Port: 5099, Status: "UNREACHABLE"},
	}
	byName := map[string]SIPPeer{}
	for _, p := range peers {
		byName[p.Name] = p
	}
	for _, w := range want {
		if byName[w.Name] != w {
			t.Errorf("%+v, want %+v", byName[w.Name], w)
		}
	}
	// LAGGED overflows its column, Unmonitored peers count online with an address.
	peers, err = ParseSIPPeers(cliCapture(t, "nocolor-daemon", "sip show peers"))
	if err != nil || len(peers) != 10 {
		t.Fatalf("%d peers, %v", len(peers), err)
	}
	online := 0
	for _, p := range peers {
		if p.Up() {
			online++
		}
		if p.Name == "carrier3" && (p.Status != "LAGGED" || p.Latency != 2500*time.Millisecond) {
			t.Errorf("carrier3 %+v", p)
		}
		if p.Name == "carrier4" && (p.Status != "Unmonitored" || !p.Up() || p.HasRTT) {
			t.Errorf("carrier4 %+v", p)
		}
	}
	if online != 7 { // the footer: 6 online monitored + 1 online unmonitored
		t.Errorf("online = %d", online)
	}
	_, items := amiList(t, "busy/10-queries.raw", "sippeers-1")
	amiPeers := ParseSIPpeersEvents(items)
	if len(amiPeers) != 8 {
		t.Fatalf("AMI: %d", len(amiPeers))
	}
	for _, p := range amiPeers {
		cli := byName[p.Name]
		if p.Name != "" && p.Status != cli.Status && cli.Name != "" {
			t.Errorf("AMI %+v vs CLI %+v", p, cli)
		}
	}
	if _, err := ParseSIPPeers(cliCapture(t, "idle", "no such command")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestParsePJSIP(t *testing.T) {
	eps, err := ParsePJSIPEndpoints(cliCapture(t, "pjsip-busy", "pjsip show endpoints"))
	want := []Endpoint{{"2031", "In use", 1}, {"2032", "In use", 1}, {"2033", "Unavailable", 0}, {"pjcarrier1", "Not in use", 0}, {"pjcarrier2", "Unavailable", 0}}
	if err != nil || !reflect.DeepEqual(eps, want) {
		t.Errorf("endpoints: %+v %v", eps, err)
	}
	_, items := amiList(t, "pjsip-busy/10-pjsip-queries.raw", "pjeps-1")
	if got := ParseEndpointList(items); !reflect.DeepEqual(got, want) {
		t.Errorf("EndpointList: %+v", got)
	}
	cs, err := ParsePJSIPContacts(cliCapture(t, "pjsip-busy", "pjsip show contacts"))
	if err != nil || len(cs) != 4 {
		t.Fatalf("contacts %v %v", cs, err)
	}
	if c := cs[0]; c.AOR != "2031" || c.Status != "Avail" || c.RTT != 355*time.Microsecond || !c.HasRTT {
		t.Errorf("%+v", c)
	}
	if c := cs[3]; c.AOR != "pjcarrier2" || c.Status != "Unavail" || c.HasRTT {
		t.Errorf("%+v", c)
	}
	// The same lines, deeper indented, in `pjsip show endpoints`.
	cs2, err := ParsePJSIPContacts(cliCapture(t, "pjsip-busy", "pjsip show endpoints"))
	if err != nil || len(cs2) != 4 || cs2[2].AOR != "pjcarrier1" || cs2[2].RTT != 496*time.Microsecond {
		t.Errorf("contacts in endpoints: %+v %v", cs2, err)
	}
	_, items = amiList(t, "pjsip-busy/10-pjsip-queries.raw", "pjcontacts-1")
	acs := ParseContactList(items)
	if len(acs) != 2 || acs[0].AOR != "2031" || acs[0].Status != "Avail" || acs[0].RTT != 315*time.Microsecond {
		t.Errorf("ContactList %+v", acs)
	}
	regs, err := ParsePJSIPRegistrations(cliCapture(t, "pjsip-busy", "pjsip show registrations"))
	wantRegs := []Registration{{"pjcarrier1-reg", "Registered"}, {"pjcarrier2-reg", "Rejected"}}
	if err != nil || !reflect.DeepEqual(regs, wantRegs) {
		t.Errorf("registrations %+v %v", regs, err)
	}
	_, items = amiList(t, "pjsip-busy/10-pjsip-queries.raw", "pjregout-1")
	if got := ParseOutboundRegistrations(items); !reflect.DeepEqual(got, wantRegs) {
		t.Errorf("OutboundRegistrationDetail %+v", got)
	}
	for _, cmd := range []string{"pjsip show channelstats", "pjsip show channels"} {
		if cs, err := ParsePJSIPContacts(cliCapture(t, "pjsip-idle", cmd)); err != nil || len(cs) != 0 {
			t.Errorf("%s: no objects: %v %v", cmd, cs, err)
		}
	}
}

func TestParseRegistry(t *testing.T) {
	regs, err := ParseSIPRegistry(cliCapture(t, "busy", "sip show registry"))
	want := []Registration{{"trunkuser@127.0.0.1:5070", "Registered"}, {"deaduser@127.0.0.2:5099", "Request Sent"}}
	if err != nil || !reflect.DeepEqual(regs, want) {
		t.Errorf("%+v %v", regs, err)
	}
	_, items := amiList(t, "busy/10-queries.raw", "sipshowregistry-1")
	if got := ParseRegistryEntries(items); !reflect.DeepEqual(got, want) {
		t.Errorf("RegistryEntry %+v", got)
	}
}

func TestParseConfbridge(t *testing.T) {
	confs, err := ParseConfbridgeList(cliCapture(t, "busy", "confbridge list"))
	if err != nil || !reflect.DeepEqual(confs, []Conference{{"8000", 2}}) {
		t.Errorf("%+v %v", confs, err)
	}
	confs, err = ParseConfbridgeList(cliCapture(t, "idle", "confbridge list"))
	if err != nil || len(confs) != 0 {
		t.Errorf("idle %+v %v", confs, err)
	}
	_, items := amiList(t, "busy/10-queries.raw", "cblistrooms-1")
	if got := ParseConfbridgeRooms(items); !reflect.DeepEqual(got, []Conference{{"8000", 2}}) {
		t.Errorf("AMI %+v", got)
	}
}

func TestParseSIPSettings(t *testing.T) {
	codecs, err := ParseSIPSettingsCodecs(cliCapture(t, "busy", "sip show settings"))
	if err != nil || !reflect.DeepEqual(codecs, []string{"ulaw", "alaw", "gsm"}) {
		t.Errorf("%v %v", codecs, err)
	}
}

func TestParseChannelStats(t *testing.T) {
	rows, err := ParseSIPChannelStats(cliCapture(t, "busy", "sip show channelstats"))
	if err != nil || len(rows) != 4 {
		t.Fatalf("%v %v", rows, err)
	}
	want := RTPStats{Peer: "127.0.0.1", CallID: "19b07e72bdb", RxCount: 958, TxCount: 957, RxJitter: 0.0006, TxJitter: 0.0021}
	if rows[0] != want {
		t.Errorf("%+v", rows[0])
	}
	// Above 100,000 packets chan_sip prints thousands with a K.
	k := "Peer             Call ID      Duration Recv: Pack  Lost       (     %) Jitter Send: Pack  Lost       (     %) Jitter\n" +
		"10.0.0.5         abcdef01234  01:02:03 0000000150K 0000000300 ( 0.20%) 0.0100 0000000150K 0000000000 ( 0.00%) 0.0200\n" +
		"1 active SIP channel\n"
	rows, err = ParseSIPChannelStats(k)
	if err != nil || len(rows) != 1 || rows[0].RxCount != 150000 || rows[0].RxLost != 300 || rows[0].TxJitter != 0.02 {
		t.Errorf("K: %+v %v", rows, err)
	}
	names, err := ParseSIPChannels(cliCapture(t, "busy", "sip show channels"))
	if err != nil || names["e0d8615f893b53f"] != "1031" || names["19b07e72bdbfc06"] != "1034" || len(names) != 4 {
		t.Errorf("sip show channels: %v %v", names, err)
	}
	prow, err := ParsePJSIPChannelStats(cliCapture(t, "pjsip-busy", "pjsip show channelstats"))
	pwant := []RTPStats{
		{Peer: "2031", RxCount: 852, TxCount: 852, RxJitter: 0.002, TxJitter: 0.002, RTT: 0.001, HasRTT: true},
		{Peer: "2032", RxCount: 853, TxCount: 852, RxJitter: 0.003, TxJitter: 0.001, RTT: 0, HasRTT: true},
	}
	if err != nil || !reflect.DeepEqual(prow, pwant) {
		t.Errorf("pjsip: %+v %v", prow, err)
	}
	if rows, err := ParsePJSIPChannelStats(cliCapture(t, "pjsip-idle", "pjsip show channelstats")); err != nil || len(rows) != 0 {
		t.Errorf("pjsip idle: %v %v", rows, err)
	}
	if rows, err := ParseSIPChannelStats(cliCapture(t, "idle", "sip show channelstats")); err != nil || len(rows) != 0 {
		t.Errorf("sip idle: %v %v", rows, err)
	}
}

// `core show channel` of every channel of the busy lab agrees with the AMI Status answer captured in the
// same session from the same real Asterisk: native formats and both translation paths.
func TestParseCoreShowChannelMatchesStatus(t *testing.T) {
	status := map[string]ChannelFormat{}
	for _, m := range amiCapture(t, "busy/13-status-and-channel.raw") {
		if m.Event() == "Status" {
			f := ParseStatus([]*ami.Message{m})[0]
			status[f.Channel] = f
		}
	}
	files, _ := filepath.Glob(filepath.Join(captures, "cli", "busy", "core-show-channel-*.raw"))
	checked := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, ok, err := ParseCoreShowChannel(string(b))
		if err != nil || !ok {
			t.Fatalf("%s: ok=%v err=%v", file, ok, err)
		}
		want, inStatus := status[f.Channel]
		if !inStatus {
			continue // announcer channels (CBAnn) are not in AMI lists
		}
		checked++
		if fmt.Sprint(f.Native) != fmt.Sprint(want.Native) || f.ReadTrans != want.ReadTrans || f.WriteTrans != want.WriteTrans {
			t.Errorf("%s: CLI %+v, AMI Status %+v", filepath.Base(file), f, want)
		}
	}
	if checked < 8 {
		t.Errorf("only %d channels cross-checked", checked)
	}
	if _, ok, err := ParseCoreShowChannel("SIP/9999-00000001 is not a known channel\n"); ok || err != nil {
		t.Errorf("gone channel: ok=%v err=%v", ok, err)
	}
	if _, _, err := ParseCoreShowChannel("No such command 'core show channel'\n"); err == nil {
		t.Error("garbage accepted")
	}
}
