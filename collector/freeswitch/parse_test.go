package freeswitch

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func dur(h, m, s, ms, us int) time.Duration {
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second +
		time.Duration(ms)*time.Millisecond + time.Duration(us)*time.Microsecond
}

// Expected values are read off the capture files by eye.
func TestParseStatus(t *testing.T) {
	idle := Status{
		Version: "1.10.12-release  64bit", Ready: true,
		SPSMax: 30, MaxSessions: 100, MinIdleCPU: 0, IdleCPU: 97.53,
		HasStack: true, StackSize: 240 * 1024, StackSizeMax: 8192 * 1024,
	}
	with := func(s Status, f func(*Status)) Status { f(&s); return s }
	tests := []struct {
		file string
		want Status
	}{
		{"frames/api-status.txt", with(idle, func(s *Status) { s.Uptime = dur(0, 0, 52, 926, 235) })},
		{"frames/api-status-with-extra-header.txt", with(idle, func(s *Status) { s.Uptime = dur(0, 0, 53, 24, 52) })},
		{"calls/call1-echo-hupall/during-api-status.txt", with(idle, func(s *Status) {
			s.Uptime = dur(0, 4, 43, 450, 456)
			s.SessionsSinceStartup, s.Sessions, s.SessionsPeak, s.SessionsPeak5Min = 4, 2, 2, 2
			s.SPSPeak, s.SPSPeak5Min, s.IdleCPU = 2, 2, 97.80
		})},
		{"calls/call1-echo-hupall/after-api-status.txt", with(idle, func(s *Status) {
			s.Uptime = dur(0, 5, 2, 498, 566)
			s.SessionsSinceStartup, s.Sessions, s.SessionsPeak, s.SessionsPeak5Min = 4, 0, 2, 2
			s.SPSPeak, s.SPSPeak5Min, s.IdleCPU = 2, 2, 98.83
		})},
		{"calls/call2-bridge-natural-hangup/during-api-status.txt", with(idle, func(s *Status) {
			s.Uptime = dur(0, 5, 34, 19, 599)
			s.SessionsSinceStartup, s.Sessions, s.SessionsPeak, s.SessionsPeak5Min = 8, 4, 4, 4
			s.SPSPeak, s.SPSPeak5Min, s.IdleCPU = 4, 4, 97.37
		})},
		{"calls/call2-bridge-natural-hangup/after-api-status.txt", with(idle, func(s *Status) {
			s.Uptime = dur(0, 5, 54, 64, 637)
			s.SessionsSinceStartup, s.Sessions, s.SessionsPeak, s.SessionsPeak5Min = 8, 0, 4, 4
			s.SPSPeak, s.SPSPeak5Min, s.IdleCPU = 4, 4, 98.87
		})},
		{"calls/call3-degraded-loss-jitter/during-api-status.txt", with(idle, func(s *Status) {
			s.Uptime = dur(0, 8, 40, 41, 260)
			s.SessionsSinceStartup, s.Sessions, s.SessionsPeak, s.SessionsPeak5Min = 12, 2, 4, 4
			s.SPSPeak, s.SPSPeak5Min, s.IdleCPU = 4, 4, 96.73
		})},
		{"calls/call3-degraded-loss-jitter/after-api-status.txt", with(idle, func(s *Status) {
			s.Uptime = dur(0, 8, 59, 88, 754)
			s.SessionsSinceStartup, s.Sessions, s.SessionsPeak, s.SessionsPeak5Min = 12, 0, 4, 4
			s.SPSPeak, s.SPSPeak5Min, s.IdleCPU = 4, 4, 98.43
		})},
	}
	for _, tt := range tests {
		got, err := ParseStatus(frameBody(t, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.file, got, tt.want)
		}
	}
}

func TestParseStatusVariants(t *testing.T) {
	// Singular units, years and days, "not ready", no stack line, extra lines.
	body := "UP 1 year, 1 day, 1 hour, 1 minute, 1 second, 1 millisecond, 1 microsecond\n" +
		"FreeSWITCH (Version 1.6.20  64bit) is not ready\n" +
		"7653 session(s) since startup\n" +
		"3 session(s) - peak 5, last 5min 4 \n" +
		"1 session(s) per Sec out of max 200, peak 14, last 5min 2 \n" +
		"5000 session(s) max\n" +
		"min idle cpu 10.00/100.00\n" +
		"\nRunning mod_kazoo v1.4.0-1\n"
	got, err := ParseStatus([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := Status{
		Uptime:  366*24*time.Hour + dur(1, 1, 1, 1, 1),
		Version: "1.6.20  64bit", Ready: false,
		SessionsSinceStartup: 7653, Sessions: 3, SessionsPeak: 5, SessionsPeak5Min: 4,
		SPS: 1, SPSMax: 200, SPSPeak: 14, SPSPeak5Min: 2, MaxSessions: 5000,
		MinIdleCPU: 10, IdleCPU: 100,
	}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseStatusErrors(t *testing.T) {
	good := string(frameBody(t, "frames/api-status.txt"))
	for name, body := range map[string]string{
		"empty":           "",
		"garbage":         "hello\x00world",
		"err":             "-ERR status Command not found!\n",
		"missing cpu":     strings.Replace(good, "min idle cpu 0.00/97.53\n", "", 1),
		"missing up":      good[strings.IndexByte(good, '\n')+1:],
		"bad up unit":     strings.Replace(good, "52 seconds", "52 parsecs", 1),
		"bad up number":   strings.Replace(good, "52 seconds", "5x2 seconds", 1),
		"huge up":         strings.Replace(good, "0 years", "4000000000 years", 1),
		"up too few":      strings.Replace(good, ", 235 microseconds", "", 1),
		"up too many":     strings.Replace(good, "235 microseconds", "235 microseconds, 1 nanosecond", 1),
		"cpu over 100":    strings.Replace(good, "0.00/97.53", "0.00/197.53", 1),
		"cpu nan":         strings.Replace(good, "0.00/97.53", "0.00/+.", 1),
		"bad int":         strings.Replace(good, "100 session(s) max", "1-0 session(s) max", 1),
		"int overflow":    strings.Replace(good, "100 session(s) max", "99999999999999999999 session(s) max", 1),
		"stack overflow":  strings.Replace(good, "240K/", "9999999999999999K/", 1),
		"html tags":       "<h1>FreeSWITCH Status</h1>\n<b>",
		"truncated reply": good[:100],
	} {
		if _, err := ParseStatus([]byte(body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseCount(t *testing.T) {
	for file, want := range map[string]int{
		"frames/api-show-calls-count.txt":                                      0,
		"frames/api-show-channels-count.txt":                                   0,
		"frames/api-show-registrations.txt":                                    1,
		"calls/call1-echo-hupall/during-api-show-calls-count.txt":              2,
		"calls/call1-echo-hupall/during-api-show-channels-count.txt":           2,
		"calls/call1-echo-hupall/after-api-show-calls-count.txt":               0,
		"calls/call1-echo-hupall/after-api-show-channels-count.txt":            0,
		"calls/call2-bridge-natural-hangup/during-api-show-calls-count.txt":    3,
		"calls/call2-bridge-natural-hangup/during-api-show-channels-count.txt": 4,
		"calls/call3-degraded-loss-jitter/during-api-show-calls-count.txt":     2,
		"calls/call3-degraded-loss-jitter/during-api-show-channels-count.txt":  2,
		"calls/call3-degraded-loss-jitter/after-api-show-channels-count.txt":   0,
	} {
		got, err := ParseCount(frameBody(t, file))
		if err != nil || got != want {
			t.Errorf("%s: got %d, %v; want %d", file, got, err, want)
		}
	}
	for _, bad := range []string{"", "\n", "total.", " total.", "-1 total.", "1e3 total.", "12 totals.",
		"-ERR show Command not found!\n", "99999999999999999999 total.", "\n0 total.\nmore\n"} {
		if n, err := ParseCount([]byte(bad)); err == nil {
			t.Errorf("%q: got %d, no error", bad, n)
		}
	}
}

func TestParseUptimeEpochVersion(t *testing.T) {
	for _, f := range []string{"frames/api-uptime-s.txt", "frames/api-uptime.txt"} {
		if d, err := ParseUptime(frameBody(t, f)); err != nil || d != 52*time.Second {
			t.Errorf("%s: %v, %v; want 52s", f, d, err)
		}
	}
	if e, err := ParseEpoch(frameBody(t, "frames/api-strepoch.txt")); err != nil || e.Unix() != 1795372971 {
		t.Errorf("strepoch: %v, %v", e, err)
	}
	v, err := ParseVersion(frameBody(t, "frames/api-version.txt"))
	if want := (Version{Version: "1.10.12-release~64bit", Build: "64bit"}); err != nil || v != want {
		t.Errorf("version: %+v, %v; want %+v", v, err, want)
	}
	v, err = ParseVersion([]byte("FreeSWITCH Version 1.10.3-release+git~20200909T121624Z~e52b1a859b~64bit (git e52b1a8 2020-09-09 12:16:24Z 64bit)"))
	if want := (Version{Version: "1.10.3-release+git~20200909T121624Z~e52b1a859b~64bit", Build: "git e52b1a8 2020-09-09 12:16:24Z 64bit"}); err != nil || v != want {
		t.Errorf("version git: %+v, %v; want %+v", v, err, want)
	}
	if _, err := ParseVersion(frameBody(t, "frames/api-version-short.txt")); err == nil {
		t.Error("version short: no error")
	}
	for _, bad := range []string{"", "-1", "abc", "99999999999999999999", "1.5"} {
		if _, err := ParseUptime([]byte(bad)); err == nil {
			t.Errorf("uptime %q: no error", bad)
		}
		if _, err := ParseEpoch([]byte(bad)); err == nil {
			t.Errorf("strepoch %q: no error", bad)
		}
	}
	for _, bad := range []string{"", "FreeSWITCH Version ", "FreeSWITCH Version 1.10 (unclosed", "FreeSWITCH Version 1\n2"} {
		if _, err := ParseVersion([]byte(bad)); err == nil {
			t.Errorf("version %q: no error", bad)
		}
	}
}

func TestParseSofiaXMLStatus(t *testing.T) {
	got, err := ParseSofiaXMLStatus(frameBody(t, "frames/api-sofia-xmlstatus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := SofiaStatus{
		Profiles: []SofiaEntry{
			{"lossy", "profile", "sip:mod_sofia@127.0.0.1:5090", "RUNNING (0)"},
			{"external", "profile", "sip:mod_sofia@127.0.0.1:5080", "RUNNING (0)"},
			{"internal", "profile", "sip:mod_sofia@127.0.0.1:5060", "RUNNING (0)"},
		},
		Gateways: []SofiaEntry{
			{"gw-noreg", "gateway", "sip:nobody@127.0.0.1:5060", "NOREG"},
			{"gw-loop", "gateway", "sip:1000@127.0.0.1:5060", "REGED"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, e := range got.Profiles {
		if n, ok := e.Sessions(); !e.Running() || !ok || n != 0 {
			t.Errorf("%s: running %v sessions %d %v", e.Name, e.Running(), n, ok)
		}
	}
	for _, s := range []string{"RUNNING", "RUNNING (x)", "RUNNING (-1)", "DOWN"} {
		if _, ok := (SofiaEntry{State: s}).Sessions(); ok {
			t.Errorf("Sessions(%q) ok", s)
		}
	}

	// Aliases, an unknown element, UTF-8 and Latin-1 names.
	body := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<profiles>\n" +
		"<profile>\n<name>caf\xc3\xa9</name>\n<type>profile</type>\n<data>sip:x</data>\n<state>RUNNING (3)</state>\n</profile>\n" +
		"<alias>\n<name>a</name>\n<type>alias</type>\n<data>caf\xc3\xa9</data>\n<state>ALIASED</state>\n</alias>\n" +
		"<future><name>z</name></future>\n</profiles>\n"
	got, err = ParseSofiaXMLStatus([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Profiles) != 1 || got.Profiles[0].Name != "café" || len(got.Aliases) != 1 || got.Aliases[0].Data != "café" {
		t.Errorf("utf-8: %+v", got)
	}
	if n, _ := got.Profiles[0].Sessions(); n != 3 {
		t.Errorf("sessions %d, want 3", n)
	}
	latin1 := strings.ReplaceAll(body, "\xc3\xa9", "\xe9")
	got, err = ParseSofiaXMLStatus([]byte(latin1))
	if err != nil {
		t.Fatal(err)
	}
	if got.Profiles[0].Name != "café" {
		t.Errorf("latin-1: %q", got.Profiles[0].Name)
	}
}

func TestParseSofiaXMLErrors(t *testing.T) {
	for name, body := range map[string]string{
		"empty":       "",
		"text":        "Invalid Gateway!\n",
		"err":         "-ERR sofia Command not found!\n",
		"wrong root":  `<?xml version="1.0" encoding="ISO-8859-1"?><gateways></gateways>`,
		"unclosed":    "<profiles><profile><name>x</name>",
		"mismatched":  "<profiles><profile><name>x</nom></profile></profiles>",
		"charset":     `<?xml version="1.0" encoding="EBCDIC"?><profiles></profiles>`,
		"no name":     "<profiles><profile><type>profile</type></profile></profiles>",
		"deep":        strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100),
		"long field":  "<profiles><profile><name>" + strings.Repeat("x", 5000) + "</name></profile></profiles>",
		"bad utf8":    "<profiles><profile><name>\xff</name></profile></profiles>",
		"bad entity":  "<profiles><profile><name>&bogus;</name></profile></profiles>",
		"two roots?":  "<profiles></profiles><profiles>",
		"only prolog": `<?xml version="1.0"?>`,
	} {
		if _, err := ParseSofiaXMLStatus([]byte(body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// The same limits hold for the gateway reply.
	many := "<gateways>" + strings.Repeat("<gateway><name>g</name></gateway>", maxXMLRecords+1) + "</gateways>"
	if _, err := ParseGatewaysXML([]byte(many)); err == nil {
		t.Error("too many records: no error")
	}
	wide := "<gateway>" + strings.Repeat("<x>1</x>", maxXMLFields+1) + "<name>g</name></gateway>"
	if _, err := ParseGatewaysXML([]byte(wide)); err == nil {
		t.Error("too many fields: no error")
	}
}

var (
	gwNoreg = Gateway{
		Name: "gw-noreg", Profile: "external", Scheme: "Digest", Realm: "127.0.0.1:5060", Username: "nobody",
		From: "<sip:nobody@127.0.0.1:5060>", Contact: "<sip:gw+gw-noreg@127.0.0.1:5080;transport=udp;gw=gw-noreg>",
		Exten: "nobody", To: "sip:nobody@127.0.0.1:5060", Proxy: "sip:127.0.0.1:5060", Context: "public",
		Expires: 3600 * time.Second, Freq: 3600 * time.Second, Ping: time.Unix(1795372980, 0),
		PingFreq: 20 * time.Second, PingMin: 1, PingCount: 1, PingMax: 1, PingTime: 900 * time.Microsecond,
		State: "NOREG", Status: "UP", Uptime: 50885180 * time.Microsecond,
	}
	gwLoop = Gateway{
		Name: "gw-loop", Profile: "external", Scheme: "Digest", Realm: "127.0.0.1", Username: "1000",
		From: "<sip:1000@127.0.0.1>", Contact: "<sip:gw+gw-loop@127.0.0.1:5080;transport=udp;gw=gw-loop>",
		Exten: "1000", To: "sip:1000@127.0.0.1:5060", Proxy: "sip:127.0.0.1:5060", Context: "public",
		Expires: 120 * time.Second, Freq: 120 * time.Second, Ping: time.Unix(1795372975, 0),
		PingFreq: 20 * time.Second, PingMin: 1, PingCount: 1, PingMax: 1, PingTime: 970 * time.Microsecond,
		State: "REGED", Status: "UP", Uptime: 16826585 * time.Microsecond,
	}
)

func TestParseGatewaysXML(t *testing.T) {
	set := func(g Gateway, f func(*Gateway)) Gateway { f(&g); return g }
	tests := []struct {
		file string
		want []Gateway
	}{
		{"frames/api-sofia-xmlstatus-gateway.txt", []Gateway{gwNoreg, gwLoop}},
		{"frames/api-sofia-xmlstatus-gateway.fail-wait.txt", []Gateway{
			set(gwNoreg, func(g *Gateway) {
				g.Ping, g.PingCount, g.PingTime, g.Uptime = time.Unix(1795372940, 0), 0, 0, 11472522*time.Microsecond
			}),
			set(gwLoop, func(g *Gateway) {
				g.Ping, g.PingCount, g.PingTime, g.Uptime = time.Unix(1795372940, 0), 0, 0, 0
				g.State, g.Status, g.Retry = "FAIL_WAIT", "DOWN", 21*time.Second
			}),
		}},
		{"frames/api-sofia-xmlstatus-gateway-gw-loop.txt", []Gateway{
			set(gwLoop, func(g *Gateway) { g.Uptime = 16829195 * time.Microsecond }),
		}},
		{"frames/api-sofia-xmlstatus-gateway-gw-noreg.txt", []Gateway{
			set(gwNoreg, func(g *Gateway) { g.Uptime = 50890177 * time.Microsecond }),
		}},
		{"calls/call1-echo-hupall/during-api-sofia-xmlstatus-gateway-gw-loop.txt", []Gateway{
			set(gwLoop, func(g *Gateway) {
				g.Ping, g.PingTime, g.Uptime = time.Unix(1795373215, 0), 890*time.Microsecond, 247323404*time.Microsecond
			}),
		}},
		{"calls/call2-bridge-natural-hangup/during-api-sofia-xmlstatus-gateway-gw-loop.txt", []Gateway{
			set(gwLoop, func(g *Gateway) {
				g.Ping, g.PingTime, g.Uptime = time.Unix(1795373255, 0), 810*time.Microsecond, 297893154*time.Microsecond
			}),
		}},
		{"calls/call3-degraded-loss-jitter/during-api-sofia-xmlstatus-gateway-gw-loop.txt", []Gateway{
			set(gwLoop, func(g *Gateway) {
				g.Ping, g.PingTime, g.Uptime = time.Unix(1795373456, 0), 880*time.Microsecond, 483914769*time.Microsecond
			}),
		}},
	}
	for _, tt := range tests {
		got, err := ParseGatewaysXML(frameBody(t, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.file, got, tt.want)
		}
	}
	if _, err := ParseGatewaysXML(frameBody(t, "frames/api-sofia-xmlstatus-gateway-nosuchgw.txt")); err == nil ||
		!strings.Contains(err.Error(), "Invalid Gateway!") {
		t.Errorf("nosuchgw: %v", err)
	}
	if gws, err := ParseGatewaysXML([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<gateways>\n</gateways>\n")); err != nil || len(gws) != 0 {
		t.Errorf("no gateways: %v %v", gws, err)
	}
	for name, body := range map[string]string{
		"bad number":    "<gateway><name>g</name><expires>soon</expires></gateway>",
		"bad pingtime":  "<gateway><name>g</name><pingtime>NaN</pingtime></gateway>",
		"huge pingtime": "<gateway><name>g</name><pingtime>1e300</pingtime></gateway>",
		"bad calls":     "<gateway><name>g</name><calls-in>-1</calls-in></gateway>",
		"bad uptime":    "<gateway><name>g</name><uptime-usec>99999999999999999999</uptime-usec></gateway>",
		"bad retry":     "<gateway><name>g</name><retry>soon</retry></gateway>",
		"no name":       "<gateways><gateway><state>REGED</state></gateway></gateways>",
		"profile root":  frameBodyString(t, "frames/api-sofia-xmlstatus-profile-internal.txt"),
	} {
		if _, err := ParseGatewaysXML([]byte(body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func frameBodyString(t *testing.T, rel string) string { return string(frameBody(t, rel)) }

func TestParseRegistrationsJSON(t *testing.T) {
	got, err := ParseRegistrationsJSON(frameBody(t, "frames/api-show-registrations-as-json.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Registration{{
		User: "1000", Realm: "127.0.0.1", Token: "ac219381-23ae-474a-9810-9e60c8bfb134",
		URL:     "sofia/internal/sip:gw+gw-loop@127.0.0.1:5080;transport=udp;gw=gw-loop",
		Expires: time.Unix(1795373133, 0), NetworkIP: "127.0.0.1", NetworkPort: 5080, NetworkProto: "udp",
		Hostname: "vm", Metadata: "",
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// Zero rows: `show … as json` prints {"row_count": 0} (captured for calls and channels).
	for _, ok := range []string{frameBodyString(t, "frames/api-show-calls-as-json.txt"), `{"row_count":0,"rows":[]}`} {
		if regs, err := ParseRegistrationsJSON([]byte(ok)); err != nil || len(regs) != 0 {
			t.Errorf("%s: %v %v", ok, regs, err)
		}
	}
	for _, bad := range []string{"", "1 total.", "{}", `{"row_count":2,"rows":[{}]}`, `{"row_count":"1"}`,
		`{"row_count":1,"rows":[{"expires":"x"}]}`, `{"row_count":1,"rows":[{"network_port":"70000"}]}`, `{"row_count":1`} {
		if _, err := ParseRegistrationsJSON([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
