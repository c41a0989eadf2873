package kamailio

import (
	"strings"
	"testing"
)

// TestRealUndeclaredDialogProfile: a dlg_profiles entry the real Kamailio does not declare (its
// dialog module answers dlg.profile_get_size with fault 404 "Profile not found", dialog/dialog.c
// internal_rpc_profile_get_size, dialog.c:2513) is said: collector_success 0 on every scrape, an error counter per profile
// (3 scrapes → 3), one log line, not one per scrape; the declared profiles are still exported.
func TestRealUndeclaredDialogProfile(t *testing.T) {
	k := needReal(t)
	cfg := realConfig(k, k.CtlUnix)
	cfg.DlgProfiles = []string{"PROVIDER_A_IN", "NOT_DECLARED"}
	inst, logs := startInstance(t, cfg, nil)
	var out string
	for range 3 {
		out = scrape(t, inst)
	}
	expect(t, out, map[string]string{
		`voip_exporter_scrape_collector_success{collector="dlg",source="kamailio"}`: "0",
		`voip_exporter_kamailio_dlg_profile_errors_total{profile="NOT_DECLARED"}`:   "3",
		`voip_exporter_kamailio_dlg_profile_errors_total{profile="PROVIDER_A_IN"}`:  "0",
		`kamailio_up`: "1",
	})
	if sample(out, `kamailio_dlg_profile_get_size_dialog{profile="PROVIDER_A_IN"}`) == "" || sample(out, "kamailio_dlg_stats_active_all") == "" {
		t.Error("the declared profile or dlg.stats_active went missing with the undeclared one")
	}
	if sample(out, `kamailio_dlg_profile_get_size_dialog{profile="NOT_DECLARED"}`) != "" {
		t.Error("the undeclared profile has a size")
	}
	if n := countLines(logs.String(), "dialog profile not found"); n != 1 || !strings.Contains(logs.String(), "profile=NOT_DECLARED") {
		t.Errorf("%d 'profile not found' lines over 3 scrapes, want 1:\n%s", n, logs)
	}
	// Only the dlg collector's lines count: rtpengine.show may answer "500 Initializing - try later" while
	// Kamailio's rtpengine module has not yet reached the test's rtpengine, which is another collector's error.
	if n := countLines(logs.String(), `"collector failed" collector=dlg`); n != 0 {
		t.Errorf("logged per scrape as well:\n%s", logs)
	}
}
