package config

import (
	"strings"
	"testing"
)

func TestKamailioConfig(t *testing.T) {
	cfg, err := Parse("k.yml", []byte(`
kamailio:
  - name: k1
  - name: k2
    address: tcp:10.0.0.1:2046
    timeout: 2s
    dlg_profiles: [PROVIDER_A_IN]
    dispatcher_sets: {1: carrier-a}
    custom_metrics_url: http://127.0.0.1:8080/metrics
    collectors: {pkg.stats: false}
modules:
  kam:
    source: kamailio
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	k1, k2 := cfg.Kamailio[0], cfg.Kamailio[1]
	if k1.Address != DefaultKamailioAddress || k1.Timeout != DefaultTimeout {
		t.Errorf("defaults: %+v", k1)
	}
	if k2.DispatcherSets[1] != "carrier-a" || k2.DlgProfiles[0] != "PROVIDER_A_IN" || k2.Collectors["pkg.stats"] || k2.Line != 4 {
		t.Errorf("k2: %+v", k2)
	}
	_, err = Parse("k.yml", []byte(`
kamailio:
  - name: bad
    address: sctp:1.2.3.4:5
    custom_metrics_url: ftp://x
    dlg_profiles: [""]
`), func(string) (string, bool) { return "", false })
	for _, want := range []string{"k.yml:3:", "address", "custom_metrics_url", "dlg_profiles[0]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}

// TestKamailioStatTypes: stat_types maps group.name to counter, gauge or untyped; anything else is
// an error at the instance's line.
func TestKamailioStatTypes(t *testing.T) {
	env := func(string) (string, bool) { return "", false }
	cfg, err := Parse("k.yml", []byte(`
kamailio:
  - name: k1
    stat_types: {script.inflight_bytes: gauge, billing.cdrs_written: counter, script.odd: untyped}
`), env)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Kamailio[0].StatTypes
	if got["script.inflight_bytes"] != "gauge" || got["billing.cdrs_written"] != "counter" || got["script.odd"] != "untyped" {
		t.Errorf("stat_types: %v", got)
	}
	_, err = Parse("k.yml", []byte(`
kamailio:
  - name: k1
  - name: k2
    stat_types:
      script.calls: histogram
      nodot: gauge
      .x: gauge
`), env)
	for _, want := range []string{`k.yml:4: kamailio[1]: stat_types: script.calls: type "histogram"`, `stat_types: "nodot": want`, `stat_types: ".x": want`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}
