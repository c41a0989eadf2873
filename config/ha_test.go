package config

import (
	"strings"
	"testing"
	"time"
)

func TestHADefaultsAndOverride(t *testing.T) {
	cfg, err := Parse("c.yml", []byte("storage:\n  type: redis\nha:\n  enabled: true\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.HA
	if !h.Enabled || h.LeaseTTL != DefaultLeaseTTL || h.SafetyMargin != DefaultLeaseTTL/4 || h.ClaimIdle != 30*time.Second ||
		h.StreamMaxLen != 100000 || h.AgentID != "" {
		t.Errorf("defaults: %+v", h)
	}
	// The compose file's whole-section override, with the agent id from the environment.
	cfg, err = Parse("c.yml", []byte("storage:\n  type: redis\n"), env(map[string]string{
		"VOIP_EXPORTER_HA": `{"enabled":true,"agent_id":"${POD}","lease_ttl":"2s"}`, "POD": "pod-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.HA.Enabled || cfg.HA.AgentID != "pod-1" || cfg.HA.LeaseTTL != 2*time.Second || cfg.HA.SafetyMargin != 500*time.Millisecond {
		t.Errorf("override: %+v", cfg.HA)
	}
	// Off by default: nothing else is required.
	if cfg, err := Parse("c.yml", nil, env(nil)); err != nil || cfg.HA.Enabled {
		t.Errorf("default: %+v %v", cfg.HA, err)
	}
}

func TestHAErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"ha:\n  enabled: true\n", "c.yml:2: ha.enabled needs storage.type: redis"},
		{"storage:\n  type: redis\nha:\n  enabled: true\n  lease_ttl: 100ms\n", "ha.lease_ttl: 100ms is not between"},
		{"storage:\n  type: redis\nha:\n  enabled: true\n  lease_ttl: 4s\n  safety_margin: 3s\n", "ha.safety_margin: 3s"},
		{"storage:\n  type: redis\nha:\n  enabled: true\n  claim_idle: 10ms\n", "ha.claim_idle"},
		{"storage:\n  type: redis\nha:\n  enabled: true\n  stream_max_len: 5\n", "ha.stream_max_len"},
		{"ha:\n  enabeld: true\n", "unknown key \"enabeld\""},
	} {
		_, err := Parse("c.yml", []byte(c.src), env(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

func TestRedisSentinelConfig(t *testing.T) {
	cfg, err := Parse("c.yml", []byte("storage:\n  type: redis\n  redis:\n    sentinel:\n      master_name: mymaster\n      addresses: [\"10.0.0.1:26379\", \"10.0.0.2:26379\"]\n      password: ${SP}\n"),
		env(map[string]string{"SP": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	sn := cfg.Storage.Redis.Sentinel
	if sn.MasterName != "mymaster" || len(sn.Addresses) != 2 || string(sn.Password) != "s3cret" {
		t.Errorf("sentinel %+v", sn)
	}
	for _, c := range []struct{ src, want string }{
		{"storage:\n  type: redis\n  redis:\n    sentinel:\n      master_name: m\n", "master_name and addresses go together"},
		{"storage:\n  type: redis\n  redis:\n    sentinel:\n      master_name: m\n      addresses: [\"nope\"]\n", `sentinel.addresses "nope"`},
	} {
		if _, err := Parse("c.yml", []byte(c.src), env(nil)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}
