package asterisk

import (
	"context"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// Endpoint is one PJSIP endpoint from PJSIPShowEndpoints or `pjsip show endpoints`.
type Endpoint struct {
	Name     string
	State    string // device state: Not in use, In use, Busy, Ringing, Unavailable, Invalid, Unknown…
	Channels int
}

// Up reports whether the endpoint can take calls: its device state is known
// and not Unavailable or Invalid.
func (e Endpoint) Up() bool {
	switch strings.ToLower(e.State) {
	case "unavailable", "invalid", "unknown", "":
		return false
	}
	return true
}

// ParseEndpointList reads the EndpointList events of PJSIPShowEndpoints.
func ParseEndpointList(items []*ami.Message) []Endpoint {
	out := make([]Endpoint, 0, len(items))
	for _, m := range items {
		if m.Event() != "EndpointList" {
			continue
		}
		n, _ := strconv.Atoi(m.Get("ActiveChannels"))
		out = append(out, Endpoint{Name: m.Get("ObjectName"), State: m.Get("DeviceState"), Channels: n})
	}
	return out
}

// ParsePJSIPEndpoints reads the " Endpoint:" lines of `pjsip show
// endpoints` (res_pjsip's "%*s:  %-*.*s  %-12.12s  %d of %.0f"): the name
// column is "<id>/<callerid number>" cut at 51 bytes, then the device state
// in 12 columns, then "<channels> of <busy limit>".
func ParsePJSIPEndpoints(out string) ([]Endpoint, error) {
	var eps []Endpoint
	seenFooter := false
	for _, l := range lines(out) {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "Objects found:"), t == "No objects found.":
			seenFooter = true
			continue
		case !strings.HasPrefix(l, " Endpoint:  ") || strings.HasPrefix(l, " Endpoint:  <"):
			continue
		}
		body := l[len(" Endpoint:  "):]
		if len(body) < 51+2+12 {
			return nil, garbage("pjsip show endpoints", l)
		}
		name, _, _ := strings.Cut(strings.TrimRight(body[:51], " "), "/")
		state := strings.TrimSpace(body[53 : 53+12])
		n := 0
		if f := strings.Fields(body[53+12:]); len(f) >= 1 {
			n, _ = strconv.Atoi(f[0])
		}
		eps = append(eps, Endpoint{Name: name, State: state, Channels: n})
	}
	if !seenFooter {
		return nil, garbage("pjsip show endpoints", out)
	}
	return eps, nil
}

var (
	pjsipEndpointUp = newDesc("pjsip", "endpoint_up",
		"Whether a PJSIP endpoint is reachable: its device state is neither Unavailable, Invalid nor Unknown (PJSIPShowEndpoints, `pjsip show endpoints`). The PJSIP counterpart of seed 004's asterisk_sip_peer_up.",
		"endpoint")
	pjsipEndpointStatus = newDesc("pjsip", "endpoint_status",
		"PJSIP endpoint device state (Not in use, In use, Unavailable…); always 1. The PJSIP counterpart of seed 004's asterisk_sip_peer_status.",
		"endpoint", "status")
	pjsipEndpointChannels = newDesc("pjsip", "endpoint_channels",
		"Channels of a PJSIP endpoint up now.", "endpoint")
)

// pjsipEndpointsScraper: PJSIPShowEndpoints over AMI, `pjsip show endpoints` over the CLI.
type pjsipEndpointsScraper struct{}

func (pjsipEndpointsScraper) Name() string { return "pjsip_endpoints" }
func (pjsipEndpointsScraper) Help() string {
	return "PJSIP endpoint reachability, device state and channels (PJSIPShowEndpoints, pjsip show endpoints)"
}
func (pjsipEndpointsScraper) Default() bool { return true }

func (pjsipEndpointsScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	var eps []Endpoint
	if api.AMI() {
		items, err := list(ctx, api, "PJSIPShowEndpoints")
		if err != nil {
			return err
		}
		eps = ParseEndpointList(items)
	} else {
		out, err := command(ctx, api, "pjsip show endpoints")
		if err != nil {
			return err
		}
		if eps, err = ParsePJSIPEndpoints(out); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, e := range eps {
		if seen[e.Name] {
			continue
		}
		seen[e.Name] = true
		gauge(ch, pjsipEndpointUp, boolFloat(e.Up()), e.Name)
		gauge(ch, pjsipEndpointStatus, 1, e.Name, e.State)
		gauge(ch, pjsipEndpointChannels, float64(e.Channels), e.Name)
	}
	return nil
}
