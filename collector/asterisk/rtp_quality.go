package asterisk

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// RTPStats are one channel's RTP counters from `sip show channelstats` or
// `pjsip show channelstats`.
type RTPStats struct {
	Peer            string // chan_sip: peer IP, or the peer name once joined with `sip show channels`; PJSIP: endpoint
	CallID          string // chan_sip: the Call-ID's first 11 characters
	RxCount, RxLost uint64
	TxCount, TxLost uint64
	RxJitter        float64 // seconds
	TxJitter        float64 // seconds
	RTT             float64 // seconds (PJSIP only)
	HasRTT          bool
}

var sipChanstatsRE = regexp.MustCompile(`^\s*(\d+)(K?)\s+(\d+)\s+\(\s*[\d.]+%\)\s+(\d+(?:\.\d+)?)\s+(\d+)(K?)\s+(\d+)\s+\(\s*[\d.]+%\)\s+(\d+(?:\.\d+)?)\s*$`)

func kmul(n uint64, k string) uint64 {
	if k == "K" {
		return n * 1000
	}
	return n
}

// ParseSIPChannelStats reads `sip show channelstats` (chan_sip's "%-15.15s
// %-11.11s  %-8.8s %-10.10u%-1.1s %-10.10u (%5.2f%%) %-6.4lf …"): counts are
// zero-padded to 10 digits, and above 100,000 shown in thousands with a K;
// jitter is in seconds. There is no RTT column.
func ParseSIPChannelStats(out string) ([]RTPStats, error) {
	var rows []RTPStats
	footer := false
	for _, l := range lines(out) {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "Peer "), t == "":
			continue
		case strings.HasSuffix(t, " active SIP channels"), strings.HasSuffix(t, " active SIP channel"):
			footer = true
			continue
		}
		if len(l) < 40 {
			return nil, garbage("sip show channelstats", l)
		}
		m := sipChanstatsRE.FindStringSubmatch(l[38:])
		if m == nil {
			continue // "-- No RTP active" debug rows and the like
		}
		r := RTPStats{Peer: strings.TrimSpace(l[:15]), CallID: strings.TrimSpace(l[17:28])}
		n, _ := strconv.ParseUint(m[1], 10, 32)
		r.RxCount = kmul(n, m[2])
		r.RxLost, _ = strconv.ParseUint(m[3], 10, 32)
		r.RxJitter, _ = strconv.ParseFloat(m[4], 64)
		n, _ = strconv.ParseUint(m[5], 10, 32)
		r.TxCount = kmul(n, m[6])
		r.TxLost, _ = strconv.ParseUint(m[7], 10, 32)
		r.TxJitter, _ = strconv.ParseFloat(m[8], 64)
		rows = append(rows, r)
	}
	if !footer {
		return nil, garbage("sip show channelstats", out)
	}
	return rows, nil
}

// ParseSIPChannels reads `sip show channels` and maps each dialog's Call-ID
// (cut at 15 characters) to its peer (the last column, cut at 10; "<guest>"
// for a dialog without one).
func ParseSIPChannels(out string) (map[string]string, error) {
	peers := map[string]string{}
	footer := false
	for _, l := range lines(out) {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "Peer "), t == "":
			continue
		case strings.Contains(t, " active SIP dialog"), strings.Contains(t, " active SIP subscription"):
			footer = true
			continue
		}
		if len(l) < 105 {
			continue
		}
		callID := strings.TrimSpace(l[34:49])
		peer := strings.TrimSpace(l[104:min(len(l), 114)])
		if callID != "" && peer != "" && peer != "<guest>" {
			peers[callID] = peer
		}
	}
	if !footer {
		return nil, garbage("sip show channels", out)
	}
	return peers, nil
}

var pjsipChanstatsRE = regexp.MustCompile(`^\s*(\S{0,8})\s+(\S+)\s+(\d+:\d\d:\d\d)\s+(\S*)\s+(\d+)(K?)\s+(\d+)(K?)\s+(\d+)\s+(\d+(?:\.\d+)?)\s+(\d+)(K?)\s+(\d+)(K?)\s+(\d+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*$`)

// ParsePJSIPChannelStats reads `pjsip show channelstats` (chan_pjsip's
// " %8.8s %-18.18s %-8.8s %-6.6s %6u%s %6u%s %3u %7.3f %6u%s %6u%s %3u %7.3f
// %7.3f": bridge, channel without "PJSIP/", uptime, codec, then receive and
// transmit count, lost, percent and jitter, and the RTT column, all times in
// seconds). "No objects found." means no channel.
func ParsePJSIPChannelStats(out string) ([]RTPStats, error) {
	var rows []RTPStats
	footer := false
	for _, l := range lines(out) {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "Objects found:"), t == "No objects found.":
			footer = true
			continue
		}
		m := pjsipChanstatsRE.FindStringSubmatch(l)
		if m == nil {
			continue // headers, "direct media" and "not valid" rows
		}
		ep := m[2]
		if i := strings.LastIndexByte(ep, '-'); i > 0 {
			ep = ep[:i]
		}
		r := RTPStats{Peer: ep, HasRTT: true}
		n, _ := strconv.ParseUint(m[5], 10, 32)
		r.RxCount = kmul(n, m[6])
		n, _ = strconv.ParseUint(m[7], 10, 32)
		r.RxLost = kmul(n, m[8])
		r.RxJitter, _ = strconv.ParseFloat(m[10], 64)
		n, _ = strconv.ParseUint(m[11], 10, 32)
		r.TxCount = kmul(n, m[12])
		n, _ = strconv.ParseUint(m[13], 10, 32)
		r.TxLost = kmul(n, m[14])
		r.TxJitter, _ = strconv.ParseFloat(m[16], 64)
		r.RTT, _ = strconv.ParseFloat(m[17], 64)
		rows = append(rows, r)
	}
	if !footer {
		return nil, garbage("pjsip show channelstats", out)
	}
	return rows, nil
}

var (
	rtpLoss = newDesc("rtp", "packet_loss_ratio",
		"RTP packets lost over all channels of a peer up now: receive = lost / (received + lost), transmit = lost (as the peer reports) / sent "+
			"(`sip show channelstats`, `pjsip show channelstats`). Seed 004: asterisk_rtp_packet_loss_percent (receive side, percent).",
		"technology", "peer", "direction")
	rtpJitter = newDesc("rtp", "jitter_seconds",
		"Highest RTP interarrival jitter among the channels of a peer up now. Seed 004: asterisk_rtp_jitter_ms (receive side).",
		"technology", "peer", "direction")
	rtpRTT = newDesc("rtp", "rtt_seconds",
		"Highest RTT column of `pjsip show channelstats` among the channels of a PJSIP endpoint (chan_sip prints none: see asterisk_rtcp_rtt_seconds). Seed 004: asterisk_rtp_rtt_ms.",
		"technology", "peer")
	rtpChannels = newDesc("rtp", "channels",
		"Channels with RTP statistics of a peer, over which the asterisk_rtp_* figures are taken.", "technology", "peer")
)

type rtpAgg struct {
	n                       int
	rxCount, rxLost         uint64
	txCount, txLost         uint64
	rxJitter, txJitter, rtt float64
	hasRTT                  bool
}

func (a *rtpAgg) add(r RTPStats) {
	a.n++
	a.rxCount += r.RxCount
	a.rxLost += r.RxLost
	a.txCount += r.TxCount
	a.txLost += r.TxLost
	a.rxJitter = math.Max(a.rxJitter, r.RxJitter)
	a.txJitter = math.Max(a.txJitter, r.TxJitter)
	if r.HasRTT {
		a.rtt, a.hasRTT = math.Max(a.rtt, r.RTT), true
	}
}

func ratio(num, den uint64) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// rtpScraper runs `sip show channelstats` with `sip show channels` (to name
// the peers) and `pjsip show channelstats` (Command action over AMI).
type rtpScraper struct{}

func (rtpScraper) Name() string { return "rtp" }
func (rtpScraper) Help() string {
	return "RTP loss, jitter and RTT per peer (sip show channelstats, sip show channels, pjsip show channelstats)"
}
func (rtpScraper) Default() bool { return true }

func (rtpScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	type key struct{ tech, peer string }
	aggs := map[key]*rtpAgg{}
	var order []key
	bound := peerBound{}
	add := func(tech string, r RTPStats) {
		k := key{tech, r.Peer}
		if bound.label(tech+"/"+r.Peer) == otherPeer {
			k.peer = otherPeer
		}
		a := aggs[k]
		if a == nil {
			a = &rtpAgg{}
			aggs[k] = a
			order = append(order, k)
		}
		a.add(r)
	}
	var firstErr error
	missing := 0
	sipRows, err := api.Command(ctx, "sip show channelstats")
	switch {
	case ami.IsUnknownCommand(err):
		missing++
	case err != nil:
		firstErr = err
	default:
		rows, err := ParseSIPChannelStats(sipRows)
		if err != nil {
			firstErr = err
			break
		}
		// channelstats cuts the Call-ID at 11 characters, `sip show
		// channels` at 15: join on the first 11.
		byCallID := map[string]string{}
		if len(rows) > 0 {
			if out, err := api.Command(ctx, "sip show channels"); err == nil {
				names, _ := ParseSIPChannels(out)
				for id, peer := range names {
					byCallID[clip(id, 11)] = peer
				}
			}
		}
		for _, r := range rows {
			if peer, ok := byCallID[r.CallID]; ok {
				r.Peer = peer
			}
			add("sip", r)
		}
	}
	out, err := api.Command(ctx, "pjsip show channelstats")
	switch {
	case ami.IsUnknownCommand(err):
		missing++
	case err != nil:
		if firstErr == nil {
			firstErr = err
		}
	default:
		rows, err := ParsePJSIPChannelStats(out)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		for _, r := range rows {
			add("pjsip", r)
		}
	}
	if missing == 2 {
		return noData("sip/pjsip show channelstats", err)
	}
	for _, k := range order {
		a := aggs[k]
		gauge(ch, rtpChannels, float64(a.n), k.tech, k.peer)
		gauge(ch, rtpLoss, ratio(a.rxLost, a.rxCount+a.rxLost), k.tech, k.peer, "receive")
		gauge(ch, rtpLoss, ratio(a.txLost, a.txCount), k.tech, k.peer, "transmit")
		gauge(ch, rtpJitter, a.rxJitter, k.tech, k.peer, "receive")
		gauge(ch, rtpJitter, a.txJitter, k.tech, k.peer, "transmit")
		if a.hasRTT {
			gauge(ch, rtpRTT, a.rtt, k.tech, k.peer)
		}
	}
	if firstErr != nil {
		return noData("rtp", firstErr)
	}
	return nil
}
