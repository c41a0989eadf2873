package kamailio

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/sim/kamailio/kamailiotest"
)

// real is the Debian Kamailio started once for this package (TestMain).
var (
	real    *kamailiotest.Kamailio
	realErr error
)

func TestMain(m *testing.M) {
	real, realErr = kamailiotest.Start("../../testdata")
	code := m.Run()
	if real != nil {
		real.Stop()
	}
	os.Exit(code)
}

func needReal(t testing.TB) *kamailiotest.Kamailio {
	t.Helper()
	if realErr != nil {
		if _, ok := t.(*testing.B); ok {
			t.Skipf("real Kamailio not available: %v", realErr)
		}
		t.Fatalf("real Kamailio: %v", realErr)
	}
	return real
}

func realConfig(k *kamailiotest.Kamailio, addr string) config.Kamailio {
	return config.Kamailio{Name: "real", Address: addr, Timeout: 5 * time.Second,
		DlgProfiles:      []string{"PROVIDER_A_IN", "PROVIDER_A_OUT"},
		DispatcherSets:   map[int]string{1: "UAS", 2: "DEAD"},
		CustomMetricsURL: k.MetricsURL}
}

func num64(t *testing.T, out, series string) float64 {
	t.Helper()
	s := sample(out, series)
	if s == "" {
		t.Fatalf("%s missing", series)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRealKamailio scrapes Debian's Kamailio 5.6 over its unix and TCP ctl
// sockets, sends it SIP over UDP and checks the counters move.
func TestRealKamailio(t *testing.T) {
	k := needReal(t)
	for _, addr := range []string{k.CtlUnix, k.CtlTCP} {
		t.Run(strings.SplitN(addr, ":", 2)[0], func(t *testing.T) {
			inst, _ := startInstance(t, realConfig(k, addr), nil)
			before := scrape(t, inst)
			expect(t, before, map[string]string{
				`kamailio_up`: "1",
				`voip_exporter_scrape_collector_success{collector="stats.fetch",source="kamailio"}`:     "1",
				`voip_exporter_scrape_collector_success{collector="dispatcher.list",source="kamailio"}`: "1",
				`voip_exporter_scrape_collector_success{collector="dlg",source="kamailio"}`:             "1",
				`voip_exporter_scrape_collector_success{collector="htable",source="kamailio"}`:          "1",
				`voip_exporter_scrape_collector_success{collector="rtpengine.show",source="kamailio"}`:  "1",
				`voip_exporter_scrape_collector_success{collector="xhttp_prom",source="kamailio"}`:      "1",
				`voip_exporter_scrape_collector_success{collector="pkg.stats",source="kamailio"}`:       "1",
				`voip_exporter_scrape_collector_success{collector="core.psa",source="kamailio"}`:        "1",
				// the tls module is not loaded in this Kamailio
				`voip_exporter_scrape_collector_success{collector="tls",source="kamailio"}`:                 "0",
				`kamailio_core_info{compiled="",compiler="gcc 12.2.0",sourceid="unknown ",version="5.6.3"}`: "1",
				`kamailio_dispatcher_list_sets`:          "2",
				`kamailio_htable_slots{name="ipban"}`:    "256",
				`kamailio_htable_slots{name="reqcount"}`: "16",
				`kamailio_tcp_readers`:                   "2",
			})
			if k.RTPEngineURL != "" {
				expect(t, before, map[string]string{
					`kamailio_rtpengine_enabled{index="0",set="0",url="` + k.RTPEngineURL + `",weight="1"}`: "1",
					`kamailio_rtpengine_nodes`: "2",
				})
			}
			// negative ranks (timers, ctl handler) read as Kamailio prints them
			if !strings.Contains(before, `rank="-1"`) || strings.Contains(before, `rank="4294967295"`) {
				t.Error("core.psa ranks are not signed")
			}
			// SIP over UDP: OPTIONS answered statelessly, an INVITE to a
			// busy user statefully, INVITEs relayed to the test's UAS
			for range 3 {
				if c := k.Send(t, "OPTIONS", ""); c != 200 {
					t.Fatalf("OPTIONS: %d", c)
				}
			}
			if c := k.Send(t, "INVITE", "busy1"); c != 486 {
				t.Fatalf("INVITE busy: %d", c)
			}
			if c := k.Send(t, "INVITE", "outcall"); c != 200 {
				t.Fatalf("INVITE to the UAS: %d", c)
			}
			after := scrape(t, inst)
			// tm counts a transaction by its reply class when it is freed
			// (after wait_timer): poll for the slow ones
			deadline := time.Now().Add(10 * time.Second)
			for num64(t, after, `kamailio_tmx_code_total{code="4xx"}`) == num64(t, before, `kamailio_tmx_code_total{code="4xx"}`) ||
				num64(t, after, `kamailio_sl_type_total{type="sent_reply"}`) == num64(t, before, `kamailio_sl_type_total{type="sent_reply"}`) {
				if time.Now().After(deadline) {
					break
				}
				time.Sleep(200 * time.Millisecond)
				after = scrape(t, inst)
			}
			for series, min := range map[string]float64{
				`kamailio_core_rcv_request_total{method="options"}`: 3,
				`kamailio_core_rcv_request_total{method="invite"}`:  2,
				`kamailio_sl_reply_total{code="200"}`:               3,
				`kamailio_tmx_code_total{code="4xx"}`:               1,
				`kamailio_tmx_code_total{code="2xx"}`:               1,
				`kamailio_tm_stats_created_total`:                   2,
				`kamailio_my_custom_value_total`:                    5,
				`kamailio_my_invites_seen`:                          2,
			} {
				if d := num64(t, after, series) - num64(t, before, series); d < min {
					t.Errorf("%s moved by %v, want ≥ %v", series, d, min)
				}
			}
			if num64(t, after, `kamailio_dlg_stats_active_all`) < 1 || num64(t, after, `kamailio_dlg_profile_get_size_dialog{profile="PROVIDER_A_OUT"}`) < 1 {
				t.Errorf("the answered INVITE made no dialog in PROVIDER_A_OUT")
			}
			if typeOf(after, "kamailio_kam_sip_requests_total") != "counter" || sample(after, `kamailio_kam_sip_requests_total{method="OPTIONS"}`) == "" {
				t.Errorf("xhttp_prom series missing or untyped")
			}
		})
	}
}

// TestRealDispatcherStates waits for dispatcher's probes to mark the UAS
// active and the dead targets inactive, with latency statistics.
func TestRealDispatcherStates(t *testing.T) {
	k := needReal(t)
	inst, _ := startInstance(t, realConfig(k, k.CtlUnix), nil)
	uas := fmt.Sprintf(`destination="sip:%s",set_id="1",set_name="UAS"`, k.UASAddr)
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := scrape(t, inst)
		if sample(out, `kamailio_dispatcher_list_target{`+uas+`}`) == "1" &&
			sample(out, `kamailio_dispatcher_list_target_state{`+uas+`,state="active"}`) == "1" &&
			sample(out, `kamailio_dispatcher_list_target_latency_est_seconds{`+uas+`}`) != "" {
			if typeOf(out, "kamailio_dispatcher_list_target_latency_timeout_total") != "counter" {
				t.Error("latency timeout is not a counter")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("UAS target never active:\n%s", grep(out, "dispatcher"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// BenchmarkScrapeRealKamailio is one full scrape (every default collector,
// xhttp_prom included) of the real Kamailio over the unix socket.
func BenchmarkScrapeRealKamailio(b *testing.B) {
	k := needReal(b)
	for _, tc := range []struct {
		name string
		prom bool
	}{{"binrpc", false}, {"binrpc+xhttp_prom", true}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := realConfig(k, k.CtlUnix)
			if !tc.prom {
				cfg.CustomMetricsURL = ""
			}
			inst, _ := startInstance(b, cfg, nil)
			series := strings.Count(scrape(b, inst), "\nkamailio_")
			ch := make(chan prometheus.Metric, 4096)
			go func() {
				for range ch {
				}
			}()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				inst.Collect(ctx, ch)
				cancel()
			}
			b.StopTimer()
			close(ch)
			b.ReportMetric(float64(series), "series")
		})
	}
}
