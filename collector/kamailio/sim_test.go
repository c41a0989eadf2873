package kamailio

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/config"
	kamsim "github.com/voip-exporter/voip_exporter/sim/kamailio"
	"github.com/voip-exporter/voip_exporter/source"
)

func startSim(t testing.TB, st kamsim.State) (*kamsim.Server, string) {
	t.Helper()
	s := kamsim.New(st)
	t.Cleanup(func() { s.Close() })
	addr, err := s.Listen("unix", filepath.Join(t.TempDir(), "ctl"))
	if err != nil {
		t.Fatal(err)
	}
	return s, addr
}

// TestScrapeCapturedKamailio scrapes the simulator holding the captured
// state: every value below is kamcmd's, read from testdata/kamailio.
func TestScrapeCapturedKamailio(t *testing.T) {
	_, addr := startSim(t, kamsim.Captured())
	inst, logs := startInstance(t, config.Kamailio{Address: addr, DlgProfiles: []string{"PROVIDER_A_IN", "PROVIDER_A_OUT"},
		DispatcherSets: map[int]string{1: "PROVIDER_A"}}, nil)
	out := scrape(t, inst)
	expect(t, out, map[string]string{
		`kamailio_up`: "1",
		// tm.stats (binrpc/tm.stats.kamcmd.txt)
		`kamailio_tm_stats_current`:       "7",
		`kamailio_tm_stats_waiting`:       "4",
		`kamailio_tm_stats_total`:         "31",
		`kamailio_tm_stats_local_total`:   "16",
		`kamailio_tm_stats_freed_total`:   "24",
		`kamailio_tm_stats_created_total`: "31",
		// stats.fetch all (binrpc/stats.fetch.kamcmd.txt)
		`kamailio_core_rcv_request_total{method="invite"}`:                 "14",
		`kamailio_core_rcv_request_total{method="unsupported"}`:            "0",
		`kamailio_core_request_total{method="drop"}`:                       "1",
		`kamailio_core_rcv_reply_total{code="18x"}`:                        "9",
		`kamailio_core_rcv_reply_method_total{code="1xx",method="invite"}`: "9",
		`kamailio_sl_reply_total{code="200"}`:                              "7",
		`kamailio_sl_type_total{type="received_ack"}`:                      "1",
		`kamailio_dialog{type="active"}`:                                   "7",
		`kamailio_dialog_total{type="failed"}`:                             "4",
		`kamailio_usrloc_contacts{domain="location"}`:                      "2",
		`kamailio_registrar_max_expires_seconds`:                           "3600",
		`kamailio_my_custom_value_total`:                                   "37",
		`kamailio_my_invites_seen`:                                         "14",
		`kamailio_shm_bytes{type="total"}`:                                 "6.7108864e+07",
		// core.psa (binrpc/core.psa.kamcmd.txt): negative ranks stay negative
		`kamailio_core_process_status{description="tcp main process",index="10",pid="9634",rank="-4"}`: "1",
		`kamailio_core_processes`: "11",
		// pkg.stats (kamcmd/pkg.stats.txt)
		`kamailio_pkgmem_used_bytes{entry="0",pid="9621",rank="0"}`: "634320",
		// dispatcher.list (binrpc/dispatcher.list.kamcmd.txt)
		`kamailio_dispatcher_list_target{destination="sip:127.0.0.2:5070",set_id="1",set_name="PROVIDER_A"}`:                         "1",
		`kamailio_dispatcher_list_target{destination="sip:127.0.0.3:5070",set_id="1",set_name="PROVIDER_A"}`:                         "0",
		`kamailio_dispatcher_list_target_state{destination="sip:127.0.0.3:5070",set_id="1",set_name="PROVIDER_A",state="inactive"}`:  "1",
		`kamailio_dispatcher_list_target_probing{destination="sip:127.0.0.4:5070",set_id="2",set_name=""}`:                           "1",
		`kamailio_dispatcher_list_target_priority{destination="sip:127.0.0.2:5070",set_id="1",set_name="PROVIDER_A"}`:                "10",
		`kamailio_dispatcher_list_target_flags_status{destination="sip:127.0.0.2:5070",flags="AP",set_id="1",set_name="PROVIDER_A"}`: "1",
		`kamailio_dispatcher_list_sets`: "2",
		// dlg (kamcmd/dlg.*)
		`kamailio_dlg_stats_active_ongoing`:                              "7",
		`kamailio_dlg_stats_active_all`:                                  "7",
		`kamailio_dlg_profile_get_size_dialog{profile="PROVIDER_A_IN"}`:  "4",
		`kamailio_dlg_profile_get_size_dialog{profile="PROVIDER_A_OUT"}`: "3",
		// htable (kamcmd/htable.*)
		`kamailio_htable_slots{name="ipban"}`:               "256",
		`kamailio_htable_items{name="reqcount"}`:            "5",
		`kamailio_htable_auto_expire_seconds{name="ipban"}`: "300",
		// rtpengine.show all (kamcmd/rtpengine.show_all.txt): nothing answered
		`kamailio_rtpengine_enabled{index="0",set="0",url="udp:127.0.0.1:22222",weight="1"}`: "0",
		// core.tcp_info, core.runinfo (kamcmd/)
		`kamailio_tcp_max_connections`: "2048",
		`kamailio_core_info{compiled="",compiler="gcc 12.2.0",sourceid="unknown ",version="5.6.3"}`: "1",
		// tls is not loaded: success 0, up stays 1
		`voip_exporter_scrape_collector_success{collector="tls",source="kamailio"}`:         "0",
		`voip_exporter_scrape_collector_success{collector="stats.fetch",source="kamailio"}`: "1",
	})
	// each number once: stats.fetch has sl replies and tm codes
	for _, dup := range []string{"kamailio_sl_stats_codes_total", "kamailio_tm_stats_codes_total", "kamailio_tm_stats_rpl_sent_total"} {
		if strings.Contains(out, dup+"{") || strings.Contains(out, "\n"+dup+" ") {
			t.Errorf("%s exported besides stats.fetch", dup)
		}
	}
	for fam, typ := range map[string]string{
		// dialog.active_dialogs ±1, processed_dialogs +1 only (dialog/dlg_handlers.c:568,1483,985)
		"kamailio_dialog": "gauge", "kamailio_dialog_total": "counter",
		// script.*: the statistics module registers plain variables (statistics/stats_funcs.c:108)
		// that update_stat may move either way; without stat_types they carry no type
		"kamailio_my_custom_value_total": "untyped", "kamailio_my_invites_seen": "untyped",
		"kamailio_tmx": "gauge", "kamailio_tcp_connections": "gauge",
		"kamailio_dispatcher_list_target_latency_timeout_total": "", // no LATENCY in this capture
	} {
		if got := typeOf(out, fam); got != typ {
			t.Errorf("type of %s = %q, want %q", fam, got, typ)
		}
	}
	// 160 stats.fetch items, each exported
	if n := strings.Count(out, "\nkamailio_"); n < 300 {
		t.Errorf("only %d kamailio series", n)
	}
	// the missing tls module is logged once, not on every scrape
	scrape(t, inst)
	scrape(t, inst)
	if n := strings.Count(logs.String(), "collector disabled"); n != 1 {
		t.Errorf("%d 'collector disabled' log lines, want 1:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), "collector failed") {
		t.Errorf("a disabled collector logged as failed:\n%s", logs)
	}
}

// TestStatsFetchOffExportsDedicated: with stats.fetch off, tm.stats,
// sl.stats, core.shmmem and core.tcp_info export what it would have.
func TestStatsFetchOffExportsDedicated(t *testing.T) {
	_, addr := startSim(t, kamsim.Captured())
	inst, _ := startInstance(t, config.Kamailio{Address: addr}, func(s source.Scraper[RPC]) bool {
		switch s.Name() {
		case "tm.stats", "sl.stats", "core.shmmem", "core.uptime", "core.tcp_info":
			return true
		}
		return false
	})
	out := scrape(t, inst)
	expect(t, out, map[string]string{
		`kamailio_tm_stats_codes_total{code="4xx"}`: "13",
		`kamailio_tm_stats_rpl_sent_total`:          "47",
		`kamailio_sl_stats_codes_total{code="200"}`: "7",
		`kamailio_shm_fragments`:                    "23",
		`kamailio_tcp_connections`:                  "0",
	})
	if sample(out, "kamailio_core_uptime_seconds") == "" {
		t.Error("core.uptime without core.runinfo exports no uptime")
	}
}

// TestMissingModulesAndReconnect: an unloaded module disables its
// collector until the connection is re-established; a stalled Kamailio
// makes the instance down, and it comes back.
func TestMissingModulesAndReconnect(t *testing.T) {
	st := kamsim.Captured()
	st.Unloaded = []string{"dispatcher", "dialog"}
	sim, addr := startSim(t, st)
	inst, _ := startInstance(t, config.Kamailio{Address: addr, Timeout: 500 * time.Millisecond}, nil)
	out := scrape(t, inst)
	expect(t, out, map[string]string{
		`kamailio_up`: "1",
		`voip_exporter_scrape_collector_success{collector="dispatcher.list",source="kamailio"}`: "0",
		`voip_exporter_scrape_collector_success{collector="dlg",source="kamailio"}`:             "0",
	})
	calls := sim.Calls("dispatcher.list")
	scrape(t, inst)
	if sim.Calls("dispatcher.list") != calls {
		t.Error("a disabled collector still calls Kamailio")
	}
	// Kamailio "restarts" with the module loaded
	sim.Update(func(s *kamsim.State) { s.Unloaded = nil })
	sim.DropConnections()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out = scrape(t, inst)
		if sample(out, `voip_exporter_scrape_collector_success{collector="dispatcher.list",source="kamailio"}`) == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dispatcher.list not back after reconnect:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// a hung Kamailio: calls time out, the connection is dropped, up 0
	sim.SetStall(true)
	out = scrape(t, inst)
	expect(t, out, map[string]string{`kamailio_up`: "0"})
	sim.SetStall(false)
	deadline = time.Now().Add(10 * time.Second)
	for sample(scrape(t, inst), "kamailio_up") != "1" {
		if time.Now().After(deadline) {
			t.Fatal("not up again after the stall")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
