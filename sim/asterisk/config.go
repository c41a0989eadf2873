package asterisk

import (
	"strings"
	"time"
)

// User is one manager.conf account. Read and Write are permission classes
// ("system", "call", "reporting", "command", "all"…).
type User struct {
	Name, Secret string
	Read, Write  []string
}

// SIPPeer is a chan_sip peer (sip.conf type=peer or friend).
type SIPPeer struct {
	Name     string
	Username string // defaultuser, or the user part of the registered Contact
	Host     string // address; "" for a dynamic peer that is not registered
	Port     int
	Dynamic  bool
	// ForceRport and Comedia as `sip show peers` prints them: "No", "Yes",
	// "Auto (No)", "Auto (Yes)". Empty means "No".
	ForceRport, Comedia string
	ACL                 bool
	// MaxMS is qualify's limit (qualify=yes: 2000; 0: not monitored).
	MaxMS int
	// LastMS is the last qualify round trip: -1 unreachable, 0 unknown.
	LastMS      int
	Description string
	Context     string
	CallerID    string   // "Alice" <1031>
	Codecs      []string // allow=
	UserAgent   string
}

// Status renders the peer's status as chan_sip's peer_status() does:
// "OK (1 ms)", "LAGGED (2500 ms)", "UNREACHABLE", "UNKNOWN" or "Unmonitored".
func (p SIPPeer) Status() string {
	switch {
	case p.MaxMS == 0:
		return "Unmonitored"
	case p.LastMS < 0:
		return "UNREACHABLE"
	case p.LastMS > p.MaxMS:
		return "LAGGED (" + itoa(p.LastMS) + " ms)"
	case p.LastMS > 0:
		return "OK (" + itoa(p.LastMS) + " ms)"
	}
	return "UNKNOWN"
}

// SIPRegistration is a chan_sip `register =>` line.
type SIPRegistration struct {
	Host       string
	Port       int
	Username   string
	Domain     string
	DomainPort int
	Refresh    int
	State      string    // "Registered", "Request Sent", "Unregistered", "Rejected"…
	RegTime    time.Time // zero when never registered
}

// Endpoint is a PJSIP endpoint with its AOR, auths and contacts.
type Endpoint struct {
	Name          string
	CallerIDName  string
	CallerIDNum   string // shown as name/number in `pjsip show endpoints`
	Aor           string // default: Name
	MaxContacts   int
	InboundAuth   string // auth section id; its username is AuthUser
	OutboundAuth  string
	AuthUser      string
	Transport     string // default "transport-udp"
	TransportBind string // default "127.0.0.1:5080"
	Codecs        []string
	Context       string
	Contacts      []Contact
}

// Contact is one contact of an AOR: registered (dynamic) or configured (static).
type Contact struct {
	URI       string
	Hash      string // 32 hex digits of the contact id after "aor;@"
	Status    string // "Avail", "Unavail", "NonQual", "Unknown"
	RTT       time.Duration
	Static    bool // from the aor's contact= (not listed by PJSIPShowContacts)
	UserAgent string
	CallID    string
	Expires   time.Time
	ViaAddr   string
	ViaPort   int
}

// OutboundRegistration is a PJSIP type=registration section.
type OutboundRegistration struct {
	Name      string
	ServerURI string
	ClientURI string
	Auth      string // outbound_auth ("" shows n/a)
	Status    string // "Registered", "Unregistered", "Rejected"
	Expires   time.Time
	Retries   int
}

// Queue is an app_queue queue.
type Queue struct {
	Name     string
	Strategy string
	Members  []QueueMember
}

// QueueMember is one member of a queue.
type QueueMember struct {
	Name      string
	Interface string
	Dynamic   bool
	Paused    bool
	Status    int // AST_DEVICE_*: 1 not in use, 5 unavailable…
	LoginTime time.Time
}

// Config describes the simulated Asterisk. Zero values take the defaults of
// the captured lab's Asterisk 20.20.1 (see Lab for the whole lab).
type Config struct {
	Version    string // "20.20.1"
	AMIVersion string // "9.0.0"
	// VersionLine is `core show version`; default "Asterisk <Version> built by root @ vm on a x86_64 running Linux on 2026-11-23 00:18:10 UTC".
	VersionLine string
	Users       []User // default: exporter/exporterpass and admin/adminpass as in the lab

	ChanSIP    bool // chan_sip loaded (gone from Asterisk 21)
	PJSIP      bool
	ConfBridge bool
	Queue      bool
	// LegacyCommand answers the Command action as Asterisk ≤13 did
	// ("Response: Follows" … "--END COMMAND--").
	LegacyCommand bool
	// Color makes `queue show` carry ANSI colours through -rx, as a daemon
	// started without -n does.
	Color bool
	// MaxCalls is maxcalls= in asterisk.conf (0: unlimited).
	MaxCalls int
	// LoginFailDelay is how long a failed Login waits before answering
	// (Asterisk waits about a second).
	LoginFailDelay time.Duration

	SIPPeers              []SIPPeer
	SIPRegistrations      []SIPRegistration
	SIPCodecs             []string // [general] allow=; default ulaw, alaw, gsm
	Endpoints             []Endpoint
	OutboundRegistrations []OutboundRegistration
	Queues                []Queue

	// StartedAt and ReloadedAt default to the start of the simulation.
	StartedAt, ReloadedAt time.Time
	// Clock replaces time.Now (tests).
	Clock func() time.Time
	// RTCPInterval emits RTCPSent/RTCPReceived for every RTP channel at that
	// period (0: none).
	RTCPInterval time.Duration
	// EventQueue bounds the events queued for one AMI session (default 10,000;
	// further events are dropped, as a slow reader would lose them).
	EventQueue int
	Seed       int64
}

func (c Config) withDefaults() Config {
	if c.Version == "" {
		c.Version = "20.20.1"
	}
	if c.AMIVersion == "" {
		c.AMIVersion = "9.0.0"
	}
	if c.VersionLine == "" {
		c.VersionLine = "Asterisk " + c.Version + " built by root @ vm on a x86_64 running Linux on 2026-11-23 00:18:10 UTC"
	}
	if c.Users == nil {
		c.Users = []User{
			{Name: "exporter", Secret: "exporterpass", Read: []string{"system", "call", "agent", "reporting", "command"}, Write: []string{"command", "system", "reporting"}},
			{Name: "admin", Secret: "adminpass", Read: []string{"all"}, Write: []string{"all"}},
		}
	}
	if c.SIPCodecs == nil {
		c.SIPCodecs = []string{"ulaw", "alaw", "gsm"}
	}
	if c.EventQueue <= 0 {
		c.EventQueue = 10000
	}
	for i := range c.Endpoints {
		e := &c.Endpoints[i]
		if e.Aor == "" {
			e.Aor = e.Name
		}
		if e.Transport == "" {
			e.Transport = "transport-udp"
		}
		if e.TransportBind == "" {
			e.TransportBind = "127.0.0.1:5080"
		}
	}
	for i := range c.SIPPeers {
		p := &c.SIPPeers[i]
		if p.ForceRport == "" {
			p.ForceRport = "No"
		}
		if p.Comedia == "" {
			p.Comedia = "No"
		}
		if p.Codecs == nil {
			p.Codecs = c.SIPCodecs
		}
	}
	return c
}

func itoa(n int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

func hasClass(classes []string, want string) bool {
	for _, c := range classes {
		c = strings.TrimSpace(strings.ToLower(c))
		if c == want || c == "all" {
			return true
		}
	}
	return false
}
