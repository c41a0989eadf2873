package config

import "time"

// Fail2ban is one Fail2ban instance. (Stub: the fail2ban source fills it in.)
type Fail2ban struct {
	Name    string        `yaml:"name"`
	Timeout time.Duration `yaml:"timeout"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

func (c *Config) defaultsFail2ban() {
	for i := range c.Fail2ban {
		if c.Fail2ban[i].Timeout == 0 {
			c.Fail2ban[i].Timeout = c.Global.Timeout
		}
	}
}

func (c *Config) validateFail2ban(bad badFunc) {
	seen := map[string]int{}
	for i, x := range c.Fail2ban {
		checkName(bad, x.Line, "fail2ban", i, x.Name, seen)
		if err := checkTimeout(x.Timeout); err != nil {
			bad(x.Line, "%s: timeout: %v", fmtWhere("fail2ban", i), err)
		}
	}
}
