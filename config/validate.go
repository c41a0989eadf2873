package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"time"
)

// MaxTimeout caps any timeout: longer than Prometheus' own scrape timeouts
// makes no sense.
const MaxTimeout = 5 * time.Minute

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]*$`)

// badFunc records one validation problem at a line (0: unknown).
type badFunc func(line int, format string, a ...any)

// probeSources are the sources a /probe module may name; each source's file
// adds itself.
var probeSources = map[string]bool{"freeswitch": true}

func (c *Config) applyDefaults() {
	if c.Global.Timeout == 0 {
		c.Global.Timeout = DefaultTimeout
	}
	c.defaultsFreeSWITCH()
	c.defaultsKamailio()
	c.defaultsAsterisk()
	c.defaultsViciDial()
	c.defaultsFail2ban()
	c.defaultsRTPEngine()
	c.defaultsRecordings()
	c.defaultsQuality()
	c.defaultsHA()
	for k, m := range c.Modules {
		if m.Source == "" {
			m.Source = k
		}
		if m.Timeout == 0 {
			m.Timeout = c.Global.Timeout
		}
		if m.Source == "freeswitch" && m.Password == "" {
			m.Password = DefaultFreeSWITCHPass
		}
		c.Modules[k] = m
	}
}

func (c *Config) validate() error {
	var errs []error
	bad := func(line int, format string, a ...any) {
		errs = append(errs, &Error{File: c.File, Line: line, Msg: fmt.Sprintf(format, a...)})
	}
	if err := checkTimeout(c.Global.Timeout); err != nil {
		bad(0, "global.timeout: %v", err)
	}
	c.validateFreeSWITCH(bad)
	c.validateKamailio(bad)
	c.validateAsterisk(bad)
	c.validateViciDial(bad)
	c.validateFail2ban(bad)
	c.validateRTPEngine(bad)
	c.validateRecordings(bad)
	c.validateQuality(bad)
	c.validateHA(bad)
	for name, m := range c.Modules {
		if !probeSources[m.Source] {
			bad(0, "modules.%s: unknown source %q (known: %s)", name, m.Source, sortedKeys(probeSources))
		}
		if err := checkTimeout(m.Timeout); err != nil {
			bad(0, "modules.%s: timeout: %v", name, err)
		}
	}
	return errors.Join(errs...)
}

// checkName checks an instance name: present, well-formed, unique within its
// source (seen maps names to their index).
func checkName(bad badFunc, line int, key string, i int, name string, seen map[string]int) {
	where := fmtWhere(key, i)
	switch {
	case name == "":
		bad(line, "%s: name is required", where)
	case !validName.MatchString(name):
		bad(line, "%s: name %q may hold only letters, digits and _ . : -", where, name)
	default:
		if first, dup := seen[name]; dup {
			bad(line, "%s: name %q is already used by %s", where, name, fmtWhere(key, first))
		}
		seen[name] = i
	}
}

func checkTimeout(d time.Duration) error {
	if d <= 0 || d > MaxTimeout {
		return fmt.Errorf("%s is not between 0 and %s", d, MaxTimeout)
	}
	return nil
}

// checkAddress accepts host:port with a numeric port in range.
func checkAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" {
		return errors.New("missing host")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}
