package freeswitch

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// GatewayStates are the registration states of a mod_sofia gateway
// (sofia_state_names in mod_sofia, plus DOWN from older releases), in
// FreeSWITCH's order.
var GatewayStates = []string{
	"UNREGED", "TRYING", "REGISTER", "REGED", "UNREGISTER", "FAILED",
	"FAIL_WAIT", "EXPIRED", "NOREG", "DOWN", "TIMEOUT",
}

// Gateway is one <gateway> of `sofia xmlstatus gateway`. The <password>
// element is deliberately not read.
type Gateway struct {
	Name     string
	Profile  string
	Scheme   string // "Digest"
	Realm    string
	Username string
	From     string // "<sip:1000@127.0.0.1>"
	Contact  string
	Exten    string
	To       string
	Proxy    string
	Context  string
	Expires  time.Duration // registration expiry asked for
	Freq     time.Duration // registration refresh interval
	// Ping is when mod_sofia sends the next OPTIONS ping (<ping>, epoch
	// seconds); zero when absent or 0.
	Ping      time.Time
	PingFreq  time.Duration // <pingfreq>, seconds between pings
	PingMin   int           // successful pings needed to mark the gateway UP
	PingCount int           // current count of successful pings
	PingMax   int           // cap of PingCount
	PingTime  time.Duration // round trip of the last ping (<pingtime>, milliseconds)
	Pinging   bool          // a ping is in flight
	State     string        // one of GatewayStates
	Status    string        // "UP" or "DOWN"
	Uptime    time.Duration // <uptime-usec>: time since the gateway went UP, 0 when down
	CallsIn   uint64
	CallsOut  uint64
	// FailedCallsIn and FailedCallsOut count calls through the gateway that
	// were never answered.
	FailedCallsIn  uint64
	FailedCallsOut uint64
	Retry          time.Duration // <retry>, e.g. "21s" in FAIL_WAIT; 0 when absent
}

// ParseGatewaysXML parses the reply of `sofia xmlstatus gateway`
// (<gateways> holding <gateway> elements) and of
// `sofia xmlstatus gateway <name>` (a single <gateway> root).
// "Invalid Gateway!" (no such gateway) is an error.
func ParseGatewaysXML(body []byte) ([]Gateway, error) {
	const what = "sofia xmlstatus gateway"
	root, recs, err := parseSofiaXML(what, body, "gateway")
	if err != nil {
		return nil, err
	}
	if root != "gateways" && root != "gateway" {
		return nil, fmt.Errorf("%s: root element <%s>, want <gateways> or <gateway>", what, clip(root, 40))
	}
	gws := make([]Gateway, 0, len(recs))
	for i := range recs {
		r := &recs[i]
		if r.kind != "gateway" {
			continue
		}
		g, err := gatewayFromRecord(r)
		if err != nil {
			name := r.get("name")
			if name == "" {
				name = "#" + strconv.Itoa(i+1)
			}
			return nil, fmt.Errorf("%s: gateway %q: %w", what, clip(name, 80), err)
		}
		gws = append(gws, g)
	}
	return gws, nil
}

func gatewayFromRecord(r *xmlRecord) (Gateway, error) {
	var g Gateway
	var err error
	for _, f := range r.fields {
		v := f.value
		switch f.name {
		case "name":
			g.Name = v
		case "profile":
			g.Profile = v
		case "scheme":
			g.Scheme = v
		case "realm":
			g.Realm = v
		case "username":
			g.Username = v
		case "from":
			g.From = v
		case "contact":
			g.Contact = v
		case "exten":
			g.Exten = v
		case "to":
			g.To = v
		case "proxy":
			g.Proxy = v
		case "context":
			g.Context = v
		case "expires":
			g.Expires, err = seconds(v)
		case "freq":
			g.Freq, err = seconds(v)
		case "ping":
			var n int64
			n, err = intField(v, 0, maxEpoch)
			if n > 0 {
				g.Ping = time.Unix(n, 0)
			}
		case "pingfreq":
			g.PingFreq, err = seconds(v)
		case "pingmin":
			g.PingMin, err = smallInt(v)
		case "pingcount":
			g.PingCount, err = smallInt(v)
		case "pingmax":
			g.PingMax, err = smallInt(v)
		case "pingtime":
			g.PingTime, err = milliseconds(v)
		case "pinging":
			var n int
			n, err = smallInt(v)
			g.Pinging = n != 0
		case "state":
			g.State = v
		case "status":
			g.Status = v
		case "uptime-usec":
			var n int64
			n, err = intField(v, math.MinInt64/1000, math.MaxInt64/1000)
			g.Uptime = time.Duration(n) * time.Microsecond
		case "calls-in":
			g.CallsIn, err = uintField(v)
		case "calls-out":
			g.CallsOut, err = uintField(v)
		case "failed-calls-in":
			g.FailedCallsIn, err = uintField(v)
		case "failed-calls-out":
			g.FailedCallsOut, err = uintField(v)
		case "retry":
			g.Retry, err = retry(v)
		}
		if err != nil {
			return Gateway{}, fmt.Errorf("<%s>: %w", f.name, err)
		}
	}
	if g.Name == "" {
		return Gateway{}, fmt.Errorf("no <name>")
	}
	return g, nil
}

// intField parses an optional decimal integer in [lo, hi]; "" is 0.
func intField(v string, lo, hi int64) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("bad number %q", clip(v, 40))
	}
	return n, nil
}

func uintField(v string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", clip(v, 40))
	}
	return n, nil
}

func smallInt(v string) (int, error) {
	n, err := intField(v, math.MinInt32, math.MaxInt32)
	return int(n), err
}

// seconds parses whole seconds, up to 100 years.
func seconds(v string) (time.Duration, error) {
	n, err := intField(v, -100*365*86400, 100*365*86400)
	return time.Duration(n) * time.Second, err
}

// milliseconds parses "0.97" (milliseconds, as printed by "%0.2f").
func milliseconds(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e9 {
		return 0, fmt.Errorf("bad milliseconds %q", clip(v, 40))
	}
	return time.Duration(math.Round(f * float64(time.Millisecond))), nil
}

// retry parses "21s".
func retry(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	return seconds(strings.TrimSuffix(v, "s"))
}

// gatewayState returns the bare state name: "FAIL_WAIT (retry: 21s)" → "FAIL_WAIT".
func gatewayState(s string) string {
	if i := strings.IndexAny(s, " \t("); i >= 0 {
		s = s[:i]
	}
	return s
}

var (
	gwLabels     = []string{"profile", "gateway"}
	gwDirLabels  = []string{"profile", "gateway", "direction"}
	sofiaGwUp    = newDesc("sofia", "gateway_up", "Whether the gateway's status is UP (1) or DOWN (0), as its OPTIONS pings (or registration) say (`sofia xmlstatus gateway`). New; not in seed 000.", gwLabels...)
	sofiaGwReged = newDesc("sofia", "gateway_registered",
		"Whether the gateway is registered: state REGED (1) or any other state (0). Absent for NOREG gateways (register=false: nothing to register), so `== 0` alerts only on gateways that should register (`sofia xmlstatus gateway`). New; not in seed 000.", gwLabels...)
	sofiaGwState = newDesc("sofia", "gateway_state",
		"Registration state of the gateway, one series per known mod_sofia state (UNREGED TRYING REGISTER REGED UNREGISTER FAILED FAIL_WAIT EXPIRED NOREG DOWN TIMEOUT), 1 for the current one; an unknown state adds its own series (`sofia xmlstatus gateway`). New; not in seed 000.", "profile", "gateway", "state")
	sofiaGwPing = newDesc("sofia", "gateway_ping_seconds",
		"Round trip of the gateway's last OPTIONS ping (`sofia xmlstatus gateway` <pingtime>, milliseconds / 1000); 0 when no ping answered. New; not in seed 000.", gwLabels...)
	sofiaGwCalls = newDesc("sofia", "gateway_calls_total",
		"Calls through the gateway since it was created, by direction in|out (`sofia xmlstatus gateway` <calls-in>/<calls-out>). New; not in seed 000.", gwDirLabels...)
	sofiaGwFailed = newDesc("sofia", "gateway_failed_calls_total",
		"Unanswered calls through the gateway since it was created, by direction in|out (`sofia xmlstatus gateway` <failed-calls-in>/<failed-calls-out>). New; not in seed 000.", gwDirLabels...)
	sofiaGwUptime = newDesc("sofia", "gateway_uptime_seconds",
		"Time since the gateway went UP, 0 when DOWN (`sofia xmlstatus gateway` <uptime-usec>). New; not in seed 000.", gwLabels...)
)

// sofiaGatewaysScraper runs `sofia xmlstatus gateway`.
type sofiaGatewaysScraper struct{}

func (sofiaGatewaysScraper) Name() string { return "sofia_gateways" }
func (sofiaGatewaysScraper) Help() string {
	return "SIP gateways: status, registration state, ping, calls, from `sofia xmlstatus gateway`"
}
func (sofiaGatewaysScraper) Default() bool { return true }

func (sofiaGatewaysScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	body, err := call(ctx, api, "sofia xmlstatus gateway")
	if err != nil {
		return err
	}
	gws, err := ParseGatewaysXML(body)
	if err != nil {
		return err
	}
	seen := make(map[[2]string]struct{}, len(gws))
	for i := range gws {
		g := &gws[i]
		p, n := clip(g.Profile, maxLabelBytes), clip(g.Name, maxLabelBytes)
		if _, dup := seen[[2]string{p, n}]; dup {
			continue
		}
		seen[[2]string{p, n}] = struct{}{}
		if g.Status != "" {
			gauge(ch, sofiaGwUp, boolFloat(g.Status == "UP"), p, n)
		}
		if st := gatewayState(g.State); st != "" {
			if st != "NOREG" {
				gauge(ch, sofiaGwReged, boolFloat(st == "REGED"), p, n)
			}
			known := false
			for _, s := range GatewayStates {
				gauge(ch, sofiaGwState, boolFloat(s == st), p, n, s)
				known = known || s == st
			}
			if !known {
				gauge(ch, sofiaGwState, 1, p, n, st)
			}
		}
		gauge(ch, sofiaGwPing, float64(g.PingTime)/1e9, p, n)
		counter(ch, sofiaGwCalls, float64(g.CallsIn), p, n, "in")
		counter(ch, sofiaGwCalls, float64(g.CallsOut), p, n, "out")
		counter(ch, sofiaGwFailed, float64(g.FailedCallsIn), p, n, "in")
		counter(ch, sofiaGwFailed, float64(g.FailedCallsOut), p, n, "out")
		gauge(ch, sofiaGwUptime, float64(g.Uptime.Microseconds())/1e6, p, n)
	}
	return nil
}
