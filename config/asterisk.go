package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults of an Asterisk instance.
const (
	DefaultAsteriskAddress    = "127.0.0.1:5038"
	DefaultAsteriskUsername   = "exporter" // the manager.conf account seed 004 suggests
	DefaultAsteriskCLICommand = "asterisk -rx"
	// AsteriskModeAMI talks to the Asterisk Manager Interface over one
	// persistent connection; AsteriskModeCLI runs `asterisk -rx` on this host.
	AsteriskModeAMI = "ami"
	AsteriskModeCLI = "cli"
	// MaxPhoneFleet bounds the extensions of one phone fleet.
	MaxPhoneFleet = 10000
)

// Asterisk is one Asterisk, reached over AMI (default) or, where the AMI is
// off, through `asterisk -rx` on the exporter's host.
type Asterisk struct {
	Name string `yaml:"name"`
	// Mode is "ami" (default) or "cli".
	Mode string `yaml:"mode"`
	// Address is the AMI's host:port (ami mode).
	Address string `yaml:"address"`
	// Username and Secret are a manager.conf account (ami mode).
	Username string `yaml:"username"`
	Secret   Secret `yaml:"secret"`
	// CLICommand runs one CLI command (cli mode): the words are the program
	// and its first arguments, the command is appended as the last argument,
	// no shell involved ("asterisk -rx", "sudo -n /usr/sbin/asterisk -rx").
	CLICommand string `yaml:"cli_command"`
	// Timeout bounds one collection (and each AMI action or CLI command).
	Timeout time.Duration `yaml:"timeout"`
	// RTCP subscribes to the RTCPSent/RTCPReceived events (ami mode; the
	// account needs read=reporting,call) for per-peer RTT, loss and jitter.
	// Default true.
	RTCP *bool `yaml:"rtcp"`
	// PhoneFleet is the block of extensions reported one by one.
	PhoneFleet PhoneFleet `yaml:"phone_fleet"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

// PhoneFleet lists extension ranges: "1000-1099" or a single "1031".
type PhoneFleet struct {
	Ranges []string `yaml:"ranges"`
}

// RTCPEnabled reports whether RTCP events are tracked (ami mode only).
func (a Asterisk) RTCPEnabled() bool { return a.Mode == AsteriskModeAMI && (a.RTCP == nil || *a.RTCP) }

// CLIArgs splits CLICommand into program and arguments.
func (a Asterisk) CLIArgs() []string { return strings.Fields(a.CLICommand) }

func init() { probeSources["asterisk"] = true }

func (c *Config) defaultsAsterisk() {
	for i := range c.Asterisk {
		a := &c.Asterisk[i]
		if a.Timeout == 0 {
			a.Timeout = c.Global.Timeout
		}
		if a.Mode == "" {
			a.Mode = AsteriskModeAMI
		}
		switch a.Mode {
		case AsteriskModeAMI:
			if a.Address == "" {
				a.Address = DefaultAsteriskAddress
			}
			if a.Username == "" {
				a.Username = DefaultAsteriskUsername
			}
		case AsteriskModeCLI:
			if a.CLICommand == "" {
				a.CLICommand = DefaultAsteriskCLICommand
			}
		}
	}
}

func (c *Config) validateAsterisk(bad badFunc) {
	seen := map[string]int{}
	for i, a := range c.Asterisk {
		where := fmtWhere("asterisk", i)
		checkName(bad, a.Line, "asterisk", i, a.Name, seen)
		if err := checkTimeout(a.Timeout); err != nil {
			bad(a.Line, "%s: timeout: %v", where, err)
		}
		switch a.Mode {
		case AsteriskModeAMI:
			if err := checkAddress(a.Address); err != nil {
				bad(a.Line, "%s: address %q: %v", where, a.Address, err)
			}
			if strings.ContainsAny(a.Username, "\r\n") || strings.ContainsAny(string(a.Secret), "\r\n") {
				bad(a.Line, "%s: username and secret may not contain line breaks", where)
			}
			if a.CLICommand != "" {
				bad(a.Line, "%s: cli_command is for mode: cli", where)
			}
		case AsteriskModeCLI:
			if len(a.CLIArgs()) == 0 {
				bad(a.Line, "%s: cli_command is empty", where)
			}
			if a.Address != "" || a.Username != "" || a.Secret != "" {
				bad(a.Line, "%s: address, username and secret are for mode: ami", where)
			}
			if a.RTCP != nil && *a.RTCP {
				bad(a.Line, "%s: rtcp (AMI events) is for mode: ami", where)
			}
		default:
			bad(a.Line, "%s: mode %q: want ami or cli", where, a.Mode)
		}
		if _, err := ExpandFleet(a.PhoneFleet.Ranges); err != nil {
			bad(a.Line, "%s: phone_fleet: %v", where, err)
		}
	}
}

// ExpandFleet turns ranges ("1000-1099", "1031") into extension names,
// keeping leading zeros ("0100-0199" gives 0100…0199), at most MaxPhoneFleet.
func ExpandFleet(ranges []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, r := range ranges {
		r = strings.TrimSpace(r)
		lo, hi, isRange := strings.Cut(r, "-")
		if !isRange {
			hi = lo
		}
		lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
		a, err1 := strconv.ParseUint(lo, 10, 32)
		b, err2 := strconv.ParseUint(hi, 10, 32)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("range %q: want N or N-M, digits only", r)
		}
		if a > b {
			return nil, fmt.Errorf("range %q: start is after end", r)
		}
		if b-a >= MaxPhoneFleet || len(out)+int(b-a)+1 > MaxPhoneFleet {
			return nil, fmt.Errorf("range %q: more than %d extensions in all", r, MaxPhoneFleet)
		}
		width := 0
		if len(lo) > 1 && lo[0] == '0' {
			width = len(lo)
		}
		for n := a; n <= b; n++ {
			ext := strconv.FormatUint(n, 10)
			if width > len(ext) {
				ext = strings.Repeat("0", width-len(ext)) + ext
			}
			if !seen[ext] {
				seen[ext] = true
				out = append(out, ext)
			}
		}
	}
	return out, nil
}
