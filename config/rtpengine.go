package config

import (
	"fmt"
	"time"
)

// Defaults of an rtpengine instance.
const (
	// DefaultRTPEngineAddress is the ng control port of Debian's
	// /etc/rtpengine/rtpengine.conf (listen-ng = 127.0.0.1:2223).
	DefaultRTPEngineAddress = "127.0.0.1:2223"
	// DefaultRTPEngineMaxCalls bounds the calls queried per scrape.
	DefaultRTPEngineMaxCalls = 200
	// MaxRTPEngineMaxCalls caps max_calls: one ng query per call per scrape.
	MaxRTPEngineMaxCalls = 10000
)

// RTPEngine is one rtpengine media relay, reached over its ng control
// protocol (bencode over UDP, --listen-ng).
type RTPEngine struct {
	Name string `yaml:"name"`
	// Address is rtpengine's --listen-ng address, host:port.
	Address string        `yaml:"address"`
	Timeout time.Duration `yaml:"timeout"`
	// MaxCalls bounds the calls listed and queried per scrape for the
	// per-call quality histograms; 0 means DefaultRTPEngineMaxCalls, -1 none.
	MaxCalls int `yaml:"max_calls"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

func init() { probeSources["rtpengine"] = true }

func (c *Config) defaultsRTPEngine() {
	for i := range c.RTPEngine {
		r := &c.RTPEngine[i]
		if r.Address == "" {
			r.Address = DefaultRTPEngineAddress
		}
		if r.Timeout == 0 {
			r.Timeout = c.Global.Timeout
		}
		if r.MaxCalls == 0 {
			r.MaxCalls = DefaultRTPEngineMaxCalls
		}
	}
}

func (c *Config) validateRTPEngine(bad badFunc) {
	seen := map[string]int{}
	for i, r := range c.RTPEngine {
		where := fmtWhere("rtpengine", i)
		checkName(bad, r.Line, "rtpengine", i, r.Name, seen)
		if err := checkAddress(r.Address); err != nil {
			bad(r.Line, "%s: address %q: %v", where, r.Address, err)
		}
		if err := checkTimeout(r.Timeout); err != nil {
			bad(r.Line, "%s: timeout: %v", where, err)
		}
		if r.MaxCalls < -1 || r.MaxCalls > MaxRTPEngineMaxCalls {
			bad(r.Line, "%s: max_calls %d is not between -1 (none) and %d", where, r.MaxCalls, MaxRTPEngineMaxCalls)
		}
	}
}

// RTPEngineModuleAddress checks a /probe target for the rtpengine source.
func RTPEngineModuleAddress(target string) error {
	if err := checkAddress(target); err != nil {
		return fmt.Errorf("rtpengine target %q: want host:port of its ng port: %v", target, err)
	}
	return nil
}
