package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallScript stages deploy/install.sh into a temporary DESTDIR from a
// release-shaped directory (binary + deploy/) and checks what it lays down,
// that it keeps an existing configuration, and that it validates it.
func TestInstallScript(t *testing.T) {
	rel := t.TempDir()
	if out, err := exec.Command("cp", "-r", "../deploy", rel).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if out, err := exec.Command("cp", binary, filepath.Join(rel, "voip_exporter")).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	dest := t.TempDir()
	run := func() (string, error) {
		cmd := exec.Command("bash", filepath.Join(rel, "deploy", "install.sh"))
		cmd.Env = append(os.Environ(), "DESTDIR="+dest)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run()
	if err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	for file, mode := range map[string]os.FileMode{
		"usr/local/bin/voip_exporter":              0o755,
		"etc/systemd/system/voip_exporter.service": 0o644,
		"etc/systemd/system/voip_exporter.socket":  0o644,
		"etc/voip_exporter/voip_exporter.yml":      0o644,
		"etc/default/voip_exporter":                0o600,
	} {
		st, err := os.Stat(filepath.Join(dest, file))
		if err != nil {
			t.Errorf("%s not installed: %v", file, err)
			continue
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s mode %v, want %v", file, st.Mode().Perm(), mode)
		}
	}
	if !strings.Contains(out, "configuration OK") {
		t.Errorf("the installed configuration was not checked:\n%s", out)
	}
	// An operator's configuration survives a re-install, and a broken one stops it.
	cfg := filepath.Join(dest, "etc/voip_exporter/voip_exporter.yml")
	os.WriteFile(cfg, []byte("freeswitch:\n  - name: mine\n    address: 10.0.0.1:8021\n"), 0o644)
	if out, err := run(); err != nil || !strings.Contains(out, "1 FreeSWITCH") {
		t.Errorf("re-install: %v\n%s", err, out)
	}
	os.WriteFile(cfg, []byte("freeswitch:\n  - nme: broken\n"), 0o644)
	if out, err := run(); err == nil || !strings.Contains(out, ":2: unknown key") {
		t.Errorf("a broken configuration was accepted: %v\n%s", err, out)
	}
}
