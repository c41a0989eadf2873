package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kamsim "github.com/voip-exporter/voip_exporter/sim/kamailio"
	"github.com/voip-exporter/voip_exporter/sim/kamailio/kamailiotest"
)

// TestKamailioEndToEnd runs the binary against the real Debian Kamailio
// (unix and TCP ctl, xhttp_prom merge) and a simulated one without the
// dialog module, checks /metrics with promtool, /probe, and kills the real
// Kamailio mid-run: kamailio_up 0 for it alone, then back when it returns.
func TestKamailioEndToEnd(t *testing.T) {
	k, err := kamailiotest.Start("../testdata")
	if err != nil {
		t.Fatalf("real Kamailio: %v", err)
	}
	t.Cleanup(k.Stop)
	st := kamsim.Captured()
	st.Unloaded = []string{"dialog"}
	sim := kamsim.New(st)
	t.Cleanup(func() { sim.Close() })
	simAddr, err := sim.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adhoc := kamsim.New(kamsim.Captured())
	t.Cleanup(func() { adhoc.Close() })
	adhocAddr, err := adhoc.Listen("unix", filepath.Join(t.TempDir(), "ctl"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  timeout: 2s
kamailio:
  - name: real
    address: %s
    dlg_profiles: [PROVIDER_A_IN, PROVIDER_A_OUT]
    dispatcher_sets: {1: UAS, 2: DEAD}
    custom_metrics_url: %s
  - name: real-tcp
    address: %s
    collectors: {pkg.stats: false}
  - name: sim
    address: %s
modules:
  kamailio:
    timeout: 2s
`, k.CtlUnix, k.MetricsURL, k.CtlTCP, simAddr)
	e := startExporter(t, cfg, "http")
	up := func(body, name string) string { return sample(body, `kamailio_up{server="`+name+`"}`) }
	waitFor(t, 10*time.Second, func() string {
		_, body := e.get("/metrics")
		for _, n := range []string{"real", "real-tcp", "sim"} {
			if up(body, n) != "1" {
				return n + " not up"
			}
		}
		return ""
	})
	k.Send(t, "OPTIONS", "")
	_, body := e.get("/metrics")
	promtoolCheck(t, body)
	for series, want := range map[string]string{
		`voip_exporter_scrape_collector_success{collector="dlg",server="sim",source="kamailio"}`:         "0",
		`voip_exporter_scrape_collector_success{collector="stats.fetch",server="sim",source="kamailio"}`: "1",
		`voip_exporter_scrape_collector_success{collector="tls",server="real",source="kamailio"}`:        "0",
		`voip_exporter_scrape_collector_success{collector="xhttp_prom",server="real",source="kamailio"}`: "1",
		`kamailio_dispatcher_list_sets{server="real"}`:                                                   "2",
		`voip_exporter_connection_up{server="real",source="kamailio"}`:                                   "1",
	} {
		if got := sample(body, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	if strings.Contains(body, `kamailio_pkgmem_used_bytes{entry="0",pid=`) && strings.Contains(body, `server="real-tcp"`) &&
		strings.Contains(grepLines(body, "kamailio_pkgmem_used_bytes"), `server="real-tcp"`) {
		t.Error("pkg.stats runs on real-tcp though its collectors: turns it off")
	}
	if !strings.Contains(body, `kamailio_kam_sip_requests_total{method="OPTIONS",server="real"}`) {
		t.Error("xhttp_prom series not merged")
	}
	if sample(body, `voip_exporter_scrapes_total{server="real",source="kamailio"}`) == "" {
		t.Error("no scrape counter")
	}

	// /probe: a configured instance by name, and an ad hoc ctl address
	code, pbody := e.get("/probe?module=kamailio&target=real-tcp")
	if code != 200 || up(pbody, "real-tcp") != "1" || strings.Contains(pbody, `server="real"`) {
		t.Errorf("/probe real-tcp = %d\n%s", code, pbody)
	}
	code, pbody = e.get("/probe?module=kamailio&target=" + adhocAddr)
	if code != 200 || up(pbody, adhocAddr) != "1" {
		t.Errorf("/probe ad hoc = %d\n%s", code, pbody)
	}
	promtoolCheck(t, pbody)

	// kill Kamailio mid-run: both real instances down, the simulator up
	k.Kill()
	waitFor(t, 10*time.Second, func() string {
		_, body := e.get("/metrics")
		if up(body, "real") != "0" || up(body, "real-tcp") != "0" {
			return "real still up"
		}
		if up(body, "sim") != "1" {
			return "sim went down with it"
		}
		return ""
	})
	if err := k.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, func() string {
		_, body := e.get("/metrics")
		if up(body, "real") != "1" || up(body, "real-tcp") != "1" {
			return "real not back: " + up(body, "real") + up(body, "real-tcp")
		}
		return ""
	})
	_, body = e.get("/metrics")
	if sample(body, `voip_exporter_reconnects_total{server="real",source="kamailio"}`) == "0" {
		t.Error("no reconnect counted")
	}
	promtoolCheck(t, body)
	e.alive()
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
