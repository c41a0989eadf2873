package e2e

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
)

func startSim(t *testing.T, password string) *fssim.Server {
	t.Helper()
	s := fssim.New(fssim.Config{Password: password, Hostname: "sim"})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestFreeSWITCHEndToEnd runs the binary against two healthy simulators, one
// with the wrong password and one address where nothing listens, and checks
// /metrics (with promtool), /probe, /health and /ready.
func TestFreeSWITCHEndToEnd(t *testing.T) {
	good1 := startSim(t, "ClueCon")
	good2 := startSim(t, "s3cret-pw")
	wrongPw := startSim(t, "other")
	good1.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Duration: time.Hour, Domain: "example.com", Codec: "PCMU"})
	good1.StartCall(fssim.CallSpec{Quality: fssim.QualityLossy, Duration: time.Hour, Domain: "example.com", Codec: "PCMA", Bridged: true})
	refused := fmt.Sprintf("127.0.0.1:%d", freePort(t))

	cfg := fmt.Sprintf(`global:
  timeout: 2s
freeswitch:
  - name: fs1
    address: %s
  - name: fs2
    address: %s
    password: ${FS2_PW}
  - name: badpw
    address: %s
    password: s3cret-wrong
  - name: refused
    address: %s
modules:
  freeswitch:
    password: ClueCon
`, good1.Addr(), good2.Addr(), wrongPw.Addr(), refused)
	t.Setenv("FS2_PW", "s3cret-pw")
	e := startExporter(t, cfg, "http")

	waitFor(t, 10*time.Second, func() string {
		_, body := e.get("/metrics")
		for _, s := range []string{"fs1", "fs2"} {
			if v := sample(body, `freeswitch_up{server="`+s+`"}`); v != "1" {
				return s + " not up yet: " + v
			}
		}
		return ""
	})
	code, body := e.get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	promtoolCheck(t, body)

	for series, want := range map[string]string{
		`freeswitch_up{server="badpw"}`:                                     "0",
		`freeswitch_up{server="refused"}`:                                   "0",
		`freeswitch_current_calls{server="fs1"}`:                            "2",
		`freeswitch_current_calls{server="fs2"}`:                            "0",
		`freeswitch_time_synced{server="fs1"}`:                              "1",
		`freeswitch_max_sessions{server="fs1"}`:                             "100",
		`voip_exporter_connection_up{server="fs1",source="freeswitch"}`:     "1",
		`voip_exporter_connection_up{server="refused",source="freeswitch"}`: "0",
	} {
		if got := sample(body, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	// fs1 has two calls, one of them bridged (two legs): channels ≥ calls.
	if ch, _ := strconv.Atoi(sample(body, `freeswitch_current_channels{server="fs1"}`)); ch < 3 {
		t.Errorf("freeswitch_current_channels{fs1} = %d, want 3 (one leg + two bridged legs)", ch)
	}
	if !strings.Contains(body, `freeswitch_sofia_gateway_up{gateway="gw-loop",profile="external",server="fs1"}`) {
		t.Errorf("gateway metrics missing")
	}
	if strings.Contains(body, "s3cret") {
		t.Errorf("a password leaked into /metrics")
	}

	// /health: per instance, with the reason, never a password.
	code, body = e.get("/health")
	if code != 200 {
		t.Fatalf("/health = %d", code)
	}
	if strings.Contains(body, "s3cret") || strings.Contains(body, "ClueCon") {
		t.Errorf("a password leaked into /health: %s", body)
	}
	var health struct {
		Status    string `json:"status"`
		Instances []struct {
			Name      string `json:"name"`
			Connected bool   `json:"connected"`
			LastError string `json:"last_error"`
			LastEvent string `json:"last_event"`
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(body), &health); err != nil {
		t.Fatal(err)
	}
	if health.Status != "degraded" {
		t.Errorf("status = %q, want degraded", health.Status)
	}
	byName := map[string]int{}
	for i, h := range health.Instances {
		byName[h.Name] = i
	}
	if h := health.Instances[byName["badpw"]]; h.Connected || !strings.Contains(h.LastError, "auth") {
		t.Errorf("badpw health = %+v, want an authentication error", h)
	}
	if h := health.Instances[byName["refused"]]; h.Connected || !strings.Contains(h.LastError, "refused") {
		t.Errorf("refused health = %+v, want connection refused", h)
	}
	if h := health.Instances[byName["fs1"]]; !h.Connected {
		t.Errorf("fs1 health = %+v", h)
	}
	if code, _ := e.get("/ready"); code != 200 {
		t.Errorf("/ready = %d with instances connected", code)
	}

	// /probe: by configured name, and an unlisted address through the module.
	code, body = e.get("/probe?module=freeswitch&target=fs2")
	if code != 200 || sample(body, `freeswitch_up{server="fs2"}`) != "1" || strings.Contains(body, `server="fs1"`) {
		t.Errorf("/probe fs2 = %d\n%s", code, body)
	}
	adhoc := startSim(t, "ClueCon")
	code, body = e.get("/probe?module=freeswitch&target=" + adhoc.Addr())
	if code != 200 || sample(body, `freeswitch_up{server="`+adhoc.Addr()+`"}`) != "1" {
		t.Errorf("/probe ad hoc = %d\n%s", code, body)
	}
	promtoolCheck(t, body)
	if code, _ := e.get("/probe?module=nosuch&target=" + adhoc.Addr()); code != 400 {
		t.Errorf("/probe unknown module = %d, want 400", code)
	}
	e.alive()
}
