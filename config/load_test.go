package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseFullFile(t *testing.T) {
	src := `global:
  timeout: 3s
freeswitch:
  - name: fs1
    address: 10.0.0.1:8021
    password: ${FS_PASS}
  - name: fs2
    address: "[::1]:8021"
    timeout: 2s
modules:
  freeswitch:
    password: ${PROBE_PASS:-ClueCon}
`
	cfg, err := Parse("c.yml", []byte(src), env(map[string]string{"FS_PASS": "s3cr#t: x"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.FreeSWITCH[0]; got.Password != "s3cr#t: x" || got.Timeout != 3*time.Second || got.Line != 4 {
		t.Errorf("fs1 = %+v", got)
	}
	if got := cfg.FreeSWITCH[1]; got.Password != DefaultFreeSWITCHPass || got.Timeout != 2*time.Second || got.Line != 7 {
		t.Errorf("fs2 = %+v", got)
	}
	if m := cfg.Modules["freeswitch"]; m.Source != "freeswitch" || m.Password != "ClueCon" || m.Timeout != 3*time.Second {
		t.Errorf("module = %+v", m)
	}
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"unknown key", "freeswitch:\n  - name: a\n    adress: x:1\n", "c.yml:3: unknown key \"adress\" in freeswitch[0] (known: address, name, password, timeout)"},
		{"bad duration", "global:\n  timeout: fast\n", "c.yml:2: cannot unmarshal !!str `fast` into time.Duration"},
		{"syntax", "freeswitch:\n  - name: a\n   address: b\n", "c.yml:1: did not find expected '-' indicator"},
		{"missing env", "freeswitch:\n  - name: a\n    password: ${NOPE}\n", "c.yml:3: environment variable NOPE is not set"},
		{"duplicate", "freeswitch:\n  - name: a\n  - name: a\n", "c.yml:3: freeswitch[1]: name \"a\" is already used by freeswitch[0]"},
		{"bad port", "freeswitch:\n  - name: a\n    address: host:99999\n", "c.yml:2: freeswitch[0]: address \"host:99999\": port \"99999\" is not a number from 1 to 65535"},
		{"no name", "freeswitch:\n  - address: h:1\n", "c.yml:2: freeswitch[0]: name is required"},
		{"top level list", "- a\n", "c.yml:1: the top level must be a mapping"},
		{"bad module", "modules:\n  x:\n    source: sip\n", "modules.x: unknown source \"sip\""},
		{"timeout too long", "global:\n  timeout: 1h\n", "global.timeout: 1h0m0s is not between"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(c.src), env(nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestEnvOverrideReplacesKey(t *testing.T) {
	src := "freeswitch:\n  - name: fromfile\n"
	cfg, err := Parse("c.yml", []byte(src), env(map[string]string{
		"VOIP_EXPORTER_FREESWITCH": `[{"name":"fs9","address":"192.0.2.9:8021","password":"${PW}"}]`,
		"VOIP_EXPORTER_GLOBAL":     `{"timeout":"7s"}`,
		"PW":                       "pw",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.FreeSWITCH) != 1 || cfg.FreeSWITCH[0].Name != "fs9" || cfg.FreeSWITCH[0].Password != "pw" || cfg.FreeSWITCH[0].Timeout != 7*time.Second {
		t.Fatalf("cfg = %+v", cfg.FreeSWITCH)
	}
	_, err = Parse("", nil, env(map[string]string{"VOIP_EXPORTER_FREESWITCH": `[{"name":"a","bogus":1}]`}))
	if err == nil || !strings.Contains(err.Error(), `unknown key "bogus"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestDollarEscapeAndNumericExpansion(t *testing.T) {
	src := "global:\n  timeout: ${T}\nfreeswitch:\n  - name: a\n    password: pa$$word\n"
	cfg, err := Parse("c.yml", []byte(src), env(map[string]string{"T": "4s"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Global.Timeout != 4*time.Second || cfg.FreeSWITCH[0].Password != "pa$word" {
		t.Fatalf("cfg = %+v %+v", cfg.Global, cfg.FreeSWITCH[0])
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	if s.String() != "<secret>" {
		t.Fatal(s.String())
	}
	b, _ := s.MarshalJSON()
	if strings.Contains(string(b), "hunter2") {
		t.Fatal(string(b))
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yml") {
		t.Fatalf("err = %v", err)
	}
	p := filepath.Join(t.TempDir(), "ok.yml")
	os.WriteFile(p, []byte("freeswitch: []\n"), 0o600)
	if _, err := Load(p); err != nil {
		t.Fatal(err)
	}
}

func TestEmptyConfigIsValid(t *testing.T) {
	cfg, err := Parse("", nil, env(nil))
	if err != nil || cfg.Global.Timeout != DefaultTimeout {
		t.Fatalf("cfg=%+v err=%v", cfg, err)
	}
}

func TestLinesRecordedForEverySource(t *testing.T) {
	src := "kamailio:\n  - name: k1\n  - name: k1\n"
	_, err := Parse("c.yml", []byte(src), env(nil))
	if err == nil || !strings.Contains(err.Error(), `c.yml:3: kamailio[1]: name "k1" is already used by kamailio[0]`) {
		t.Fatalf("err = %v", err)
	}
}
