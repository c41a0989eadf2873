package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRecordingsDefaults(t *testing.T) {
	src := `recordings:
  - name: local
  - name: done
    directories: [/var/spool/asterisk/monitorDONE, /mnt/archive]
    walk_interval: 1h
    walk_timeout: 2m
    max_files: 500000
`
	cfg, err := Parse("c.yml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Recordings[0]; !reflect.DeepEqual(got.Directories, []string{"/var/spool/asterisk/monitor"}) ||
		got.WalkInterval != 5*time.Minute || got.WalkTimeout != 30*time.Second || got.MaxFiles != 1000000 || got.Timeout != DefaultTimeout || got.Line != 2 {
		t.Errorf("local = %+v", got)
	}
	if got := cfg.Recordings[1]; !reflect.DeepEqual(got.Directories, []string{"/var/spool/asterisk/monitorDONE", "/mnt/archive"}) ||
		got.WalkInterval != time.Hour || got.WalkTimeout != 2*time.Minute || got.MaxFiles != 500000 || got.Line != 3 {
		t.Errorf("done = %+v", got)
	}
}

func TestRecordingsErrors(t *testing.T) {
	for name, c := range map[string]struct{ src, want string }{
		"relative":    {"recordings:\n  - name: a\n    directories: [monitor]\n", `c.yml:2: recordings[0]: directory "monitor" is not an absolute path`},
		"twice":       {"recordings:\n  - name: a\n    directories: [/a, /a/]\n", `directory "/a/" is listed twice`},
		"negative":    {"recordings:\n  - name: a\n    max_files: -1\n", "max_files may not be negative"},
		"duplicate":   {"recordings:\n  - name: a\n  - name: a\n", `recordings[1]: name "a" is already used`},
		"unknown key": {"recordings:\n  - name: a\n    dirs: [/a]\n", `unknown key "dirs" in recordings[0]`},
	} {
		_, err := Parse("c.yml", []byte(c.src), env(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}
