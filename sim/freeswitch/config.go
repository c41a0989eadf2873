package freeswitch

import "time"

// Config configures a simulated FreeSWITCH. Zero values get defaults mirroring the
// FreeSWITCH 1.10.12 the captures in testdata/freeswitch were taken from.
type Config struct {
	Password          string // ESL password; default "ClueCon"
	Hostname          string // FreeSWITCH-Hostname; default "vm"
	Switchname        string // FreeSWITCH-Switchname; default Hostname
	Version           string // default "1.10.12-release"
	IPv4              string // FreeSWITCH-IPv4; default "192.0.2.2"
	IPv6              string // FreeSWITCH-IPv6; default "fd00::2"
	Domain            string // default domain of calls and of global_getvar; default "127.0.0.1"
	MaxSessions       int    // default 100
	SessionsPerSecMax int    // default 30
	Profiles          []Profile
	Gateways          []Gateway
	Registrations     []Registration // default: the one registration of the capture
	Seed              int64          // random seed; 0 picks one from the wall clock
	Clock             func() time.Time

	RTCPInterval      time.Duration // RTCP events per call leg; default 5s
	HeartbeatInterval time.Duration // HEARTBEAT events; default 20s
	AuthTimeout       time.Duration // close connections not sending a command in time; default 25s
}

// Profile is a sofia SIP profile.
type Profile struct {
	Name    string // e.g. "internal"
	IP      string // SIP and RTP IP; default "127.0.0.1"
	Port    int    // SIP port
	Context string // dialplan context of inbound calls; default "public"
	Codecs  string // inbound/outbound codec string; default "PCMU,PCMA"
}

// Gateway states as FreeSWITCH names them (sofia_state_names).
const (
	GatewayUnreged  = "UNREGED"
	GatewayTrying   = "TRYING"
	GatewayRegister = "REGISTER"
	GatewayReged    = "REGED"
	GatewayFailed   = "FAILED"
	GatewayFailWait = "FAIL_WAIT"
	GatewayExpired  = "EXPIRED"
	GatewayNoreg    = "NOREG"
	GatewayDown     = "DOWN"
	GatewayTimeout  = "TIMEOUT"
)

// Gateway is a sofia gateway.
type Gateway struct {
	Name     string
	Profile  string // profile the gateway belongs to; default "external"
	Username string
	Realm    string
	Proxy    string // e.g. "127.0.0.1:5060"
	Expires  int    // registration expiry seconds; default 120 (3600 if NOREG)
	State    string // initial state: GatewayReged, GatewayNoreg, ...
}

// Registration is one row of `show registrations` (and of sofia's profile registrations).
type Registration struct {
	User      string
	Realm     string
	Token     string // SIP Call-ID of the REGISTER
	URL       string
	Contact   string
	Expires   int // seconds
	NetworkIP string
	Port      int
	Proto     string
	Profile   string
	Agent     string
}

func (c Config) withDefaults() Config {
	if c.Password == "" {
		c.Password = "ClueCon"
	}
	if c.Hostname == "" {
		c.Hostname = "vm"
	}
	if c.Switchname == "" {
		c.Switchname = c.Hostname
	}
	if c.Version == "" {
		c.Version = "1.10.12-release"
	}
	if c.IPv4 == "" {
		c.IPv4 = "192.0.2.2"
	}
	if c.IPv6 == "" {
		c.IPv6 = "fd00::2"
	}
	if c.Domain == "" {
		c.Domain = "127.0.0.1"
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = 100
	}
	if c.SessionsPerSecMax == 0 {
		c.SessionsPerSecMax = 30
	}
	if c.Profiles == nil {
		c.Profiles = []Profile{
			{Name: "lossy", Port: 5090, Context: "public"},
			{Name: "external", Port: 5080, Context: "public"},
			{Name: "internal", Port: 5060, Context: "default"},
		}
	}
	ps := make([]Profile, len(c.Profiles))
	for i, p := range c.Profiles {
		if p.IP == "" {
			p.IP = "127.0.0.1"
		}
		if p.Context == "" {
			p.Context = "public"
		}
		if p.Codecs == "" {
			p.Codecs = "PCMU,PCMA"
		}
		ps[i] = p
	}
	c.Profiles = ps
	if c.Gateways == nil {
		c.Gateways = []Gateway{
			{Name: "gw-noreg", Profile: "external", Username: "nobody", Realm: "127.0.0.1:5060", Proxy: "127.0.0.1:5060", Expires: 3600, State: GatewayNoreg},
			{Name: "gw-loop", Profile: "external", Username: "1000", Realm: "127.0.0.1", Proxy: "127.0.0.1:5060", Expires: 120, State: GatewayReged},
		}
	}
	gs := make([]Gateway, len(c.Gateways))
	for i, g := range c.Gateways {
		if g.Profile == "" {
			g.Profile = "external"
		}
		if g.Proxy == "" {
			g.Proxy = "127.0.0.1:5060"
		}
		if g.Realm == "" {
			g.Realm = g.Proxy
		}
		if g.Username == "" {
			g.Username = g.Name
		}
		if g.State == "" {
			g.State = GatewayReged
		}
		if g.Expires == 0 {
			g.Expires = 120
			if g.State == GatewayNoreg {
				g.Expires = 3600
			}
		}
		gs[i] = g
	}
	c.Gateways = gs
	if c.Registrations == nil {
		c.Registrations = []Registration{{
			User: "1000", Realm: "127.0.0.1", Token: "ac219381-23ae-474a-9810-9e60c8bfb134",
			URL:     "sofia/internal/sip:gw+gw-loop@127.0.0.1:5080;transport=udp;gw=gw-loop",
			Contact: `"" <sip:gw+gw-loop@127.0.0.1:5080;transport=udp;gw=gw-loop>`,
			Expires: 120, NetworkIP: "127.0.0.1", Port: 5080, Proto: "udp", Profile: "internal",
			Agent: "FreeSWITCH-mod_sofia/1.10.12-release~64bit",
		}}
	}
	if c.RTCPInterval <= 0 {
		c.RTCPInterval = 5 * time.Second
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 20 * time.Second
	}
	if c.AuthTimeout <= 0 {
		c.AuthTimeout = 25 * time.Second
	}
	return c
}
