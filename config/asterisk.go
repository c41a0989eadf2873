package config

import "time"

// Asterisk is one Asterisk instance. (Stub: the asterisk source fills it in.)
type Asterisk struct {
	Name    string        `yaml:"name"`
	Timeout time.Duration `yaml:"timeout"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

func (c *Config) defaultsAsterisk() {
	for i := range c.Asterisk {
		if c.Asterisk[i].Timeout == 0 {
			c.Asterisk[i].Timeout = c.Global.Timeout
		}
	}
}

func (c *Config) validateAsterisk(bad badFunc) {
	seen := map[string]int{}
	for i, x := range c.Asterisk {
		checkName(bad, x.Line, "asterisk", i, x.Name, seen)
		if err := checkTimeout(x.Timeout); err != nil {
			bad(x.Line, "%s: timeout: %v", fmtWhere("asterisk", i), err)
		}
	}
}
