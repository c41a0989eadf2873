package asterisk

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// SIPPeer is one chan_sip peer from SIPpeers or `sip show peers`.
type SIPPeer struct {
	Name    string
	Host    string // "" when not registered
	Port    int
	Status  string        // first word of the status: OK, LAGGED, UNREACHABLE, UNKNOWN, Unmonitored
	Latency time.Duration // qualify round trip, when Status is OK or LAGGED
	HasRTT  bool
}

// Up reports whether the peer is reachable as chan_sip counts it in the
// `sip show peers` footer: OK and LAGGED are online; an unmonitored peer is
// online when it has an address and port.
func (p SIPPeer) Up() bool {
	switch p.Status {
	case "OK", "LAGGED":
		return true
	case "Unmonitored":
		return p.Host != "" && p.Port != 0
	}
	return false
}

var peerStatusRE = regexp.MustCompile(`^(OK|LAGGED) \((\d+) ms\)|^(UNREACHABLE|UNKNOWN|Unmonitored)`)

// parsePeerStatus reads chan_sip's peer_status(): "OK (1 ms)",
// "LAGGED (2505 ms)", "UNREACHABLE", "UNKNOWN" or "Unmonitored".
func parsePeerStatus(s string) (status string, latency time.Duration, hasRTT, ok bool) {
	m := peerStatusRE.FindStringSubmatch(s)
	if m == nil {
		return "", 0, false, false
	}
	if m[3] != "" {
		return m[3], 0, false, true
	}
	ms, err := strconv.ParseInt(m[2], 10, 32)
	if err != nil {
		return "", 0, false, false
	}
	return m[1], time.Duration(ms) * time.Millisecond, true, true
}

// ParseSIPPeers reads `sip show peers`. Its columns come from chan_sip's
// PEERS_FORMAT2 "%-25.25s %-39.39s %-3.3s %-10.10s %-10.10s %-3.3s %-8s
// %-11s %-32.32s %s": everything up to Port has a fixed width (Dyn may be
// blank and Forcerport may read "Auto (No)", so splitting on blanks fails),
// and Status starts at byte 105 but may overflow its 11 columns. Name/username
// is cut at 25 bytes; the peer name is the part before the first "/".
func ParseSIPPeers(out string) ([]SIPPeer, error) {
	var peers []SIPPeer
	footer := false
	for _, l := range lines(out) {
		switch {
		case strings.HasPrefix(l, "Name/username"), strings.TrimSpace(l) == "":
			continue
		case strings.Contains(l, " sip peers [Monitored: "):
			footer = true
			continue
		}
		if len(l) < 106 {
			return nil, garbage("sip show peers", l)
		}
		name, _, _ := strings.Cut(strings.TrimRight(l[:25], " "), "/")
		host := strings.TrimSpace(l[26:65])
		if host == "(Unspecified)" {
			host = ""
		}
		port, _ := strconv.Atoi(strings.TrimSpace(l[96:104]))
		status, lat, hasRTT, ok := parsePeerStatus(l[105:])
		if name == "" || !ok {
			return nil, garbage("sip show peers", l)
		}
		peers = append(peers, SIPPeer{Name: name, Host: host, Port: port, Status: status, Latency: lat, HasRTT: hasRTT})
	}
	if !footer {
		return nil, garbage("sip show peers", out)
	}
	return peers, nil
}

// ParseSIPpeersEvents reads the PeerEntry events of the SIPpeers action.
func ParseSIPpeersEvents(items []*ami.Message) []SIPPeer {
	peers := make([]SIPPeer, 0, len(items))
	for _, m := range items {
		if m.Event() != "PeerEntry" {
			continue
		}
		p := SIPPeer{Name: m.Get("ObjectName"), Host: m.Get("IPaddress")}
		if p.Host == "-none-" {
			p.Host = ""
		}
		p.Port, _ = strconv.Atoi(m.Get("IPport"))
		p.Status, p.Latency, p.HasRTT, _ = parsePeerStatus(m.Get("Status"))
		if p.Status == "" {
			p.Status = "UNKNOWN"
		}
		peers = append(peers, p)
	}
	return peers
}

// sipPeers fetches the chan_sip peers the mode allows.
func sipPeers(ctx context.Context, api API) ([]SIPPeer, error) {
	if api.AMI() {
		items, err := list(ctx, api, "SIPpeers")
		if err != nil {
			return nil, err
		}
		return ParseSIPpeersEvents(items), nil
	}
	out, err := command(ctx, api, "sip show peers")
	if err != nil {
		return nil, err
	}
	return ParseSIPPeers(out)
}

var (
	sipPeerUp = newDesc("sip", "peer_up",
		"Whether a chan_sip peer is reachable: qualify OK or LAGGED, or unmonitored with an address (SIPpeers, `sip show peers`). Seed 004: asterisk_sip_peer_up.",
		"peer")
	sipPeerStatus = newDesc("sip", "peer_status",
		"chan_sip peer status (OK, LAGGED, UNREACHABLE, UNKNOWN, Unmonitored); always 1. Seed 004: asterisk_sip_peer_status.",
		"peer", "status")
	sipPeerLatency = newDesc("sip", "peer_latency_seconds",
		"Round trip of the last qualify OPTIONS to a chan_sip peer. Seed 004: asterisk_sip_peer_latency_ms (milliseconds).",
		"peer")
)

// sipPeersScraper: SIPpeers over AMI, `sip show peers` over the CLI.
type sipPeersScraper struct{}

func (sipPeersScraper) Name() string { return "sip_peers" }
func (sipPeersScraper) Help() string {
	return "chan_sip peer reachability, status and qualify latency (SIPpeers, sip show peers)"
}
func (sipPeersScraper) Default() bool { return true }

func (sipPeersScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	peers, err := sipPeers(ctx, api)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, p := range peers {
		if seen[p.Name] { // two names cut to the same 25 bytes
			continue
		}
		seen[p.Name] = true
		gauge(ch, sipPeerUp, boolFloat(p.Up()), p.Name)
		gauge(ch, sipPeerStatus, 1, p.Name, p.Status)
		if p.HasRTT {
			gauge(ch, sipPeerLatency, p.Latency.Seconds(), p.Name)
		}
	}
	return nil
}
