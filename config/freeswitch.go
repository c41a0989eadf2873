package config

import (
	"fmt"
	"time"
)

// FreeSWITCH is one FreeSWITCH reached over its Event Socket.
type FreeSWITCH struct {
	Name     string        `yaml:"name"`
	Address  string        `yaml:"address"`
	Password Secret        `yaml:"password"`
	Timeout  time.Duration `yaml:"timeout"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

func (c *Config) defaultsFreeSWITCH() {
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
}

func (c *Config) validateFreeSWITCH(bad badFunc) {
	seen := map[string]int{}
	for i, fs := range c.FreeSWITCH {
		where := fmt.Sprintf("freeswitch[%d]", i)
		checkName(bad, fs.Line, "freeswitch", i, fs.Name, seen)
		if err := checkAddress(fs.Address); err != nil {
			bad(fs.Line, "%s: address %q: %v", where, fs.Address, err)
		}
		if err := checkTimeout(fs.Timeout); err != nil {
			bad(fs.Line, "%s: timeout: %v", where, err)
		}
	}
}
