package config

import "time"

// ViciDial is one ViciDial instance. (Stub: the vicidial source fills it in.)
type ViciDial struct {
	Name    string        `yaml:"name"`
	Timeout time.Duration `yaml:"timeout"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

func (c *Config) defaultsViciDial() {
	for i := range c.ViciDial {
		if c.ViciDial[i].Timeout == 0 {
			c.ViciDial[i].Timeout = c.Global.Timeout
		}
	}
}

func (c *Config) validateViciDial(bad badFunc) {
	seen := map[string]int{}
	for i, x := range c.ViciDial {
		checkName(bad, x.Line, "vicidial", i, x.Name, seen)
		if err := checkTimeout(x.Timeout); err != nil {
			bad(x.Line, "%s: timeout: %v", fmtWhere("vicidial", i), err)
		}
	}
}
