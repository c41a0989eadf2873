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
