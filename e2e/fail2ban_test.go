package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestFail2banEndToEnd runs the binary against a real fail2ban server:
// failed logins written to a jail's log become bans in /metrics (a jail name
// with a quote escaped), a configured jail list is honoured, and a fail2ban
// that is absent or stopped leaves fail2ban_up 0 while a FreeSWITCH instance
// in the same exporter keeps reporting.
func TestFail2banEndToEnd(t *testing.T) {
	f2b := startFail2ban(t)
	fs := startSim(t, "ClueCon")
	cfg := fmt.Sprintf(`global:
  timeout: 3s
fail2ban:
  - name: f2b
    socket: %s
    client: %s
  - name: f2b-sip
    socket: %s
    client: %s
    jails: [sip-scan]
  - name: f2b-absent
    socket: %s.nothing
    client: %s
  - name: f2b-noclient
    client: fail2ban-client-not-installed
freeswitch:
  - name: fs1
    address: %s
`, f2b.Socket, f2b.Client, f2b.Socket, f2b.Client, f2b.Socket, f2b.Client, fs.Addr())
	e := startExporter(t, cfg, "http")

	for _, f := range []struct {
		jail, ip string
		n        int
	}{{"asterisk", "203.0.113.5", 3}, {"sip-scan", "198.51.100.7", 3}, {"sip-scan", "198.51.100.8", 2}, {`voip"quote`, "192.0.2.99", 3}} {
		if err := f2b.Fail(f.jail, f.ip, f.n); err != nil {
			t.Fatal(err)
		}
	}
	var body string
	want := map[string]string{
		`fail2ban_up{server="f2b"}`:                              "1",
		`fail2ban_up{server="f2b-absent"}`:                       "0",
		`fail2ban_up{server="f2b-noclient"}`:                     "0",
		`fail2ban_jails{server="f2b"}`:                           "3",
		`fail2ban_active_bans{jail="asterisk",server="f2b"}`:     "1",
		`fail2ban_bans_total{jail="asterisk",server="f2b"}`:      "1",
		`fail2ban_active_bans{jail="sip-scan",server="f2b"}`:     "1",
		`fail2ban_failed_ips{jail="sip-scan",server="f2b"}`:      "1",
		`fail2ban_failures_total{jail="sip-scan",server="f2b"}`:  "5",
		`fail2ban_active_bans{jail="voip\"quote",server="f2b"}`:  "1",
		`fail2ban_active_bans{jail="sip-scan",server="f2b-sip"}`: "1",
		`fail2ban_active_bans{jail="asterisk",server="f2b-sip"}`: "", // not configured
		`freeswitch_up{server="fs1"}`:                            "1",
	}
	waitFor(t, 20*time.Second, func() string {
		_, body = e.get("/metrics")
		for series, v := range want {
			if got := sample(body, series); got != v {
				return fmt.Sprintf("%s = %q, want %q", series, got, v)
			}
		}
		return ""
	})
	promtoolCheck(t, body)
	checkMetricsDoc(t, body, "../docs/metrics-fail2ban.md", "a scrape of a real fail2ban server (`e2e/fail2ban_test.go`)",
		func(n string) bool { return strings.HasPrefix(n, "fail2ban_") })

	h := healthOf(t, e)
	if v := h["fail2ban/f2b-absent"]; v.Connected || !strings.Contains(v.LastError, "Failed to access socket path") {
		t.Errorf("f2b-absent health = %+v", v)
	}
	if v := h["fail2ban/f2b-noclient"]; v.Connected || !strings.Contains(v.LastError, "not found") {
		t.Errorf("f2b-noclient health = %+v", v)
	}

	// fail2ban stops: its instances go down, FreeSWITCH does not.
	if err := f2b.Stop(); err != nil {
		t.Fatal(err)
	}
	_, body = e.get("/metrics")
	for series, v := range map[string]string{
		`fail2ban_up{server="f2b"}`:                          "0",
		`fail2ban_active_bans{jail="asterisk",server="f2b"}`: "",
		`freeswitch_up{server="fs1"}`:                        "1",
	} {
		if got := sample(body, series); got != v {
			t.Errorf("fail2ban stopped: %s = %q, want %q", series, got, v)
		}
	}
	promtoolCheck(t, body)
	if err := f2b.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() string {
		_, body = e.get("/metrics")
		if v := sample(body, `fail2ban_up{server="f2b"}`); v != "1" {
			return "f2b not back: " + v
		}
		return ""
	})
	e.alive()
}
