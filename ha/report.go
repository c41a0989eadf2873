package ha

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/source"
)

var (
	ownedDesc = prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, "ha", "lease_owned"),
		"Whether this agent owns the instance's HA lease (1) and so processes its events and exports its event-derived series. New.",
		[]string{"agent"}, nil)
	tokenDesc = prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, "ha", "fencing_token"),
		"Fencing token of this agent's current lease on the instance (0 when it does not own it). New.", nil, nil)
)

// Collect sends an instance's lease series (the instance adds its server label): owned says whether its
// event path runs now (the lease held, and for FreeSWITCH the takeover done).
func (l *Lease) Collect(ch chan<- prometheus.Metric, owned bool) {
	tok := 0.0
	if owned {
		tok = float64(l.Token())
	}
	v := 0.0
	if owned {
		v = 1
	}
	ch <- prometheus.MustNewConstMetric(ownedDesc, prometheus.GaugeValue, v, l.Agent())
	ch <- prometheus.MustNewConstMetric(tokenDesc, prometheus.GaugeValue, tok)
}

// FillHealth adds the lease state to an instance's /health entry: the owner, this agent's lease age and
// the fencing token; ha_state is owner, standby, or stepped_down with the reason.
func (l *Lease) FillHealth(h *source.Health, owned bool) {
	info := l.Info()
	h.HAOwner = info.Owner
	h.HAFencingToken = info.Token
	switch {
	case owned:
		h.HAState = "owner"
		h.HALeaseAgeSeconds = info.Age.Seconds()
	case info.LastErr != "":
		h.HAState = "stepped_down: " + info.LastErr
	default:
		h.HAState = "standby"
	}
}

// Nop is a Handler for instances whose event state every agent keeps in memory (Asterisk's latest RTCP
// reports): taking the lease over only makes the new owner export it.
type Nop struct{}

// Acquired implements Handler.
func (Nop) Acquired(*Lease) {}

// Lost implements Handler.
func (Nop) Lost(*Lease, string) {}
