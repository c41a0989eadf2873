package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Defaults of a ViciDial instance, as seed 004 deploys it: a read-only
// "exporter" user on ViciDial's "asterisk" database.
const (
	DefaultViciDialHost     = "127.0.0.1"
	DefaultViciDialPort     = 3306
	DefaultViciDialUser     = "exporter"
	DefaultViciDialDatabase = "asterisk"
	// DefaultViciDialMaxOpenConns bounds the pool: ViciDial's tables are
	// mostly MyISAM, so every reader takes table locks the dialer waits on.
	DefaultViciDialMaxOpenConns    = 3
	DefaultViciDialConnMaxLifetime = 10 * time.Minute
	// DefaultViciDialListPenetrationInterval is how often vicidial_list is
	// counted per list (issue 16).
	DefaultViciDialListPenetrationInterval = 5 * time.Minute
)

// ViciDial is one ViciDial database (MySQL or MariaDB) read by a read-only
// user. It is reached either by a go-sql-driver DSN or by host/port (or
// socket)/user/password/database; never both.
type ViciDial struct {
	Name string `yaml:"name"`
	// DSN is a go-sql-driver/mysql data source name,
	// "user:password@tcp(host:3306)/asterisk?tls=true". It holds the password,
	// so it is a Secret.
	DSN      Secret `yaml:"dsn"`
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Socket   string `yaml:"socket"` // a unix socket path instead of host/port
	User     string `yaml:"user"`
	Password Secret `yaml:"password"`
	Database string `yaml:"database"`
	// TLS is go-sql-driver's tls parameter: "", "true", "false",
	// "skip-verify" or "preferred".
	TLS string `yaml:"tls"`
	// Timeout bounds one collection, and is the dial, read and write timeout
	// of every connection (unless the DSN sets its own).
	Timeout         time.Duration `yaml:"timeout"`
	MaxOpenConns    int           `yaml:"max_open_conns"`
	MaxIdleConns    int           `yaml:"max_idle_conns"`
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`
	// ListPenetrationInterval is how often the list_penetration collector
	// reads vicidial_list (one GROUP BY over the largest ViciDial table), in
	// the background; scrapes report the last result and its age.
	ListPenetrationInterval time.Duration `yaml:"list_penetration_interval"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

// MaxViciDialConns caps max_open_conns: an exporter needs a handful.
const MaxViciDialConns = 64

func init() { probeSources["vicidial"] = true }

func (c *Config) defaultsViciDial() {
	for i := range c.ViciDial {
		v := &c.ViciDial[i]
		if v.Timeout == 0 {
			v.Timeout = c.Global.Timeout
		}
		if v.DSN == "" {
			if v.Host == "" && v.Socket == "" {
				v.Host = DefaultViciDialHost
			}
			if v.Port == 0 && v.Socket == "" {
				v.Port = DefaultViciDialPort
			}
			if v.User == "" {
				v.User = DefaultViciDialUser
			}
			if v.Database == "" {
				v.Database = DefaultViciDialDatabase
			}
		}
		if v.MaxOpenConns == 0 {
			v.MaxOpenConns = DefaultViciDialMaxOpenConns
		}
		if v.MaxIdleConns == 0 {
			v.MaxIdleConns = v.MaxOpenConns
		}
		if v.ConnMaxLifetime == 0 {
			v.ConnMaxLifetime = DefaultViciDialConnMaxLifetime
		}
		if v.ListPenetrationInterval == 0 {
			v.ListPenetrationInterval = DefaultViciDialListPenetrationInterval
		}
	}
}

func (c *Config) validateViciDial(bad badFunc) {
	seen := map[string]int{}
	for i, v := range c.ViciDial {
		where := fmtWhere("vicidial", i)
		checkName(bad, v.Line, "vicidial", i, v.Name, seen)
		if err := checkTimeout(v.Timeout); err != nil {
			bad(v.Line, "%s: timeout: %v", where, err)
		}
		if v.DSN != "" {
			if v.Host != "" || v.Port != 0 || v.Socket != "" || v.User != "" || v.Password != "" || v.Database != "" || v.TLS != "" {
				bad(v.Line, "%s: give either dsn or host/port/socket/user/password/database/tls, not both", where)
			}
			// The DSN holds the password: report the driver's reason only.
			if mc, err := mysql.ParseDSN(string(v.DSN)); err != nil {
				bad(v.Line, "%s: dsn: %v", where, err)
			} else if mc.DBName == "" {
				bad(v.Line, "%s: dsn names no database (…/asterisk)", where)
			}
		} else {
			if v.Host != "" && v.Socket != "" {
				bad(v.Line, "%s: give either host/port or socket, not both", where)
			}
			if v.Socket == "" && (v.Port < 1 || v.Port > 65535) {
				bad(v.Line, "%s: port %d is not a number from 1 to 65535", where, v.Port)
			}
			if strings.ContainsAny(v.Host, "/()@ ") {
				bad(v.Line, "%s: host %q is not a host name or address", where, v.Host)
			}
			if strings.ContainsAny(v.Database, "/?") {
				bad(v.Line, "%s: database %q may not hold / or ?", where, v.Database)
			}
			switch v.TLS {
			case "", "true", "false", "skip-verify", "preferred":
			default:
				bad(v.Line, "%s: tls %q is not one of true, false, skip-verify, preferred", where, v.TLS)
			}
		}
		if v.MaxOpenConns < 1 || v.MaxOpenConns > MaxViciDialConns {
			bad(v.Line, "%s: max_open_conns %d is not between 1 and %d", where, v.MaxOpenConns, MaxViciDialConns)
		}
		if v.MaxIdleConns < 0 || v.MaxIdleConns > v.MaxOpenConns {
			bad(v.Line, "%s: max_idle_conns %d is not between 0 and max_open_conns (%d)", where, v.MaxIdleConns, v.MaxOpenConns)
		}
		if v.ConnMaxLifetime < 0 {
			bad(v.Line, "%s: conn_max_lifetime may not be negative", where)
		}
		if v.ListPenetrationInterval < 0 {
			bad(v.Line, "%s: list_penetration_interval may not be negative", where)
		}
	}
}

// MySQL returns the driver configuration of the instance: the DSN's, or one
// built from host/port/…; the dial, read and write timeouts default to
// Timeout. The result holds the password: never log it.
func (v ViciDial) MySQL() (*mysql.Config, error) {
	var mc *mysql.Config
	if v.DSN != "" {
		var err error
		if mc, err = mysql.ParseDSN(string(v.DSN)); err != nil {
			return nil, fmt.Errorf("vicidial %s: dsn: %w", v.Name, err)
		}
	} else {
		mc = mysql.NewConfig()
		mc.User = v.User
		mc.Passwd = string(v.Password)
		mc.DBName = v.Database
		if v.Socket != "" {
			mc.Net, mc.Addr = "unix", v.Socket
		} else {
			mc.Net, mc.Addr = "tcp", net.JoinHostPort(v.Host, strconv.Itoa(v.Port))
		}
		mc.TLSConfig = v.TLS // the driver gives it meaning when the connector is built
	}
	if mc.Timeout == 0 {
		mc.Timeout = v.Timeout
	}
	if mc.ReadTimeout == 0 {
		mc.ReadTimeout = v.Timeout
	}
	if mc.WriteTimeout == 0 {
		mc.WriteTimeout = v.Timeout
	}
	if mc.DBName == "" {
		return nil, errors.New("vicidial " + v.Name + ": no database named")
	}
	return mc, nil
}

// Address is where the database is reached (host:port or socket path),
// without credentials.
func (v ViciDial) Address() string {
	if v.DSN != "" {
		if mc, err := mysql.ParseDSN(string(v.DSN)); err == nil {
			return mc.Addr
		}
		return ""
	}
	if v.Socket != "" {
		return v.Socket
	}
	return net.JoinHostPort(v.Host, strconv.Itoa(v.Port))
}
