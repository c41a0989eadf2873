package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAsteriskConfig(t *testing.T) {
	src := `global:
  timeout: 3s
asterisk:
  - name: pbx1
    address: 10.0.0.5:5038
    username: monitor
    secret: ${AMI_SECRET}
    phone_fleet:
      ranges: ["1031-1034", "2000"]
  - name: pbx2
    rtcp: false
  - name: local
    mode: cli
    cli_command: sudo -n /usr/sbin/asterisk -rx
    timeout: 2s
modules:
  asterisk:
    password: ${AMI_SECRET}
`
	cfg, err := Parse("c.yml", []byte(src), env(map[string]string{"AMI_SECRET": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Asterisk[0]
	if a.Mode != AsteriskModeAMI || a.Address != "10.0.0.5:5038" || a.Username != "monitor" || a.Secret != "s3cret" ||
		a.Timeout != 3*time.Second || a.Line != 4 || !a.RTCPEnabled() {
		t.Errorf("pbx1 = %+v", a)
	}
	if !reflect.DeepEqual(a.PhoneFleet.Ranges, []string{"1031-1034", "2000"}) {
		t.Errorf("ranges %v", a.PhoneFleet.Ranges)
	}
	if b := cfg.Asterisk[1]; b.Address != DefaultAsteriskAddress || b.Username != DefaultAsteriskUsername || b.RTCPEnabled() {
		t.Errorf("pbx2 defaults = %+v", b)
	}
	c := cfg.Asterisk[2]
	if c.Mode != AsteriskModeCLI || !reflect.DeepEqual(c.CLIArgs(), []string{"sudo", "-n", "/usr/sbin/asterisk", "-rx"}) ||
		c.Address != "" || c.Timeout != 2*time.Second || c.RTCPEnabled() {
		t.Errorf("local = %+v", c)
	}
	if m := cfg.Modules["asterisk"]; m.Source != "asterisk" || m.Password != "s3cret" {
		t.Errorf("module %+v", m)
	}
	if s := a.Secret.String(); strings.Contains(s, "s3cret") {
		t.Errorf("secret printed: %s", s)
	}
	cfg, err = Parse("c.yml", []byte("asterisk:\n  - name: x\n    mode: cli\n"), env(nil))
	if err != nil || cfg.Asterisk[0].CLICommand != DefaultAsteriskCLICommand {
		t.Errorf("cli default: %v %+v", err, cfg.Asterisk)
	}
}

func TestAsteriskConfigErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"asterisk:\n  - name: a\n    mode: telnet\n", `c.yml:2: asterisk[0]: mode "telnet": want ami or cli`},
		{"asterisk:\n  - name: a\n    address: pbx\n", `c.yml:2: asterisk[0]: address "pbx": address pbx: missing port in address`},
		{"asterisk:\n  - name: a\n    mode: cli\n    address: h:5038\n", "c.yml:2: asterisk[0]: address, username and secret are for mode: ami"},
		{"asterisk:\n  - name: a\n    cli_command: asterisk -rx\n", "c.yml:2: asterisk[0]: cli_command is for mode: cli"},
		{"asterisk:\n  - name: a\n    mode: cli\n    cli_command: \"  \"\n", "c.yml:2: asterisk[0]: cli_command is empty"},
		{"asterisk:\n  - name: a\n    phone_fleet:\n      ranges: [\"1099-1000\"]\n", `c.yml:2: asterisk[0]: phone_fleet: range "1099-1000": start is after end`},
		{"asterisk:\n  - name: a\n    phone_fleet:\n      ranges: [\"10-x\"]\n", `c.yml:2: asterisk[0]: phone_fleet: range "10-x": want N or N-M, digits only`},
		{"asterisk:\n  - name: a\n    phone_fleet:\n      ranges: [\"0-99999\"]\n", "more than 10000 extensions"},
		{"asterisk:\n  - name: a\n    secret: \"a\\nAction: Originate\"\n", "username and secret may not contain line breaks"},
		{"asterisk:\n  - name: a\n    tls: true\n", `unknown key "tls" in asterisk[0]`},
		{"asterisk:\n  - name: a\n    mode: cli\n    rtcp: true\n", "rtcp (AMI events) is for mode: ami"},
		{"asterisk:\n  - name: a\n  - name: a\n", `asterisk[1]: name "a" is already used by asterisk[0]`},
	} {
		_, err := Parse("c.yml", []byte(c.src), env(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "Originate") {
			t.Errorf("secret echoed: %v", err)
		}
	}
}

func TestExpandFleet(t *testing.T) {
	got, err := ExpandFleet([]string{"1031-1034", "1036", "0098-0101", "1033"})
	want := []string{"1031", "1032", "1033", "1034", "1036", "0098", "0099", "0100", "0101"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%v %v", got, err)
	}
	for _, bad := range [][]string{{"10-5"}, {"abc"}, {"1-"}, {"0-20000"}, {"1-9999", "20000-20001"}} {
		if _, err := ExpandFleet(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
