package config

import (
	"strings"
	"testing"
	"time"
)

func TestRTPEngineDefaults(t *testing.T) {
	src := `rtpengine:
  - name: rtp1
  - name: rtp2
    address: 10.0.0.5:22222
    timeout: 2s
    max_calls: -1
modules:
  rtp:
    source: rtpengine
`
	cfg, err := Parse("c.yml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	// 127.0.0.1:2223 is listen-ng in Debian's /etc/rtpengine/rtpengine.conf.
	if got := cfg.RTPEngine[0]; got.Address != "127.0.0.1:2223" || got.Timeout != DefaultTimeout || got.MaxCalls != 200 || got.Line != 2 {
		t.Errorf("rtp1 = %+v", got)
	}
	if got := cfg.RTPEngine[1]; got.Address != "10.0.0.5:22222" || got.Timeout != 2*time.Second || got.MaxCalls != -1 || got.Line != 3 {
		t.Errorf("rtp2 = %+v", got)
	}
	if m := cfg.Modules["rtp"]; m.Source != "rtpengine" || m.Timeout != DefaultTimeout {
		t.Errorf("module = %+v", m)
	}
}

func TestRTPEngineErrors(t *testing.T) {
	for name, c := range map[string]struct{ src, want string }{
		"no port":     {"rtpengine:\n  - name: a\n    address: 127.0.0.1\n", `c.yml:2: rtpengine[0]: address "127.0.0.1"`},
		"bad port":    {"rtpengine:\n  - name: a\n    address: 127.0.0.1:70000\n", `port "70000" is not a number from 1 to 65535`},
		"max_calls":   {"rtpengine:\n  - name: a\n    max_calls: 20000\n", "max_calls 20000 is not between -1 (none) and 10000"},
		"duplicate":   {"rtpengine:\n  - name: a\n  - name: a\n", `rtpengine[1]: name "a" is already used`},
		"no name":     {"rtpengine:\n  - address: 127.0.0.1:2223\n", "rtpengine[0]: name is required"},
		"unknown key": {"rtpengine:\n  - name: a\n    adress: x\n", `unknown key "adress" in rtpengine[0]`},
		"timeout":     {"rtpengine:\n  - name: a\n    timeout: 10m\n", "rtpengine[0]: timeout"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(c.src), env(nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestRTPEngineModuleAddress(t *testing.T) {
	if err := RTPEngineModuleAddress("10.0.0.1:2223"); err != nil {
		t.Error(err)
	}
	if err := RTPEngineModuleAddress("udp:10.0.0.1:2223"); err == nil {
		t.Error("a URL-like target was accepted")
	}
}
