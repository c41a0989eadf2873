package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/collector/fail2ban/fail2bantest"
	"github.com/voip-exporter/voip_exporter/collector/vicidial/vicidialtest"
)

// startMariaDB runs a real MariaDB with ViciDial's schema and seed rows.
func startMariaDB(t *testing.T) *vicidialtest.Server {
	t.Helper()
	s, err := vicidialtest.Start()
	if err != nil {
		t.Fatalf("a real MariaDB is needed: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// startFail2ban runs a real fail2ban server with the test jails.
func startFail2ban(t *testing.T) *fail2bantest.Server {
	t.Helper()
	s, err := fail2bantest.Start()
	if err != nil {
		t.Fatalf("a real fail2ban is needed: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// vdHealth is one /health entry.
type vdHealth struct {
	Source    string `json:"source"`
	Name      string `json:"name"`
	Address   string `json:"address"`
	Connected bool   `json:"connected"`
	LastError string `json:"last_error"`
}

// healthOf returns the /health entries by "source/name".
func healthOf(t *testing.T, e *exporter) map[string]vdHealth {
	t.Helper()
	_, body := e.get("/health")
	var h struct {
		Instances []vdHealth `json:"instances"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("/health: %v\n%s", err, body)
	}
	out := map[string]vdHealth{}
	for _, i := range h.Instances {
		out[i.Source+"/"+i.Name] = i
	}
	return out
}

// TestViciDialEndToEnd runs the binary against a real MariaDB holding
// ViciDial's tables and a real fail2ban: the metrics of seed 004 come out
// (promtool-valid, agent names escaped), /probe and /health work, and
// stopping MariaDB mid-run takes only vicidial_up down.
func TestViciDialEndToEnd(t *testing.T) {
	db := startMariaDB(t)
	f2b := startFail2ban(t)
	refused := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	// list 101: called_count 0, 2, 1 → 3 leads, 2 called, penetration 2/3
	if err := db.Exec(`INSERT INTO vicidial_list (list_id, phone_number, called_count) VALUES
		(101, '5550001', 0), (101, '5550002', 2), (101, '5550003', 1)`); err != nil {
		t.Fatal(err)
	}
	recDir := t.TempDir() // a monitor spool with one 1000-byte recording
	if err := os.WriteFile(filepath.Join(recDir, "20261205-120000_3125550201-all.wav"), make([]byte, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  timeout: 3s
vicidial:
  - name: vici1
    host: 127.0.0.1
    port: %d
    user: %s
    password: ${VICI_PW}
    database: asterisk
  - name: vici-dsn
    dsn: "%s:${VICI_PW}@tcp(%s)/asterisk"
  - name: vici-down
    dsn: "%s:${VICI_PW}@tcp(%s)/asterisk"
  - name: vici-badpw
    host: 127.0.0.1
    port: %d
    password: wrong-password
fail2ban:
  - name: f2b
    socket: %s
    client: %s
recordings:
  - name: vici1
    directories: [%s]
modules:
  vicidial:
    password: ${VICI_PW}
`, db.Port, vicidialtest.User, vicidialtest.User, db.Addr(), vicidialtest.User, refused, db.Port, f2b.Socket, f2b.Client, recDir)
	t.Setenv("VICI_PW", vicidialtest.Password)
	e := startExporter(t, cfg, "http")

	var body string
	waitFor(t, 15*time.Second, func() string {
		_, body = e.get("/metrics")
		for _, s := range []string{`vicidial_up{server="vici1"}`, `vicidial_up{server="vici-dsn"}`, `fail2ban_up{server="f2b"}`} {
			if v := sample(body, s); v != "1" {
				return s + " = " + v
			}
		}
		return ""
	})
	// the queue wait histogram counts rows past the high-water mark the first scrape set (closecallid 7)
	if err := db.Exec(`INSERT INTO vicidial_closer_log (closecallid, lead_id, campaign_id, call_date, start_epoch, end_epoch,
		length_in_sec, status, phone_number, user, queue_seconds, term_reason, uniqueid) VALUES
		(8, 2008, 'SUPPORT', NOW(), UNIX_TIMESTAMP() - 60, UNIX_TIMESTAMP(), 48, 'SALE', '3125550208', 'agent002', 12, 'CALLER', '1700002008.8')`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, func() string {
		_, body = e.get("/metrics")
		for _, s := range []string{`vicidial_queue_wait_seconds_count{ingroup="SUPPORT",server="vici1"}`,
			`vicidial_list_penetration_ratio{list_id="101",server="vici1"}`, `recordings_files{directory="` + recDir + `",server="vici1"}`} {
			if sample(body, s) == "" {
				return s + " missing"
			}
		}
		return ""
	})
	promtoolCheck(t, body)
	checkMetricsDoc(t, body, "../docs/metrics-vicidial.md", "a scrape of a real MariaDB holding ViciDial's schema (`e2e/vicidial_test.go`)",
		func(n string) bool {
			return strings.HasPrefix(n, "vicidial_") || strings.HasPrefix(n, "voip_exporter_sql_") || strings.HasPrefix(n, "recordings_")
		})
	for series, want := range map[string]string{
		`vicidial_up{server="vici-down"}`:                                                            "0",
		`vicidial_up{server="vici-badpw"}`:                                                           "0",
		`vicidial_agents_logged_in{server="vici1"}`:                                                  "11",
		`vicidial_agents_incall{server="vici1"}`:                                                     "4",
		`vicidial_agents_paused{server="vici1"}`:                                                     "3",
		`vicidial_agents_waiting{server="vici1"}`:                                                    "2",
		`vicidial_agents_in_dead_calls{server="vici1"}`:                                              "1",
		`vicidial_agents_dispo{server="vici1"}`:                                                      "1",
		`vicidial_agent_status{agent="agent004",campaign="SALES",server="vici1",status="DEAD"}`:      "1",
		`vicidial_agent_status{agent="ag\"7\\x\n",campaign="SURVEY",server="vici1",status="PAUSED"}`: "1",
		`vicidial_agent_pause_code{agent="ag\"7\\x\n",pause_code="B\"\\\n",server="vici1"}`:          "1",
		`vicidial_agents_paused_by_code{pause_code="LUNCH",server="vici1"}`:                          "1",
		`vicidial_queue_depth{ingroup="SUPPORT",server="vici1"}`:                                     "2",
		`vicidial_queue_wait_seconds_count{ingroup="SUPPORT",server="vici1"}`:                        "1",  // closecallid 8
		`vicidial_queue_wait_seconds_sum{ingroup="SUPPORT",server="vici1"}`:                          "12", // its queue_seconds
		`vicidial_list_leads_called{list_id="101",server="vici1"}`:                                   "2",
		`recordings_bytes{directory="` + recDir + `",server="vici1"}`:                                "1000",
		`vicidial_calls_waiting{server="vici1"}`:                                                     "3",
		`vicidial_calls_in_ivr{server="vici1"}`:                                                      "1",
		`vicidial_campaign_drop_ratio{campaign="SALES",server="vici1"}`:                              "0.03",
		`vicidial_campaign_drops_today{campaign="SALES",server="vici1"}`:                             "6",
		`vicidial_recordings_missing{direction="inbound",server="vici1"}`:                            "2", // seed.sql's one, and closecallid 8 (inserted above, no recording_log row)
		`vicidial_recordings_missing{direction="outbound",server="vici1"}`:                           "2",
		`vicidial_agents_logged_in{server="vici-dsn"}`:                                               "11",
		`fail2ban_jails{server="f2b"}`:                                                               "3",
		`fail2ban_active_bans{jail="asterisk",server="f2b"}`:                                         "0",
	} {
		if got := sample(body, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	if strings.Contains(body, vicidialtest.Password) || strings.Contains(body, "wrong-password") {
		t.Error("a password leaked into /metrics")
	}

	h := healthOf(t, e)
	if v := h["vicidial/vici1"]; !v.Connected || v.Address != db.Addr() {
		t.Errorf("vici1 health = %+v", v)
	}
	if v := h["vicidial/vici-down"]; v.Connected || !strings.Contains(v.LastError, "refused") || v.Address != refused {
		t.Errorf("vici-down health = %+v", v)
	}
	if v := h["vicidial/vici-badpw"]; v.Connected || !strings.Contains(v.LastError, "Access denied") {
		t.Errorf("vici-badpw health = %+v", v)
	}
	if _, raw := e.get("/health"); strings.Contains(raw, vicidialtest.Password) || strings.Contains(raw, "wrong-password") {
		t.Errorf("a password leaked into /health: %s", raw)
	}

	// /probe: a configured instance by name, and an ad-hoc target with the
	// module's password.
	code, pbody := e.get("/probe?module=vicidial&target=vici1")
	if code != 200 || sample(pbody, `vicidial_up{server="vici1"}`) != "1" || strings.Contains(pbody, `server="vici-dsn"`) {
		t.Errorf("/probe vici1 = %d\n%s", code, pbody)
	}
	target := vicidialtest.User + "@" + db.Addr() + "/asterisk"
	code, pbody = e.get("/probe?module=vicidial&target=" + target)
	if code != 200 || sample(pbody, `vicidial_agents_logged_in{server="`+target+`"}`) != "11" {
		t.Errorf("/probe ad hoc = %d\n%s", code, pbody)
	}
	promtoolCheck(t, pbody)

	// MariaDB stops: vicidial_up 0 for its instances, fail2ban unaffected;
	// back when MariaDB is.
	if err := db.Stop(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, body = e.get("/metrics")
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("/metrics took %v with MariaDB down", d)
	}
	for series, want := range map[string]string{
		`vicidial_up{server="vici1"}`:                        "0",
		`vicidial_up{server="vici-dsn"}`:                     "0",
		`vicidial_agents_logged_in{server="vici1"}`:          "",
		`fail2ban_up{server="f2b"}`:                          "1",
		`fail2ban_jails{server="f2b"}`:                       "3",
		`fail2ban_active_bans{jail="sip-scan",server="f2b"}`: "0",
	} {
		if got := sample(body, series); got != want {
			t.Errorf("MariaDB down: %s = %q, want %q", series, got, want)
		}
	}
	promtoolCheck(t, body)
	if err := db.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() string {
		_, body = e.get("/metrics")
		if v := sample(body, `vicidial_agents_logged_in{server="vici1"}`); v != "11" {
			return "vici1 not back: " + v
		}
		return ""
	})
	if n := strings.Count(e.logs.String(), "ViciDial database unreachable"); n > 4 {
		t.Errorf("unreachable logged %d times for three instances:\n%s", n, e.logs)
	}
	e.alive()
}
