package asterisk

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/source"
)

// Phone states of asterisk_phone_fleet_state.
const (
	PhoneOffline = 0
	PhoneIdle    = 1
	PhoneInCall  = 2
)

var (
	fleetState = newDesc("phone_fleet", "state",
		"State of a phone of the configured fleet: 0 offline (not registered or unreachable), 1 idle, 2 in a call. Seed 004: asterisk_phone_fleet_state (without its ip label).",
		"peer")
	fleetLatency = newDesc("phone_fleet", "latency_seconds",
		"Qualify round trip of a registered phone of the fleet (chan_sip peer or PJSIP contact). Seed 004: asterisk_phone_fleet_latency_ms.",
		"peer")
	fleetRegistered = newDesc("phone_fleet", "registered",
		"Phones of the fleet registered and reachable. Seed 004: asterisk_phone_fleet_registered.")
	fleetInCall = newDesc("phone_fleet", "incall",
		"Phones of the fleet in a call. Seed 004: asterisk_phone_fleet_incall.")
	fleetTotal = newDesc("phone_fleet", "phones",
		"Phones in the configured fleet. Seed 004: asterisk_phone_fleet_total (renamed: a _total suffix belongs to counters).")
)

// phoneFleetScraper crosses the peers (SIPpeers or `sip show peers`, and
// PJSIP contacts) with the channels up (CoreShowChannels or `core show
// channels concise`) for the configured extensions. The requests are the
// ones sip_peers, pjsip_contacts and channels make: within one scrape they
// are sent once.
type phoneFleetScraper struct {
	exts []string
}

func (phoneFleetScraper) Name() string { return "phone_fleet" }
func (phoneFleetScraper) Help() string {
	return "offline/idle/in-call state of the configured phone_fleet extensions (SIP peers, PJSIP contacts, channels)"
}
func (phoneFleetScraper) Default() bool { return true }

type phoneInfo struct {
	up      bool
	latency time.Duration
	hasRTT  bool
}

func (s phoneFleetScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	if len(s.exts) == 0 {
		return source.NoData("no phone_fleet ranges configured")
	}
	sip, sipErr := sipPeers(ctx, api)
	contacts, pjErr := pjsipContacts(ctx, api)
	chans, chErr := channels(ctx, api)
	if chErr != nil {
		return chErr
	}
	failed := func(e error) bool { return e != nil && !source.IsNoData(e) }
	switch {
	case failed(sipErr) && failed(pjErr):
		return sipErr
	case sipErr != nil && pjErr != nil && !failed(sipErr) && !failed(pjErr):
		return source.NoData("phone fleet: neither chan_sip nor PJSIP answers")
	}
	phones := map[string]*phoneInfo{}
	for _, p := range sip {
		phones[p.Name] = &phoneInfo{up: p.Up(), latency: p.Latency, hasRTT: p.HasRTT}
	}
	for _, c := range contacts {
		pi := phones[c.AOR]
		if pi == nil {
			pi = &phoneInfo{}
			phones[c.AOR] = pi
		}
		if c.Reachable() {
			pi.up = true
			if c.HasRTT && (!pi.hasRTT || c.RTT > pi.latency) {
				pi.latency, pi.hasRTT = c.RTT, true
			}
		}
	}
	inCall := map[string]bool{}
	for _, c := range chans {
		tech, peer := PeerOf(c.Name)
		if tech == "SIP" || tech == "PJSIP" {
			inCall[peer] = true
		}
	}
	registered, busy := 0, 0
	for _, ext := range s.exts {
		state := PhoneOffline
		if pi := phones[ext]; pi != nil && pi.up {
			registered++
			state = PhoneIdle
			if inCall[ext] {
				state = PhoneInCall
				busy++
			}
			if pi.hasRTT {
				gauge(ch, fleetLatency, pi.latency.Seconds(), ext)
			}
		}
		gauge(ch, fleetState, float64(state), ext)
	}
	gauge(ch, fleetRegistered, float64(registered))
	gauge(ch, fleetInCall, float64(busy))
	gauge(ch, fleetTotal, float64(len(s.exts)))
	if failed(sipErr) {
		return sipErr
	}
	if failed(pjErr) {
		return pjErr
	}
	return nil
}
