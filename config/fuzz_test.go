package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: any configuration file either loads or fails with an error that names the file; it never
// panics, whatever the YAML (anchors, huge numbers, wrong types, ${VAR} references).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../deploy/*/*.yml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"freeswitch:\n  - name: fs1\n    address: 127.0.0.1:8021\n    password: ${PW}\n",
		"kamailio: [{name: k, address: \"unix:/run/kamailio/kamailio_ctl\"}]\n",
		"storage: {type: redis, redis: {sentinel: {master_name: m, addresses: [\"h:1\"]}}}\nha: {enabled: true}\n",
		"a: &x [*x]\n", "global: {timeout: 99999999999999999999h}\n", "freeswitch: 3\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		_, err := Parse("c.yml", b, env(map[string]string{"PW": "x"}))
		if err != nil && !strings.Contains(err.Error(), "c.yml") {
			t.Fatalf("error without the file name: %v", err)
		}
	})
}
