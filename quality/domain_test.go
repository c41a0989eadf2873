package quality

import "testing"

func TestDomainFallbackChain(t *testing.T) {
	for _, c := range []struct {
		f    MapFields
		want string
	}{
		{MapFields{"variable_domain_name": "Example.COM", "variable_sip_from_host": "a.test", "variable_sip_to_host": "b.test"}, "example.com"},
		{MapFields{"variable_sip_from_host": "a.test", "variable_sip_to_host": "b.test"}, "a.test"},
		{MapFields{"variable_sip_to_host": "127.0.0.1:5080"}, "127.0.0.1"},
		{MapFields{"variable_domain_name": "", "variable_sip_from_host": "", "variable_sip_to_host": "b.test"}, "b.test"},
		// invalid values fall through to the next header
		{MapFields{"variable_domain_name": "bad domain", "variable_sip_from_host": "ok.test"}, "ok.test"},
		{MapFields{"variable_domain_name": "<script>", "variable_sip_to_host": "[2001:db8::1]:5060"}, "2001:db8::1"},
		{MapFields{"variable_domain_name": "x\x00y"}, ""},
		{MapFields{}, ""},
	} {
		if got := DomainOf(c.f); got != c.want {
			t.Errorf("DomainOf(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// TestDomainFromCaptures: call3 sets no domain_name; sip_from_host is used.
func TestDomainFromCaptures(t *testing.T) {
	for _, ev := range loadCall(t, "call3-degraded-loss-jitter", "plain") {
		if ev.Name() == "CHANNEL_HANGUP_COMPLETE" {
			if _, ok := ev.Lookup("variable_domain_name"); ok {
				t.Fatal("capture unexpectedly has variable_domain_name")
			}
			if got := DomainOf(ev); got != "127.0.0.1" {
				t.Errorf("DomainOf = %q", got)
			}
		}
	}
}
