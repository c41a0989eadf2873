package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFail2banDefaults(t *testing.T) {
	src := `fail2ban:
  - name: local
  - name: other
    socket: /run/f2b-other.sock
    client: /opt/fail2ban/bin/fail2ban-client
    jails: [asterisk, sshd]
    timeout: 2s
`
	cfg, err := Parse("c.yml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Fail2ban[0]; got.Socket != DefaultFail2banSocket || got.Client != DefaultFail2banClient || got.Timeout != DefaultTimeout || got.Jails != nil || got.Line != 2 {
		t.Errorf("local = %+v", got)
	}
	if got := cfg.Fail2ban[1]; got.Socket != "/run/f2b-other.sock" || got.Client != "/opt/fail2ban/bin/fail2ban-client" ||
		!reflect.DeepEqual(got.Jails, []string{"asterisk", "sshd"}) || got.Timeout != 2*time.Second || got.Line != 3 {
		t.Errorf("other = %+v", got)
	}
}

func TestFail2banErrors(t *testing.T) {
	for name, c := range map[string]struct{ src, want string }{
		"jail with space": {"fail2ban:\n  - name: a\n    jails: [\"a b\"]\n", `c.yml:2: fail2ban[0]: jail "a b" may not be empty or hold spaces or commas`},
		"jail with comma": {"fail2ban:\n  - name: a\n    jails: [\"a,b\"]\n", "may not be empty or hold spaces or commas"},
		"empty jail":      {"fail2ban:\n  - name: a\n    jails: [\"\"]\n", "may not be empty"},
		"jail twice":      {"fail2ban:\n  - name: a\n    jails: [x, x]\n", `jail "x" is listed twice`},
		"duplicate":       {"fail2ban:\n  - name: a\n  - name: a\n", `fail2ban[1]: name "a" is already used`},
		"unknown key":     {"fail2ban:\n  - name: a\n    sock: /s\n", `unknown key "sock" in fail2ban[0]`},
		"probe module":    {"modules:\n  f:\n    source: fail2ban\n", `modules.f: unknown source "fail2ban"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(c.src), env(nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
