package asterisk

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// RTCP event tracking (AMI mode): Asterisk raises RTCPSent for every RTCP
// report it sends (its own view of the stream it receives) and RTCPReceived
// for every report from the far end (the far end's view of the stream
// Asterisk sends, with the round trip Asterisk computed). The tracker keeps
// the latest of each per live channel and forgets a channel at its Hangup,
// so chan_sip calls get an RTT too (`sip show channelstats` has none).

// RTCP interarrival jitter is in RTP timestamp units: the tracker keeps it so and converts it to
// seconds at collection with the channel's RTP clock rate, read from its native format in the AMI
// Status answer of the same scrape (DefaultRTPClockRate when the channel is not in it).

// MaxRTCPChannels bounds the channels the tracker follows.
const MaxRTCPChannels = 50000

// rtcpStale forgets a channel whose reports stopped without a Hangup seen.
const rtcpStale = 2 * time.Minute

type rtcpChan struct {
	tech, peer              string
	rxLoss, rxJitter        float64
	txLoss, txJitter, rtt   float64
	haveRx, haveTx, haveRTT bool
	updated                 time.Time
}

// RTCPTracker follows RTCP reports per channel. Handle runs on the AMI
// reader goroutine; Snapshot on scrapes. It is safe for concurrent use.
type RTCPTracker struct {
	mu    sync.Mutex
	chans map[string]*rtcpChan
	now   func() time.Time

	events, dropped atomic.Uint64
}

// NewRTCPTracker returns an empty tracker.
func NewRTCPTracker() *RTCPTracker {
	return &RTCPTracker{chans: map[string]*rtcpChan{}, now: time.Now}
}

// Reset forgets every channel (after a reconnect: Hangups may have been missed).
func (t *RTCPTracker) Reset() {
	t.mu.Lock()
	t.chans = map[string]*rtcpChan{}
	t.mu.Unlock()
}

// Handle takes one AMI event; other events than RTCPSent, RTCPReceived and
// Hangup are ignored.
func (t *RTCPTracker) Handle(m *ami.Message) {
	ev := m.Event()
	if ev != "RTCPSent" && ev != "RTCPReceived" && ev != "Hangup" {
		return
	}
	t.events.Add(1)
	name := m.Get("Channel")
	if name == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if ev == "Hangup" {
		delete(t.chans, name)
		return
	}
	c := t.chans[name]
	if c == nil {
		if len(t.chans) >= MaxRTCPChannels {
			t.dropped.Add(1)
			return
		}
		c = &rtcpChan{}
		c.tech, c.peer = PeerOf(name)
		t.chans[name] = c
	}
	c.updated = t.now()
	loss, jitter, haveBlock := reportBlock(m)
	if ev == "RTCPSent" {
		if haveBlock {
			c.rxLoss, c.rxJitter, c.haveRx = loss, jitter, true
		}
		return
	}
	if haveBlock {
		c.txLoss, c.txJitter, c.haveTx = loss, jitter, true
	}
	if rtt, err := strconv.ParseFloat(m.Get("RTT"), 64); err == nil && rtt >= 0 && !math.IsInf(rtt, 0) {
		c.rtt, c.haveRTT = rtt, true
	}
}

// reportBlock reads the first report block: fraction lost (of 256) and
// interarrival jitter (RTP timestamp units, converted by Snapshot).
func reportBlock(m *ami.Message) (loss, jitter float64, ok bool) {
	frac, err1 := strconv.ParseUint(m.Get("Report0FractionLost"), 10, 8)
	jit, err2 := strconv.ParseUint(m.Get("Report0IAJitter"), 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return float64(frac) / 256, float64(jit), true
}

// RTCPPeer aggregates the reports of one peer's channels: the worst of each figure.
type RTCPPeer struct {
	Tech, Peer              string
	Channels                int
	RxLoss, RxJitter        float64
	TxLoss, TxJitter, RTT   float64
	HaveRx, HaveTx, HaveRTT bool
}

// Snapshot returns per-peer aggregates, dropping stale channels; jitter in seconds at
// DefaultRTPClockRate.
func (t *RTCPTracker) Snapshot() []RTCPPeer { return t.SnapshotRates(nil) }

// SnapshotRates is Snapshot with each channel's RTP clock rate (channel name → Hz; a channel not in
// rates, or rates nil, counts at DefaultRTPClockRate).
func (t *RTCPTracker) SnapshotRates(rates map[string]float64) []RTCPPeer {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	byPeer := map[[2]string]*RTCPPeer{}
	var out []*RTCPPeer
	bound := peerBound{}
	for name, c := range t.chans {
		if now.Sub(c.updated) > rtcpStale {
			delete(t.chans, name)
			continue
		}
		k := [2]string{c.tech, c.peer}
		if bound.label(c.tech+"/"+c.peer) == otherPeer {
			k[1] = otherPeer
		}
		p := byPeer[k]
		if p == nil {
			p = &RTCPPeer{Tech: k[0], Peer: k[1]}
			byPeer[k] = p
			out = append(out, p)
		}
		p.Channels++
		rate := float64(DefaultRTPClockRate)
		if r := rates[name]; r > 0 {
			rate = r
		}
		if c.haveRx {
			p.RxLoss, p.RxJitter, p.HaveRx = math.Max(p.RxLoss, c.rxLoss), math.Max(p.RxJitter, c.rxJitter/rate), true
		}
		if c.haveTx {
			p.TxLoss, p.TxJitter, p.HaveTx = math.Max(p.TxLoss, c.txLoss), math.Max(p.TxJitter, c.txJitter/rate), true
		}
		if c.haveRTT {
			p.RTT, p.HaveRTT = math.Max(p.RTT, c.rtt), true
		}
	}
	res := make([]RTCPPeer, len(out))
	for i, p := range out {
		res[i] = *p
	}
	return res
}

// Stats returns the events handled and the channels not tracked for the cap.
func (t *RTCPTracker) Stats() (events, dropped uint64) { return t.events.Load(), t.dropped.Load() }

var (
	rtcpRTT = newDesc("rtcp", "rtt_seconds",
		"Highest round trip Asterisk computed from the last RTCP report of each of a peer's channels (AMI RTCPReceived RTT). Seed 004: asterisk_rtp_rtt_ms.",
		"technology", "peer")
	rtcpLoss = newDesc("rtcp", "fraction_lost_ratio",
		"Highest RTCP fraction lost of a peer's channels: receive = what Asterisk reports (RTCPSent), transmit = what the far end reports (RTCPReceived). Seed 004: asterisk_rtp_packet_loss_percent.",
		"technology", "peer", "direction")
	rtcpJitter = newDesc("rtcp", "jitter_seconds",
		"Highest RTCP interarrival jitter of a peer's channels, at each channel's RTP clock rate (from its native format in AMI Status; 8 kHz if unknown). Seed 004: asterisk_rtp_jitter_ms.",
		"technology", "peer", "direction")
	rtcpChannels = newDesc("rtcp", "channels",
		"Channels of a peer with an RTCP report in the last two minutes.", "technology", "peer")
	rtcpEvents = newDesc("rtcp", "events_total",
		"RTCPSent, RTCPReceived and Hangup events handled by the RTCP tracker.")
)

// collectRTCP sends the tracker's per-peer figures. They come from events,
// not from a scrape, so they are sent beside the scrapers' metrics and do
// not make the instance up.
func collectRTCP(ch chan<- prometheus.Metric, t *RTCPTracker, rates map[string]float64) {
	for _, p := range t.SnapshotRates(rates) {
		gauge(ch, rtcpChannels, float64(p.Channels), p.Tech, p.Peer)
		if p.HaveRTT {
			gauge(ch, rtcpRTT, p.RTT, p.Tech, p.Peer)
		}
		if p.HaveRx {
			gauge(ch, rtcpLoss, p.RxLoss, p.Tech, p.Peer, "receive")
			gauge(ch, rtcpJitter, p.RxJitter, p.Tech, p.Peer, "receive")
		}
		if p.HaveTx {
			gauge(ch, rtcpLoss, p.TxLoss, p.Tech, p.Peer, "transmit")
			gauge(ch, rtcpJitter, p.TxJitter, p.Tech, p.Peer, "transmit")
		}
	}
	events, _ := t.Stats()
	counter(ch, rtcpEvents, float64(events))
}

// Len is the number of channels tracked.
func (t *RTCPTracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.chans)
}
