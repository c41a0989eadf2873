package config

import (
	"strings"
	"testing"
	"time"
)

func TestViciDialDefaultsAndSecrets(t *testing.T) {
	src := `global:
  timeout: 4s
vicidial:
  - name: vici1
    host: 10.0.0.5
    password: ${VICI_PW}
  - name: vici2
    dsn: "ro:${VICI_PW}@tcp(db2:3307)/asterisk?readTimeout=2s"
    max_open_conns: 5
  - name: vici3
    socket: /var/run/mysqld/mysqld.sock
    user: ro
    database: vici
    tls: skip-verify
modules:
  vicidial:
    password: ${VICI_PW}
`
	cfg, err := Parse("c.yml", []byte(src), env(map[string]string{"VICI_PW": `p@ss:w/rd"`}))
	if err != nil {
		t.Fatal(err)
	}
	v1 := cfg.ViciDial[0]
	if v1.Port != 3306 || v1.User != "exporter" || v1.Database != "asterisk" || v1.Timeout != 4*time.Second ||
		v1.MaxOpenConns != 3 || v1.MaxIdleConns != 3 || v1.ConnMaxLifetime != 10*time.Minute || v1.Line != 4 {
		t.Errorf("vici1 = %+v", v1)
	}
	mc, err := v1.MySQL()
	if err != nil {
		t.Fatal(err)
	}
	if mc.Addr != "10.0.0.5:3306" || mc.Passwd != `p@ss:w/rd"` || mc.User != "exporter" || mc.DBName != "asterisk" ||
		mc.Timeout != 4*time.Second || mc.ReadTimeout != 4*time.Second || mc.WriteTimeout != 4*time.Second {
		t.Errorf("vici1 driver config = %+v", mc)
	}
	if v1.Address() != "10.0.0.5:3306" {
		t.Errorf("vici1 address %q", v1.Address())
	}

	v2 := cfg.ViciDial[1]
	mc, err = v2.MySQL()
	if err != nil {
		t.Fatal(err)
	}
	// The DSN's own readTimeout wins; the instance timeout fills the rest.
	if mc.Addr != "db2:3307" || mc.User != "ro" || mc.Passwd != `p@ss:w/rd"` || mc.ReadTimeout != 2*time.Second || mc.Timeout != 4*time.Second || v2.MaxIdleConns != 5 {
		t.Errorf("vici2 driver config = %+v", mc)
	}
	if v2.Address() != "db2:3307" || strings.Contains(v2.DSN.String(), "p@ss") {
		t.Errorf("vici2 address %q, dsn prints %q", v2.Address(), v2.DSN)
	}

	v3 := cfg.ViciDial[2]
	mc, err = v3.MySQL()
	if err != nil {
		t.Fatal(err)
	}
	if mc.Net != "unix" || mc.Addr != "/var/run/mysqld/mysqld.sock" || v3.Port != 0 || v3.Host != "" || mc.TLSConfig != "skip-verify" || mc.DBName != "vici" {
		t.Errorf("vici3 = %+v, driver config %+v", v3, mc)
	}
	if m := cfg.Modules["vicidial"]; m.Source != "vicidial" || m.Password != `p@ss:w/rd"` {
		t.Errorf("module = %+v", m)
	}
}

func TestViciDialErrors(t *testing.T) {
	for name, c := range map[string]struct{ src, want string }{
		"dsn and host":           {"vicidial:\n  - name: a\n    dsn: u:p@tcp(h:1)/db\n    host: h\n", "c.yml:2: vicidial[0]: give either dsn or host/port/socket/user/password/database/tls, not both"},
		"bad dsn":                {"vicidial:\n  - name: a\n    dsn: \"u:secretpw@tcp(h:1)\"\n", "c.yml:2: vicidial[0]: dsn: invalid DSN"},
		"dsn no db":              {"vicidial:\n  - name: a\n    dsn: \"u:p@tcp(h:1)/\"\n", "dsn names no database"},
		"host and sock":          {"vicidial:\n  - name: a\n    host: h\n    socket: /s\n", "give either host/port or socket"},
		"bad port":               {"vicidial:\n  - name: a\n    port: 70000\n", "port 70000 is not a number from 1 to 65535"},
		"bad host":               {"vicidial:\n  - name: a\n    host: \"tcp(h)\"\n", "is not a host name or address"},
		"bad tls":                {"vicidial:\n  - name: a\n    tls: maybe\n", `tls "maybe" is not one of`},
		"too many conns":         {"vicidial:\n  - name: a\n    max_open_conns: 1000\n", "max_open_conns 1000 is not between 1 and 64"},
		"idle > open":            {"vicidial:\n  - name: a\n    max_open_conns: 2\n    max_idle_conns: 3\n", "max_idle_conns 3 is not between 0 and max_open_conns (2)"},
		"negative list interval": {"vicidial:\n  - name: a\n    list_penetration_interval: -1m\n", "list_penetration_interval may not be negative"},
		"duplicate":              {"vicidial:\n  - name: a\n  - name: a\n", `vicidial[1]: name "a" is already used by vicidial[0]`},
		"unknown key":            {"vicidial:\n  - name: a\n    pasword: x\n", `unknown key "pasword" in vicidial[0]`},
		"no name":                {"vicidial:\n  - host: h\n", "vicidial[0]: name is required"},
		"bad timeout":            {"vicidial:\n  - name: a\n    timeout: 1h\n", "vicidial[0]: timeout: 1h0m0s is not between"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(c.src), env(nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "secretpw") {
				t.Errorf("the error shows the DSN's password: %v", err)
			}
		})
	}
}
