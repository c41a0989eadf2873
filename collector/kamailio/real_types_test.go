package kamailio

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestRealStatTypes: on the real Kamailio, statistics are typed where Kamailio's source says what
// they are, by the instance's stat_types where the operator says it, and left untyped otherwise.
// testdata/kamailio/kamailio.cfg.tmpl declares script.inflight_bytes (each OPTIONS +300 then -100),
// script.FraudHits/no_reset and billing.cdrs_written (counters module, script_counter), each moved
// by an INVITE to busy1; pike registers pike.blocked_ips (pike/pike_funcs.c:52, counter_inc only).
func TestRealStatTypes(t *testing.T) {
	k := needReal(t)
	cfg := realConfig(k, k.CtlUnix)
	cfg.StatTypes = map[string]string{"script.inflight_bytes": "gauge", "billing.cdrs_written": "counter",
		// dialog.active_dialogs has a family typed from source: the entry is ignored
		"dialog.active_dialogs": "counter"}
	inst, logs := startInstance(t, cfg, nil)
	before := scrape(t, inst)
	for range 2 {
		if c := k.Send(t, "OPTIONS", ""); c != 200 {
			t.Fatalf("OPTIONS: %d", c)
		}
	}
	if c := k.Send(t, "INVITE", "busy1"); c != 486 {
		t.Fatalf("INVITE busy: %d", c)
	}
	after := scrape(t, inst)
	for fam, typ := range map[string]string{
		"kamailio_inflight_bytes":             "gauge",   // stat_types
		"kamailio_billing_cdrs_written_total": "counter", // stat_types; a counter's name gets _total
		"kamailio_fraudhits":                  "untyped", // no_reset is not visible over RPC
		"kamailio_pike_blocked_ips_total":     "counter", // knownStats
		"kamailio_my_invites_seen":            "untyped",
		"kamailio_dialog":                     "gauge", // dialog/dialog.c STAT_NO_RESET, ±1 in dlg_handlers.c
	} {
		if got := typeOf(after, fam); got != typ {
			t.Errorf("type of %s = %q, want %q", fam, got, typ)
		}
	}
	for series, want := range map[string]float64{
		"kamailio_inflight_bytes":             2 * (300 - 100),
		"kamailio_billing_cdrs_written_total": 1,
		"kamailio_fraudhits":                  1,
	} {
		if d := num64(t, after, series) - num64(t, before, series); d != want {
			t.Errorf("%s moved by %v, want %v", series, d, want)
		}
	}
	if sample(after, "kamailio_billing_cdrs_written") != "" {
		t.Error("billing.cdrs_written exported under its name without _total too")
	}
	if n := countLines(logs.String(), "stat_types entry ignored"); n != 1 {
		t.Errorf("%d warnings for the ignored stat_types entry, want 1:\n%s", n, logs)
	}
}

func TestParseStatType(t *testing.T) {
	for s, want := range map[string]prometheus.ValueType{"counter": prometheus.CounterValue, "gauge": prometheus.GaugeValue, "untyped": prometheus.UntypedValue} {
		if got, err := ParseStatType(s); err != nil || got != want {
			t.Errorf("%s: %v %v", s, got, err)
		}
	}
	if _, err := ParseStatType("histogram"); err == nil {
		t.Error("histogram accepted")
	}
}
