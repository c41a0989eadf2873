package e2e

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	simast "github.com/voip-exporter/voip_exporter/sim/asterisk"
)

func startAsteriskSim(t *testing.T) *simast.Server {
	t.Helper()
	cfg := simast.Lab()
	cfg.RTCPInterval = 50 * time.Millisecond
	s := simast.New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// buildFakeAsterisk builds the stand-in `asterisk -rx` of sim/asterisk.
func buildFakeAsterisk(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "asterisk")
	out, err := exec.Command("go", "build", "-o", bin, "../sim/asterisk/cmd/asterisk").CombinedOutput()
	if err != nil {
		t.Fatalf("building the fake asterisk: %v\n%s", err, out)
	}
	return bin
}

// TestAsteriskEndToEnd runs the binary against a simulated Asterisk over AMI
// and over `asterisk -rx` (CLI mode), plus an instance with a wrong secret
// and one where nothing listens, and checks that the broken ones hide
// nothing: /metrics (promtool), /probe, /health.
func TestAsteriskEndToEnd(t *testing.T) {
	pbx := startAsteriskSim(t)
	// chan_dahdi loaded with two PRI spans, the second in red alarm (DAHDIShowStatus fields of
	// chan_dahdi.c:17317-17343; PRIShowSpans of sig_pri.c:7543-7575)
	pbx.SetDAHDI(&simast.DAHDI{
		Spans: []simast.DAHDISpan{
			{Span: 1, Description: "T4XXP (PCI) Card 0 Span 1", Alarms: "OK", Framing: "ESF", Coding: "B8ZS", LBO: "0 db (CSU)/0-133 feet (DSX-1)"},
			{Span: 2, Description: "T4XXP (PCI) Card 0 Span 2", Alarms: "RED", IRQMisses: 3, BPViol: 17, CRC4: 5, Framing: "ESF", Coding: "B8ZS", LBO: "0 db (CSU)/0-133 feet (DSX-1)"},
		},
		PRI: true,
		DChannels: []simast.PRIDChannel{
			{Span: 1, DChannel: 24, Order: "Primary", Active: true, Up: true},
			{Span: 2, DChannel: 48, Order: "Primary", Active: true, InAlarm: true},
		},
	})
	for _, err := range []error{
		asteriskErr(pbx.StartCall(simast.CallSpec{From: "1031", To: "1032"})),
		asteriskErr(pbx.StartConference("SIP", "1033", "8000", 0)),
		asteriskErr(pbx.StartCall(simast.CallSpec{Tech: "PJSIP", From: "2031", To: "2032", RTT: 15 * time.Millisecond})),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	cliPBX := startAsteriskSim(t)
	sock := filepath.Join(t.TempDir(), "asterisk.ctl")
	if err := cliPBX.StartCLI(sock); err != nil {
		t.Fatal(err)
	}
	if err := asteriskErr(cliPBX.StartCall(simast.CallSpec{From: "1033", To: "1034"})); err != nil {
		t.Fatal(err)
	}
	fake := buildFakeAsterisk(t)
	refused := fmt.Sprintf("127.0.0.1:%d", freePort(t))

	cfg := fmt.Sprintf(`global:
  timeout: 3s
asterisk:
  - name: pbx
    address: %s
    username: exporter
    secret: ${AMI_SECRET}
    phone_fleet:
      ranges: ["1031-1036", "2031-2033"]
  - name: pbx-cli
    mode: cli
    cli_command: %s -s %s -rx
    phone_fleet:
      ranges: ["1031-1036"]
  - name: badsecret
    address: %s
    secret: s3cret-wrong
  - name: refused
    address: %s
    secret: whatever
modules:
  asterisk:
    password: ${AMI_SECRET}
`, pbx.Addr(), fake, sock, pbx.Addr(), refused)
	t.Setenv("AMI_SECRET", "exporterpass")
	e := startExporter(t, cfg, "http")

	waitFor(t, 15*time.Second, func() string {
		_, body := e.get("/metrics")
		for _, s := range []string{"pbx", "pbx-cli"} {
			if v := sample(body, `asterisk_up{server="`+s+`"}`); v != "1" {
				return s + " not up yet: " + v
			}
		}
		if sample(body, `asterisk_rtcp_rtt_seconds{peer="2031",server="pbx",technology="PJSIP"}`) == "" {
			return "no RTCP figures yet"
		}
		return ""
	})
	// a reload of res_pjsip.so that fails: Reload event Status 3 (AST_MODULE_RELOAD_ERROR, loader.c:59-84)
	pbx.ReloadModule("res_pjsip.so", 3)
	waitFor(t, 15*time.Second, func() string {
		_, body := e.get("/metrics")
		if sample(body, `asterisk_reload_last_success{module="res_pjsip.so",server="pbx"}`) != "0" {
			return "no failed reload yet"
		}
		return ""
	})
	code, body := e.get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	promtoolCheck(t, body)
	checkMetricsDoc(t, body, "../docs/metrics-asterisk.md", "a scrape of simulated Asterisk servers with calls, a conference and RTCP up (`e2e/asterisk_test.go`)",
		func(n string) bool { return strings.HasPrefix(n, "asterisk_") })
	for series, want := range map[string]string{
		`asterisk_up{server="badsecret"}`:                                                         "0",
		`asterisk_up{server="refused"}`:                                                           "0",
		`asterisk_active_calls{server="pbx"}`:                                                     "3",
		`asterisk_dahdi_span_up{server="pbx",span="1"}`:                                           "1", // Alarms OK
		`asterisk_dahdi_span_up{server="pbx",span="2"}`:                                           "0", // Alarms RED
		`asterisk_reload_results_total{result="error",server="pbx"}`:                              "1",
		`asterisk_active_calls{server="pbx-cli"}`:                                                 "1",
		`asterisk_sip_peer_up{peer="carrier2",server="pbx"}`:                                      "0",
		`asterisk_sip_peer_up{peer="carrier1",server="pbx-cli"}`:                                  "1",
		`asterisk_phone_fleet_state{peer="1031",server="pbx"}`:                                    "2",
		`asterisk_phone_fleet_state{peer="1031",server="pbx-cli"}`:                                "1",
		`asterisk_phone_fleet_state{peer="1033",server="pbx-cli"}`:                                "2",
		`asterisk_phone_fleet_state{peer="2033",server="pbx"}`:                                    "0",
		`asterisk_confbridge_conferences{server="pbx"}`:                                           "1",
		`asterisk_codec_mismatch{pair="ulaw->alaw",server="pbx"}`:                                 "2", // SIP 1031→1032 and PJSIP 2031→2032
		`asterisk_rtcp_rtt_seconds{peer="2031",server="pbx",technology="PJSIP"}`:                  "0.015",
		`voip_exporter_connection_up{server="pbx",source="asterisk"}`:                             "1",
		`voip_exporter_connection_up{server="refused",source="asterisk"}`:                         "0",
		`asterisk_registration_up{registration="pjcarrier1-reg",server="pbx",technology="pjsip"}`: "1",
	} {
		if got := sample(body, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	if strings.Contains(body, "s3cret") || strings.Contains(body, "exporterpass") {
		t.Error("a secret leaked into /metrics")
	}

	code, body = e.get("/health")
	if code != 200 || strings.Contains(body, "s3cret") || strings.Contains(body, "exporterpass") {
		t.Fatalf("/health = %d %s", code, body)
	}
	var health struct {
		Instances []struct {
			Source, Name string
			Connected    bool
			LastError    string `json:"last_error"`
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(body), &health); err != nil {
		t.Fatal(err)
	}
	for _, h := range health.Instances {
		if h.Source != "asterisk" {
			continue
		}
		switch h.Name {
		case "pbx", "pbx-cli":
			if !h.Connected {
				t.Errorf("%s health %+v", h.Name, h)
			}
		case "badsecret":
			if h.Connected || !strings.Contains(h.LastError, "authentication failed") {
				t.Errorf("badsecret health %+v", h)
			}
		case "refused":
			if h.Connected || !strings.Contains(h.LastError, "refused") {
				t.Errorf("refused health %+v", h)
			}
		}
	}

	// /probe: a configured instance by name, then an unlisted Asterisk.
	code, body = e.get("/probe?module=asterisk&target=pbx-cli")
	if code != 200 || sample(body, `asterisk_up{server="pbx-cli"}`) != "1" || strings.Contains(body, `server="pbx"`) {
		t.Errorf("/probe pbx-cli = %d\n%s", code, body)
	}
	adhoc := startAsteriskSim(t)
	code, body = e.get("/probe?module=asterisk&target=exporter@" + adhoc.Addr())
	if code != 200 || sample(body, `asterisk_up{server="exporter@`+adhoc.Addr()+`"}`) != "1" ||
		sample(body, `asterisk_sip_peer_up{peer="1031",server="exporter@`+adhoc.Addr()+`"}`) != "1" {
		t.Errorf("/probe ad hoc = %d\n%s", code, body)
	}
	promtoolCheck(t, body)
	if code, _ := e.get("/probe?module=asterisk&target=" + "bad%20host"); code == 200 {
		t.Errorf("/probe with a bad target = %d", code)
	}

	// Asterisk restarts: the client reconnects and the instance comes back.
	pbx.Restart()
	waitFor(t, 15*time.Second, func() string {
		_, body := e.get("/metrics")
		if v := sample(body, `voip_exporter_reconnects_total{server="pbx",source="asterisk"}`); v == "" || v == "0" {
			return "no reconnect yet: " + v
		}
		if v := sample(body, `asterisk_active_calls{server="pbx"}`); v != "0" {
			return "calls after restart: " + v
		}
		return ""
	})
	e.alive()
}

func asteriskErr[T any](_ T, err error) error { return err }
