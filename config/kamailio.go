package config

import "time"

// Kamailio is one Kamailio instance. (Stub: the kamailio source fills it in.)
type Kamailio struct {
	Name    string        `yaml:"name"`
	Timeout time.Duration `yaml:"timeout"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

func (c *Config) defaultsKamailio() {
	for i := range c.Kamailio {
		if c.Kamailio[i].Timeout == 0 {
			c.Kamailio[i].Timeout = c.Global.Timeout
		}
	}
}

func (c *Config) validateKamailio(bad badFunc) {
	seen := map[string]int{}
	for i, x := range c.Kamailio {
		checkName(bad, x.Line, "kamailio", i, x.Name, seen)
		if err := checkTimeout(x.Timeout); err != nil {
			bad(x.Line, "%s: timeout: %v", fmtWhere("kamailio", i), err)
		}
	}
}
