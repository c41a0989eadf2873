package config

import (
	"strings"
	"time"
)

// Defaults of a fail2ban instance: Debian's socket and client.
const (
	DefaultFail2banSocket = "/var/run/fail2ban/fail2ban.sock"
	DefaultFail2banClient = "fail2ban-client"
)

// Fail2ban is one fail2ban server, asked through its own client
// (`fail2ban-client -s <socket> status …`).
type Fail2ban struct {
	Name string `yaml:"name"`
	// Socket is the server's socket (fail2ban-client -s).
	Socket string `yaml:"socket"`
	// Client is the fail2ban-client program: a name looked up on PATH or a path.
	Client string `yaml:"client"`
	// Jails limits the jails reported; empty means every jail the server runs.
	Jails   []string      `yaml:"jails"`
	Timeout time.Duration `yaml:"timeout"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

func (c *Config) defaultsFail2ban() {
	for i := range c.Fail2ban {
		f := &c.Fail2ban[i]
		if f.Timeout == 0 {
			f.Timeout = c.Global.Timeout
		}
		if f.Socket == "" {
			f.Socket = DefaultFail2banSocket
		}
		if f.Client == "" {
			f.Client = DefaultFail2banClient
		}
	}
}

func (c *Config) validateFail2ban(bad badFunc) {
	seen := map[string]int{}
	for i, f := range c.Fail2ban {
		where := fmtWhere("fail2ban", i)
		checkName(bad, f.Line, "fail2ban", i, f.Name, seen)
		if err := checkTimeout(f.Timeout); err != nil {
			bad(f.Line, "%s: timeout: %v", where, err)
		}
		if strings.ContainsAny(f.Socket, "\x00\n") {
			bad(f.Line, "%s: socket %q is not a path", where, f.Socket)
		}
		if strings.ContainsAny(f.Client, "\x00\n") {
			bad(f.Line, "%s: client %q is not a program", where, f.Client)
		}
		jails := map[string]bool{}
		for _, j := range f.Jails {
			switch {
			case j == "" || strings.ContainsAny(j, " \t\r\n,\x00"):
				// fail2ban-client reads jail names as single words of its
				// command line, and its status lists them comma-separated.
				bad(f.Line, "%s: jail %q may not be empty or hold spaces or commas", where, j)
			case jails[j]:
				bad(f.Line, "%s: jail %q is listed twice", where, j)
			}
			jails[j] = true
		}
	}
}
