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

func (c *Config) applyDefaults() {
	if c.Global.Timeout == 0 {
		c.Global.Timeout = DefaultTimeout
	}
	for i := range c.FreeSWITCH {
		fs := &c.FreeSWITCH[i]
		if fs.Address == "" {
			fs.Address = DefaultFreeSWITCHAddress
		}
		if fs.Password == "" {
			fs.Password = DefaultFreeSWITCHPass
		}
		if fs.Timeout == 0 {
			fs.Timeout = c.Global.Timeout
		}
	}
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
	seen := map[string]int{}
	for i, fs := range c.FreeSWITCH {
		where := fmt.Sprintf("freeswitch[%d]", i)
		switch {
		case fs.Name == "":
			bad(fs.Line, "%s: name is required", where)
		case !validName.MatchString(fs.Name):
			bad(fs.Line, "%s: name %q may hold only letters, digits and _ . : -", where, fs.Name)
		default:
			if first, dup := seen[fs.Name]; dup {
				bad(fs.Line, "%s: name %q is already used by freeswitch[%d]", where, fs.Name, first)
			}
			seen[fs.Name] = i
		}
		if err := checkAddress(fs.Address); err != nil {
			bad(fs.Line, "%s: address %q: %v", where, fs.Address, err)
		}
		if err := checkTimeout(fs.Timeout); err != nil {
			bad(fs.Line, "%s: timeout: %v", where, err)
		}
	}
	for name, m := range c.Modules {
		switch m.Source {
		case "freeswitch":
		default:
			bad(0, "modules.%s: unknown source %q (known: freeswitch)", name, m.Source)
		}
		if err := checkTimeout(m.Timeout); err != nil {
			bad(0, "modules.%s: timeout: %v", name, err)
		}
	}
	return errors.Join(errs...)
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
