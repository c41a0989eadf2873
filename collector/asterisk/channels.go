package asterisk

import (
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// Channel is one channel as CoreShowChannels or `core show channels concise` lists it.
type Channel struct {
	Name     string // SIP/1031-00000006
	State    string // Up, Ring, Ringing…
	App      string
	BridgeID string
	Linkedid string // AMI only
}

// Tech returns the channel technology ("SIP", "PJSIP", "Local"…).
func (c Channel) Tech() string { t, _ := PeerOf(c.Name); return t }

// PeerOf splits a channel name into its technology and the peer, endpoint
// or resource it belongs to, without the unique suffix: SIP/1031-00000006 →
// (SIP, 1031); PJSIP/2031-00000000 → (PJSIP, 2031);
// Local/echo@local-originate-00000002;2 → (Local, echo@local-originate).
func PeerOf(name string) (tech, peer string) {
	tech, rest, ok := strings.Cut(name, "/")
	if !ok {
		return "", ""
	}
	if i := strings.LastIndexByte(rest, '-'); i > 0 {
		rest = rest[:i]
	}
	return tech, rest
}

// ParseCoreShowChannels reads the CoreShowChannel events of CoreShowChannels.
func ParseCoreShowChannels(items []*ami.Message) []Channel {
	out := make([]Channel, 0, len(items))
	for _, m := range items {
		if m.Event() != "CoreShowChannel" {
			continue
		}
		out = append(out, Channel{Name: m.Get("Channel"), State: m.Get("ChannelStateDesc"), App: m.Get("Application"),
			BridgeID: m.Get("BridgeId"), Linkedid: m.Get("Linkedid")})
	}
	return out
}

// ParseChannelsConcise reads `core show channels concise`: one line per
// channel, 14 fields separated by "!" (name!context!exten!priority!state!
// application!data!callerid!accountcode!peeraccount!amaflags!duration!
// bridgeid!uniqueid). An idle Asterisk prints nothing at all.
func ParseChannelsConcise(out string) ([]Channel, error) {
	var chans []Channel
	for _, l := range lines(out) {
		if strings.TrimSpace(l) == "" {
			continue
		}
		f := strings.Split(l, "!")
		if len(f) < 14 {
			return nil, garbage("core show channels concise", l)
		}
		n := len(f) // application data may hold "!": count the tail from the end
		chans = append(chans, Channel{Name: f[0], State: f[4], App: f[5], BridgeID: f[n-2]})
	}
	return chans, nil
}

// channels fetches the channel list the mode allows.
func channels(ctx context.Context, api API) ([]Channel, error) {
	if api.AMI() {
		items, err := list(ctx, api, "CoreShowChannels")
		if err != nil {
			return nil, err
		}
		return ParseCoreShowChannels(items), nil
	}
	out, err := command(ctx, api, "core show channels concise")
	if err != nil {
		return nil, err
	}
	return ParseChannelsConcise(out)
}

var channelsByState = newDesc("", "channels",
	"Channels up now by technology (SIP, PJSIP, Local…) and state (CoreShowChannels, or `core show channels concise`).",
	"technology", "state")

// channelsScraper: CoreShowChannels over AMI, `core show channels concise` over the CLI.
type channelsScraper struct{}

func (channelsScraper) Name() string { return "channels" }
func (channelsScraper) Help() string {
	return "channels by technology and state (CoreShowChannels, core show channels concise)"
}
func (channelsScraper) Default() bool { return true }

func (channelsScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	chans, err := channels(ctx, api)
	if err != nil {
		return err
	}
	type key struct{ tech, state string }
	counts := map[key]int{}
	for _, c := range chans {
		counts[key{c.Tech(), c.State}]++
	}
	for k, n := range counts {
		gauge(ch, channelsByState, float64(n), k.tech, k.state)
	}
	return nil
}
