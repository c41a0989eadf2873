package asterisk

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/voip-exporter/voip_exporter/config"
	simast "github.com/voip-exporter/voip_exporter/sim/asterisk"
)

// fakeAsterisk is the stand-in `asterisk` program (sim/asterisk/cmd/asterisk)
// the CLI-mode tests run: built once, without the race detector, so that
// each `-rx` stays quick.
var fakeAsterisk string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fake-asterisk")
	if err != nil {
		panic(err)
	}
	fakeAsterisk = filepath.Join(dir, "asterisk")
	build := exec.Command("go", "build", "-o", fakeAsterisk, "../../sim/asterisk/cmd/asterisk")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the fake asterisk:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func startSim(t testing.TB, cfg simast.Config) *simast.Server {
	t.Helper()
	s := simast.New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// busyLab starts the lab's calls: 1031 (ulaw) → 1032 (alaw), 1033 in
// conference 8000, 1034 in queue support, 2031 → 2032 over PJSIP.
func busyLab(t testing.TB, s *simast.Server) {
	t.Helper()
	for _, err := range []error{
		second(s.StartCall(simast.CallSpec{From: "1031", To: "1032", Loss: 0.02, Jitter: 3 * time.Millisecond})),
		second(s.StartConference("SIP", "1033", "8000", 0)),
		second(s.StartQueueCall("SIP", "1034", "support", 0)),
		second(s.StartCall(simast.CallSpec{Tech: "PJSIP", From: "2031", To: "2032", RTT: 20 * time.Millisecond})),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func amiConfig(s *simast.Server, fleet ...string) config.Asterisk {
	return config.Asterisk{Name: "pbx", Mode: config.AsteriskModeAMI, Address: s.Addr(), Username: "exporter",
		Secret: "exporterpass", Timeout: 3 * time.Second, PhoneFleet: config.PhoneFleet{Ranges: fleet}}
}

func newInstance(t testing.TB, cfg config.Asterisk) *Instance {
	t.Helper()
	exts, err := config.ExpandFleet(cfg.PhoneFleet.Ranges)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := NewInstance(cfg, ScrapersWith(Options{PhoneFleet: exts}), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { inst.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); inst.Close(); <-done })
	return inst
}

// scrape collects an instance into a text exposition.
func scrape(t testing.TB, inst *Instance) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(instCollector{inst}); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

type instCollector struct{ i *Instance }

// Describe sends nothing: an unchecked collector, collected once per Gather.
func (c instCollector) Describe(chan<- *prometheus.Desc) {}
func (c instCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.i.Timeout())
	defer cancel()
	c.i.Collect(ctx, ch)
}

func sample(expo, series string) string {
	for _, l := range strings.Split(expo, "\n") {
		if strings.HasPrefix(l, series+" ") {
			return strings.TrimPrefix(l, series+" ")
		}
	}
	return ""
}

func waitConnected(t testing.TB, inst *Instance) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !inst.Health().Connected {
		if time.Now().After(deadline) {
			t.Fatalf("not connected: %+v", inst.Health())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func expect(t *testing.T, expo string, want map[string]string) {
	t.Helper()
	for series, v := range want {
		if got := sample(expo, series); got != v {
			t.Errorf("%s = %q, want %q", series, got, v)
		}
	}
}

// labExpectations holds for both modes (CLI and AMI) on the busy lab.
var labExpectations = map[string]string{
	`asterisk_up`:                                                                        "1",
	`asterisk_active_calls`:                                                              "4",
	`asterisk_sip_peer_up{peer="carrier2"}`:                                              "0",
	`asterisk_sip_peer_up{peer="1031"}`:                                                  "1",
	`asterisk_sip_peer_latency_seconds{peer="carrier1"}`:                                 "0.001",
	`asterisk_pjsip_endpoint_up{endpoint="2033"}`:                                        "0",
	`asterisk_pjsip_endpoint_status{endpoint="2031",status="In use"}`:                    "1",
	`asterisk_pjsip_contact_rtt_seconds{aor="pjcarrier1"}`:                               "0.000496",
	`asterisk_registration_up{registration="pjcarrier2-reg",technology="pjsip"}`:         "0",
	`asterisk_registration_up{registration="trunkuser@127.0.0.1:5070",technology="sip"}`: "1",
	`asterisk_confbridge_conferences`:                                                    "1",
	`asterisk_confbridge_participants`:                                                   "1",
	`asterisk_phone_fleet_state{peer="1031"}`:                                            "2",
	`asterisk_phone_fleet_state{peer="1035"}`:                                            "0",
	`asterisk_phone_fleet_state{peer="2031"}`:                                            "2",
	`asterisk_phone_fleet_state{peer="2033"}`:                                            "0",
	`asterisk_phone_fleet_registered`:                                                    "6",
	`asterisk_phone_fleet_incall`:                                                        "6",
	`asterisk_phone_fleet_phones`:                                                        "9",
	`asterisk_rtp_packet_loss_ratio{direction="receive",peer="1031",technology="sip"}`:   "0.02",
	`asterisk_sip_allowed_codec{codec="gsm"}`:                                            "1",
	`asterisk_version_info{version="20.20.1"}`:                                           "1",
}

// skewClock is a simulator clock that tests move forward.
type skewClock struct{ off atomic.Int64 }

func (c *skewClock) now() time.Time      { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *skewClock) add(d time.Duration) { c.off.Add(int64(d)) }

// labSim starts the lab with its calls, 100 s into them (5,000 RTP packets
// each way per channel, so 2% loss reads 0.02).
func labSim(t *testing.T, rtcp time.Duration) *simast.Server {
	t.Helper()
	var clk skewClock
	cfg := simast.Lab()
	cfg.Clock = clk.now
	cfg.RTCPInterval = rtcp
	s := startSim(t, cfg)
	busyLab(t, s)
	clk.add(100 * time.Second)
	return s
}

func TestInstanceAMI(t *testing.T) {
	s := labSim(t, 20*time.Millisecond)
	inst := newInstance(t, amiConfig(s, "1031-1036", "2031-2033"))
	waitConnected(t, inst)
	time.Sleep(100 * time.Millisecond) // a few RTCP reports
	before := inst.Client().Stats().ActionsSent
	expo := scrape(t, inst)
	rounds := inst.Client().Stats().ActionsSent - before
	expect(t, expo, labExpectations)
	expect(t, expo, map[string]string{
		// CoreCurrentCalls counts every channel, the conference announcer pair included.
		`asterisk_active_channels`:                   "8",
		`asterisk_transcoding_channels`:              "6",
		`asterisk_codec_mismatch{pair="ulaw->alaw"}`: "2",
		`asterisk_codec_mismatch{pair="alaw->ulaw"}`: "2",
		`asterisk_channel_transcoding{codec="ulaw",direction="read",peer="1033",technology="SIP"}`: "1",
		`asterisk_rtcp_rtt_seconds{peer="2031",technology="PJSIP"}`:                                "0.02",
		`asterisk_rtcp_fraction_lost_ratio{direction="receive",peer="1031",technology="SIP"}`:      "0.01953125",
		`voip_exporter_connection_up{source="asterisk"}`:                                           "1",
	})
	for _, l := range strings.Split(expo, "\n") {
		if strings.HasPrefix(l, "voip_exporter_scrape_collector_success") && !strings.HasSuffix(l, " 1") {
			t.Errorf("collector failed: %s", l)
		}
	}
	// One round trip per action or command, however many scrapers need it
	// (17: DAHDIShowStatus, answered "Invalid/unknown command" by the lab
	// without chan_dahdi, so no PRIShowSpans follows).
	if rounds != 17 {
		t.Errorf("%d round trips per scrape, want 17", rounds)
	}
	promtool(t, expo)
}

func TestInstanceCLI(t *testing.T) {
	s := labSim(t, 0)
	sock := filepath.Join(t.TempDir(), "asterisk.ctl")
	if err := s.StartCLI(sock); err != nil {
		t.Fatal(err)
	}
	c := config.Asterisk{Name: "pbx", Mode: config.AsteriskModeCLI, CLICommand: fakeAsterisk + " -s " + sock + " -rx",
		Timeout: 5 * time.Second, PhoneFleet: config.PhoneFleet{Ranges: []string{"1031-1036", "2031-2033"}}}
	inst := newInstance(t, c)
	expo := scrape(t, inst)
	expect(t, expo, labExpectations)
	expect(t, expo, map[string]string{
		`asterisk_active_channels`:                         "8",
		`voip_exporter_cli_command_errors_total`:           "0",
		`asterisk_channels{state="Up",technology="CBAnn"}`: "2",
		// Transcoding over the CLI (one `core show channel` per channel) agrees with AMI Status.
		`asterisk_transcoding_channels`:                                                            "6",
		`asterisk_codec_mismatch{pair="ulaw->alaw"}`:                                               "2",
		`asterisk_codec_mismatch{pair="alaw->ulaw"}`:                                               "2",
		`asterisk_channel_transcoding{codec="ulaw",direction="read",peer="1033",technology="SIP"}`: "1",
		`asterisk_transcoding_unchecked_channels`:                                                  "0",
		`voip_exporter_scrape_collector_success{collector="transcoding",source="asterisk"}`:        "1",
	})
	if !inst.Health().Connected {
		t.Errorf("health %+v", inst.Health())
	}
	promtool(t, expo)
	// Asterisk not running: the CLI says so, the instance is down, not broken.
	s.StopCLI()
	expo = scrape(t, inst)
	expect(t, expo, map[string]string{`asterisk_up`: "0"})
	if h := inst.Health(); h.Connected || !strings.Contains(h.LastError, "Unable to connect to remote asterisk") {
		t.Errorf("health %+v", h)
	}
}

func TestInstanceLoginFailure(t *testing.T) {
	s := startSim(t, simast.Lab())
	cfg := amiConfig(s)
	cfg.Secret = "s3cret-wrong"
	inst := newInstance(t, cfg)
	deadline := time.Now().Add(5 * time.Second)
	for inst.Health().LastError == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	expo := scrape(t, inst)
	expect(t, expo, map[string]string{`asterisk_up`: "0", `voip_exporter_connection_up{source="asterisk"}`: "0"})
	if h := inst.Health(); !strings.Contains(h.LastError, "authentication failed") || strings.Contains(h.LastError, "s3cret") {
		t.Errorf("health %+v", h)
	}
	if strings.Contains(expo, "s3cret") {
		t.Error("secret in the exposition")
	}
}

// TestInstanceFaults: a connection dropped in the middle of an event list
// fails that scrape's collectors only and is re-established; a flood of
// events does not stop scrapes; a stalled Asterisk makes the scrape end at
// its deadline.
func TestInstanceFaults(t *testing.T) {
	cfg := simast.Lab()
	s := startSim(t, cfg)
	busyLab(t, s)
	ic := amiConfig(s)
	ic.Timeout = 2 * time.Second
	inst := newInstance(t, ic)
	waitConnected(t, inst)

	s.SetFault(simast.FaultDropMidList)
	_ = scrape(t, inst)
	s.SetFault(simast.FaultNone)
	deadline := time.Now().Add(10 * time.Second)
	for {
		expo := scrape(t, inst)
		if sample(expo, "asterisk_up") == "1" && sample(expo, `asterisk_sip_peer_up{peer="carrier1"}`) == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after a drop mid-list:\n%s", expo)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if inst.Client().Stats().Reconnects == 0 {
		t.Error("no reconnect counted")
	}

	s.SetFault(simast.FaultFlood{Events: 500}) // before each of the ~16 answers
	expo := scrape(t, inst)
	s.SetFault(simast.FaultNone)
	expect(t, expo, map[string]string{`asterisk_up`: "1", `asterisk_confbridge_conferences`: "1"})

	s.SetFault(simast.FaultStall)
	start := time.Now()
	expo = scrape(t, inst)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a stalled Asterisk held the scrape %s", d)
	}
	s.SetFault(simast.FaultNone)
	if sample(expo, "asterisk_up") != "0" {
		t.Errorf("stalled: up = %s", sample(expo, "asterisk_up"))
	}
}

// TestLabelInjection: names with quotes, backslashes and line breaks come
// out escaped and valid.
func TestLabelInjection(t *testing.T) {
	cfg := simast.Lab()
	cfg.SIPPeers = append(cfg.SIPPeers, simast.SIPPeer{Name: `evil"peer\x`, Host: "127.0.0.9", Port: 5060, MaxMS: 2000, LastMS: 7})
	s := startSim(t, cfg)
	inst := newInstance(t, amiConfig(s))
	waitConnected(t, inst)
	expo := scrape(t, inst)
	if got := sample(expo, `asterisk_sip_peer_up{peer="evil\"peer\\x"}`); got != "1" {
		t.Errorf("escaped peer: %q\n%s", got, expo)
	}
	promtool(t, expo)

	// A value with a line break cannot come through AMI or CLI framing;
	// a parser that produced one would still be escaped.
	f := newFake(true)
	f.lists["SIPpeers"] = ParseSIPpeersEventsFixture("multi\nline", `back\slash"quote`)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&scraperCollector{s: sipPeersScraper{}, api: f})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, mf := range mfs {
		_ = expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain)).Encode(mf)
	}
	if !strings.Contains(b.String(), `peer="multi\nline"`) || !strings.Contains(b.String(), `peer="back\\slash\"quote"`) {
		t.Errorf("not escaped:\n%s", b.String())
	}
	promtool(t, b.String())
}

func promtool(t *testing.T, expo string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (make test installs Debian's prometheus package): %v", err)
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(expo)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestInstanceAsterisk18: CoreStatus without CoreProcessedCalls (before
// Asterisk 20): calls processed come from `core show calls`.
func TestInstanceAsterisk18(t *testing.T) {
	cfg := simast.Lab()
	cfg.Version, cfg.AMIVersion = "18.21.0", "7.0.3"
	s := startSim(t, cfg)
	busyLab(t, s)
	inst := newInstance(t, amiConfig(s))
	waitConnected(t, inst)
	expo := scrape(t, inst)
	expect(t, expo, map[string]string{`asterisk_calls_processed_total`: "4", `asterisk_version_info{version="18.21.0"}`: "1", `asterisk_up`: "1"})
}

// RTCP jitter is counted in the RTP clock of the channel's codec: the same 20 ms reads 960 units on an
// Opus channel (48 kHz) and 160 on a G.711 one; both must come out as 0.02 s (the 8 kHz assumption read
// Opus 6× high).
func TestRTCPJitterClockRate(t *testing.T) {
	cfg := simast.Lab()
	cfg.RTCPInterval = 20 * time.Millisecond
	s := startSim(t, cfg)
	for _, c := range []simast.CallSpec{
		{From: "1031", To: "1032", FromCodec: "opus", ToCodec: "opus", Jitter: 20 * time.Millisecond},
		{From: "1033", To: "1034", FromCodec: "ulaw", ToCodec: "ulaw", Jitter: 20 * time.Millisecond},
	} {
		if _, err := s.StartCall(c); err != nil {
			t.Fatal(err)
		}
	}
	inst := newInstance(t, amiConfig(s, "1031-1036"))
	waitConnected(t, inst)
	time.Sleep(100 * time.Millisecond) // a few RTCP reports
	expect(t, scrape(t, inst), map[string]string{
		`asterisk_rtcp_jitter_seconds{direction="receive",peer="1031",technology="SIP"}`:  "0.02",
		`asterisk_rtcp_jitter_seconds{direction="transmit",peer="1031",technology="SIP"}`: "0.02",
		`asterisk_rtcp_jitter_seconds{direction="receive",peer="1033",technology="SIP"}`:  "0.02",
	})
}
