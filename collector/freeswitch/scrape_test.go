package freeswitch

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/source"
)

func TestScrapeStatus(t *testing.T) {
	samples := func(since, cur, peak, peak5, sps, spsPeak, spsPeak5 string, idle string) string {
		return hdr(t, statusSessionsTotal, "counter") + "freeswitch_sessions_total " + since + "\n" +
			hdr(t, statusSessions, "gauge") + "freeswitch_current_sessions " + cur + "\n" +
			hdr(t, statusSessionsPeak, "gauge") + "freeswitch_current_sessions_peak " + peak + "\n" +
			hdr(t, statusSessionsPeak5, "gauge") + "freeswitch_current_sessions_peak_last_5min " + peak5 + "\n" +
			hdr(t, statusSPS, "gauge") + "freeswitch_current_sps " + sps + "\n" +
			hdr(t, statusSPSPeak, "gauge") + "freeswitch_current_sps_peak " + spsPeak + "\n" +
			hdr(t, statusSPSPeak5, "gauge") + "freeswitch_current_sps_peak_last_5min " + spsPeak5 + "\n" +
			hdr(t, statusMaxSPS, "gauge") + "freeswitch_max_sps 30\n" +
			hdr(t, statusMaxSessions, "gauge") + "freeswitch_max_sessions 100\n" +
			hdr(t, statusIdleCPU, "gauge") + "freeswitch_current_idle_cpu_ratio " + idle + "\n" +
			hdr(t, statusMinIdleCPU, "gauge") + "freeswitch_min_idle_cpu_ratio 0\n" +
			hdr(t, statusReady, "gauge") + "freeswitch_ready 1\n" +
			hdr(t, statusStack, "gauge") + "freeswitch_stack_size_bytes 245760\n" +
			hdr(t, statusStackMax, "gauge") + "freeswitch_stack_size_max_bytes 8388608\n"
	}
	compareScrape(t, statusScraper{}, newFakeAPI(t, idleFiles), samples("0", "0", "0", "0", "0", "0", "0", "0.9753"))
	compareScrape(t, statusScraper{}, newFakeAPI(t, map[string]string{
		"status": "calls/call3-degraded-loss-jitter/during-api-status.txt",
	}), samples("12", "2", "4", "4", "0", "4", "4", "0.9673"))
}

func TestScrapeCounts(t *testing.T) {
	api := newFakeAPI(t, map[string]string{
		"show calls count":    "calls/call2-bridge-natural-hangup/during-api-show-calls-count.txt",
		"show channels count": "calls/call2-bridge-natural-hangup/during-api-show-channels-count.txt",
	})
	compareScrape(t, callsCountScraper{}, api, hdr(t, callsCurrent, "gauge")+"freeswitch_current_calls 3\n")
	compareScrape(t, channelsCountScraper{}, api, hdr(t, channelsCurrent, "gauge")+"freeswitch_current_channels 4\n")
	idle := newFakeAPI(t, idleFiles)
	compareScrape(t, callsCountScraper{}, idle, hdr(t, callsCurrent, "gauge")+"freeswitch_current_calls 0\n")
	compareScrape(t, channelsCountScraper{}, idle, hdr(t, channelsCurrent, "gauge")+"freeswitch_current_channels 0\n")
}

func TestScrapeUptimeVersion(t *testing.T) {
	api := newFakeAPI(t, idleFiles)
	compareScrape(t, uptimeScraper{}, api, hdr(t, uptimeSeconds, "gauge")+"freeswitch_uptime_seconds 52\n")
	compareScrape(t, versionScraper{}, api, hdr(t, versionInfo, "gauge")+
		`freeswitch_version_info{build="64bit",version="1.10.12-release~64bit"} 1`+"\n")
}

func TestScrapeStrepoch(t *testing.T) {
	api := newFakeAPI(t, idleFiles) // strepoch 1795372971
	clock := func(sec int64, ns int64) func() time.Time {
		return func() time.Time { return time.Unix(sec, ns) }
	}
	want := func(synced, offset string) string {
		return hdr(t, timeSynced, "gauge") + "freeswitch_time_synced " + synced + "\n" +
			hdr(t, timeOffset, "gauge") + "freeswitch_time_offset_seconds " + offset + "\n"
	}
	// In sync: FreeSWITCH's 1795372971 covers [..971, ..972); its middle is our ..971.5.
	compareScrape(t, strepochScraper{now: clock(1795372971, 5e8)}, api, want("1", "0"))
	// FreeSWITCH 5 s ahead of us: positive offset, out of the default 1 s.
	compareScrape(t, strepochScraper{now: clock(1795372966, 5e8)}, api, want("0", "5"))
	// FreeSWITCH 3 s behind us, within a 5 s tolerance.
	compareScrape(t, strepochScraper{now: clock(1795372974, 5e8), tolerance: 5 * time.Second}, api, want("1", "-3"))
	// The request's middle counts: before ..971.0, after ..972.0 (the
	// registry collects more than once: the clock alternates).
	calls := 0
	ticking := func() time.Time { calls++; return time.Unix(1795372972-int64(calls%2), 0) }
	compareScrape(t, strepochScraper{now: ticking}, api, want("1", "0"))
}

func TestScrapeSofiaStatus(t *testing.T) {
	want := hdr(t, sofiaProfileInfo, "gauge") +
		`freeswitch_sofia_profile_info{profile="external",url="sip:mod_sofia@127.0.0.1:5080"} 1` + "\n" +
		`freeswitch_sofia_profile_info{profile="internal",url="sip:mod_sofia@127.0.0.1:5060"} 1` + "\n" +
		`freeswitch_sofia_profile_info{profile="lossy",url="sip:mod_sofia@127.0.0.1:5090"} 1` + "\n" +
		hdr(t, sofiaProfileSessions, "gauge") +
		`freeswitch_sofia_profile_sessions{profile="external"} 0` + "\n" +
		`freeswitch_sofia_profile_sessions{profile="internal"} 0` + "\n" +
		`freeswitch_sofia_profile_sessions{profile="lossy"} 0` + "\n" +
		hdr(t, sofiaProfileUp, "gauge") +
		`freeswitch_sofia_profile_up{profile="external"} 1` + "\n" +
		`freeswitch_sofia_profile_up{profile="internal"} 1` + "\n" +
		`freeswitch_sofia_profile_up{profile="lossy"} 1` + "\n"
	compareScrape(t, sofiaStatusScraper{}, newFakeAPI(t, idleFiles), want)

	// A stopped profile, a duplicate, and a state without a session count.
	api := &fakeAPI{bodies: map[string][]byte{"sofia xmlstatus": []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>
<profiles>
<profile><name>a</name><type>profile</type><data>sip:a</data><state>DOWN</state></profile>
<profile><name>a</name><type>profile</type><data>sip:a2</data><state>RUNNING (1)</state></profile>
</profiles>`)}}
	compareScrape(t, sofiaStatusScraper{}, api, hdr(t, sofiaProfileInfo, "gauge")+
		`freeswitch_sofia_profile_info{profile="a",url="sip:a"} 1`+"\n"+
		hdr(t, sofiaProfileUp, "gauge")+`freeswitch_sofia_profile_up{profile="a"} 0`+"\n")
}

// gatewayStates renders the one-hot freeswitch_sofia_gateway_state series.
func gatewayStates(profile, gw, state string) string {
	var b strings.Builder
	for _, s := range GatewayStates {
		v := "0"
		if s == state {
			v = "1"
		}
		b.WriteString(`freeswitch_sofia_gateway_state{gateway="` + gw + `",profile="` + profile + `",state="` + s + `"} ` + v + "\n")
	}
	return b.String()
}

func TestScrapeSofiaGateways(t *testing.T) {
	calls := func(gws ...string) string {
		s := hdr(t, sofiaGwCalls, "counter")
		for _, g := range gws {
			s += `freeswitch_sofia_gateway_calls_total{direction="in",gateway="` + g + `",profile="external"} 0` + "\n" +
				`freeswitch_sofia_gateway_calls_total{direction="out",gateway="` + g + `",profile="external"} 0` + "\n"
		}
		s += hdr(t, sofiaGwFailed, "counter")
		for _, g := range gws {
			s += `freeswitch_sofia_gateway_failed_calls_total{direction="in",gateway="` + g + `",profile="external"} 0` + "\n" +
				`freeswitch_sofia_gateway_failed_calls_total{direction="out",gateway="` + g + `",profile="external"} 0` + "\n"
		}
		return s
	}
	// Registered gw-loop, and gw-noreg (register=false): no _registered series for it.
	want := calls("gw-loop", "gw-noreg") +
		hdr(t, sofiaGwPing, "gauge") +
		`freeswitch_sofia_gateway_ping_seconds{gateway="gw-loop",profile="external"} 0.00097` + "\n" +
		`freeswitch_sofia_gateway_ping_seconds{gateway="gw-noreg",profile="external"} 0.0009` + "\n" +
		hdr(t, sofiaGwReged, "gauge") +
		`freeswitch_sofia_gateway_registered{gateway="gw-loop",profile="external"} 1` + "\n" +
		hdr(t, sofiaGwState, "gauge") + gatewayStates("external", "gw-loop", "REGED") + gatewayStates("external", "gw-noreg", "NOREG") +
		hdr(t, sofiaGwUp, "gauge") +
		`freeswitch_sofia_gateway_up{gateway="gw-loop",profile="external"} 1` + "\n" +
		`freeswitch_sofia_gateway_up{gateway="gw-noreg",profile="external"} 1` + "\n" +
		hdr(t, sofiaGwUptime, "gauge") +
		`freeswitch_sofia_gateway_uptime_seconds{gateway="gw-loop",profile="external"} 16.826585` + "\n" +
		`freeswitch_sofia_gateway_uptime_seconds{gateway="gw-noreg",profile="external"} 50.88518` + "\n"
	compareScrape(t, sofiaGatewaysScraper{}, newFakeAPI(t, idleFiles), want)

	// gw-loop failing to register: FAIL_WAIT, DOWN, registered 0.
	want = calls("gw-loop", "gw-noreg") +
		hdr(t, sofiaGwPing, "gauge") +
		`freeswitch_sofia_gateway_ping_seconds{gateway="gw-loop",profile="external"} 0` + "\n" +
		`freeswitch_sofia_gateway_ping_seconds{gateway="gw-noreg",profile="external"} 0` + "\n" +
		hdr(t, sofiaGwReged, "gauge") +
		`freeswitch_sofia_gateway_registered{gateway="gw-loop",profile="external"} 0` + "\n" +
		hdr(t, sofiaGwState, "gauge") + gatewayStates("external", "gw-loop", "FAIL_WAIT") + gatewayStates("external", "gw-noreg", "NOREG") +
		hdr(t, sofiaGwUp, "gauge") +
		`freeswitch_sofia_gateway_up{gateway="gw-loop",profile="external"} 0` + "\n" +
		`freeswitch_sofia_gateway_up{gateway="gw-noreg",profile="external"} 1` + "\n" +
		hdr(t, sofiaGwUptime, "gauge") +
		`freeswitch_sofia_gateway_uptime_seconds{gateway="gw-loop",profile="external"} 0` + "\n" +
		`freeswitch_sofia_gateway_uptime_seconds{gateway="gw-noreg",profile="external"} 11.472522` + "\n"
	compareScrape(t, sofiaGatewaysScraper{}, newFakeAPI(t, map[string]string{
		"sofia xmlstatus gateway": "frames/api-sofia-xmlstatus-gateway.fail-wait.txt",
	}), want)
}

func TestScrapeGatewayLabelEscaping(t *testing.T) {
	// A name with a quote, a backslash and a newline (XML character
	// references), an unknown state, calls, and a duplicate that is dropped.
	body := `<?xml version="1.0" encoding="ISO-8859-1"?>
<gateways>
  <gateway>
    <name>a&quot;b\c&#10;d</name>
    <profile>ext</profile>
    <password>secret</password>
    <pingtime>1500.25</pingtime>
    <state>WEIRD (retry: 3s)</state>
    <calls-in>7</calls-in>
    <calls-out>8</calls-out>
    <failed-calls-in>1</failed-calls-in>
    <failed-calls-out>2</failed-calls-out>
  </gateway>
  <gateway><name>a&quot;b\c&#10;d</name><profile>ext</profile><calls-in>99</calls-in></gateway>
</gateways>`
	api := &fakeAPI{bodies: map[string][]byte{"sofia xmlstatus gateway": []byte(body)}}
	l := `gateway="a\"b\\c\nd",profile="ext"`
	want := hdr(t, sofiaGwCalls, "counter") +
		`freeswitch_sofia_gateway_calls_total{direction="in",` + l + `} 7` + "\n" +
		`freeswitch_sofia_gateway_calls_total{direction="out",` + l + `} 8` + "\n" +
		hdr(t, sofiaGwFailed, "counter") +
		`freeswitch_sofia_gateway_failed_calls_total{direction="in",` + l + `} 1` + "\n" +
		`freeswitch_sofia_gateway_failed_calls_total{direction="out",` + l + `} 2` + "\n" +
		hdr(t, sofiaGwPing, "gauge") + `freeswitch_sofia_gateway_ping_seconds{` + l + `} 1.50025` + "\n" +
		hdr(t, sofiaGwReged, "gauge") + `freeswitch_sofia_gateway_registered{` + l + `} 0` + "\n" +
		hdr(t, sofiaGwState, "gauge") + gatewayStates("ext", `a\"b\\c\nd`, "") +
		`freeswitch_sofia_gateway_state{` + l + `,state="WEIRD"} 1` + "\n" +
		hdr(t, sofiaGwUptime, "gauge") + `freeswitch_sofia_gateway_uptime_seconds{` + l + `} 0` + "\n"
	compareScrape(t, sofiaGatewaysScraper{}, api, want)
	if strings.Contains(want, "secret") {
		t.Fatal("password leaked")
	}
}

func TestScrapeRegistrations(t *testing.T) {
	zero := func(except string) string {
		var s string
		for _, p := range registrationProtos {
			if p != except {
				s += `freeswitch_registrations{network_proto="` + p + `"} 0` + "\n"
			}
		}
		return s
	}
	compareScrape(t, registrationsScraper{}, newFakeAPI(t, idleFiles), hdr(t, registrations, "gauge")+
		`freeswitch_registrations{network_proto="udp"} 1`+"\n"+zero("udp"))

	// Unknown protocols are kept up to a cap, the most frequent first, then
	// summed as "other". Two rows with no protocol rank "unknown" first.
	rows := []string{`{"network_proto":""}`, `{"network_proto":" "}`}
	for i := range maxOtherProtos + 3 {
		rows = append(rows, `{"network_proto":"p`+string(rune('a'+i))+`"}`)
	}
	rows = append(rows, `{"network_proto":"UDP"}`)
	body := `{"row_count":` + strconv.Itoa(len(rows)) + `,"rows":[` + strings.Join(rows, ",") + `]}`
	api := &fakeAPI{bodies: map[string][]byte{"show registrations as json": []byte(body)}}
	want := hdr(t, registrations, "gauge") + zero("udp") + `freeswitch_registrations{network_proto="udp"} 1` + "\n" +
		`freeswitch_registrations{network_proto="unknown"} 2` + "\n" +
		`freeswitch_registrations{network_proto="other"} 4` + "\n"
	for i := range maxOtherProtos - 1 {
		want += `freeswitch_registrations{network_proto="p` + string(rune('a'+i)) + `"} 1` + "\n"
	}
	compareScrape(t, registrationsScraper{}, api, want)
}

// A command FreeSWITCH does not know (module not loaded) is no data, not a
// failure, in both conventions an API client may use.
func TestScrapeCommandNotFound(t *testing.T) {
	notFound := frameBody(t, "frames/api-nonexistentcmd.txt")
	for _, s := range Scrapers() {
		api := &fakeAPI{bodies: map[string][]byte{}, errs: map[string]error{}}
		for cmd := range idleFiles {
			api.bodies[cmd] = notFound
		}
		if err := s.Scrape(context.Background(), api, drain()); !source.IsNoData(err) {
			t.Errorf("%s: body -ERR: %v, want NoData", s.Name(), err)
		}
		api.bodies = map[string][]byte{} // the error alone says it
		for cmd := range idleFiles {
			api.errs[cmd] = errors.New("esl: api x: -ERR x Command not found!")
		}
		if err := s.Scrape(context.Background(), api, drain()); !source.IsNoData(err) {
			t.Errorf("%s: error -ERR: %v, want NoData", s.Name(), err)
		}
	}
}

func TestScrapeErrors(t *testing.T) {
	transport := errors.New("connection reset")
	for _, s := range Scrapers() {
		for name, api := range map[string]*fakeAPI{
			"transport": {bodies: map[string][]byte{}, errs: allCommands(transport)},
			"other -ERR": {bodies: allBodies([]byte("-ERR no reply\n")),
				errs: allCommands(errors.New("esl: api x: -ERR no reply"))},
			"usage":   {bodies: allBodies([]byte("-USAGE: sofia xmlstatus\n"))},
			"garbage": {bodies: allBodies([]byte("\x00\xff garbage <\n"))},
			"empty":   {bodies: allBodies(nil)},
		} {
			err := s.Scrape(context.Background(), api, drain())
			if err == nil || source.IsNoData(err) {
				t.Errorf("%s: %s: %v, want an error", s.Name(), name, err)
			}
			if name == "transport" && !errors.Is(err, transport) {
				t.Errorf("%s: %v does not wrap the transport error", s.Name(), err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Scrape(ctx, newFakeAPI(t, idleFiles), drain()); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: cancelled: %v", s.Name(), err)
		}
	}
}

func allCommands(err error) map[string]error {
	m := map[string]error{}
	for cmd := range idleFiles {
		m[cmd] = err
	}
	return m
}

func allBodies(b []byte) map[string][]byte {
	m := map[string][]byte{}
	for cmd := range idleFiles {
		m[cmd] = b
	}
	return m
}

func drain() chan<- prometheus.Metric {
	ch := make(chan prometheus.Metric)
	go func() {
		for range ch { //nolint:revive // discard
		}
	}()
	return ch
}

func TestScrapers(t *testing.T) {
	seen := map[string]bool{}
	var names []string
	for _, s := range Scrapers() {
		if seen[s.Name()] || s.Help() == "" || !s.Default() {
			t.Errorf("%s: duplicate, no help or off by default", s.Name())
		}
		seen[s.Name()] = true
		names = append(names, s.Name())
	}
	want := "status calls_count channels_count uptime strepoch version sofia_status sofia_gateways registrations"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("order %q, want %q", got, want)
	}
}

// allCollector runs every scraper through source.Collector, as an instance does.
type allCollector struct{ c *source.Collector[API] }

func (a allCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(a, ch) }
func (a allCollector) Collect(ch chan<- prometheus.Metric) { _ = a.c.Collect(context.Background(), ch) }

// All scrapers together on the captures: no metric name clash, nothing
// invalid, up = 1, every collector successful.
func TestAllScrapersTogether(t *testing.T) {
	for name, files := range map[string]map[string]string{"idle": idleFiles, "call": duringCallFiles()} {
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(allCollector{&source.Collector[API]{Source: Namespace, Client: newFakeAPI(t, files), Scrapers: Scrapers()}})
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		successes := 0
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				switch mf.GetName() {
				case "freeswitch_up":
					if m.GetGauge().GetValue() != 1 {
						t.Errorf("%s: freeswitch_up %v", name, m.GetGauge().GetValue())
					}
				case "voip_exporter_scrape_collector_success":
					successes++
					if m.GetGauge().GetValue() != 1 {
						t.Errorf("%s: %v failed", name, m.GetLabel())
					}
				}
			}
		}
		if successes != len(Scrapers()) {
			t.Errorf("%s: %d collector_success series, want %d", name, successes, len(Scrapers()))
		}
	}
}

func duringCallFiles() map[string]string {
	m := map[string]string{}
	for k, v := range idleFiles {
		m[k] = v
	}
	m["status"] = "calls/call1-echo-hupall/during-api-status.txt"
	m["show calls count"] = "calls/call1-echo-hupall/during-api-show-calls-count.txt"
	m["show channels count"] = "calls/call1-echo-hupall/during-api-show-channels-count.txt"
	m["sofia xmlstatus gateway"] = "calls/call1-echo-hupall/during-api-sofia-xmlstatus-gateway-gw-loop.txt"
	return m
}
