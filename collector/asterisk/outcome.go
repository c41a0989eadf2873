package asterisk

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/outcome"
	"github.com/voip-exporter/voip_exporter/source"
)

// Call outcomes (ASR/NER/ACD/PDD per trunk) in AMI mode: the AMI events of each dialled channel feed an
// outcome.Tracker (source="asterisk"), exported with the instance (its server label) under the same
// names and labels as FreeSWITCH's (voip_call_*: gateway = the trunk, direction, domain). Under HA every
// agent tracks, only the lease owner exports (as the RTCP series).

// outcomeFilters are the AMI Filter actions the outcome path adds to the RTCP path's (a filter is a
// regular expression over the event text, so "Event: Dial" lets DialBegin, DialState and DialEnd in).
var outcomeFilters = []string{"Event: Dial", "Event: Newstate", "Event: Cdr"}

// eventMask is the Events action's mask: call (Newchannel/Newstate/Dial*/Hangup, EVENT_FLAG_CALL),
// reporting (RTCP*), cdr (Cdr from cdr_manager). Asterisk keeps only the classes the account may read
// (manager.c:2033-2036 set_eventmask), so asking for cdr without read=cdr is harmless.
const eventMask = "call,reporting,cdr"

// Outcomes is the instance's call-outcome tracker (nil in CLI mode).
func (i *Instance) Outcomes() *outcome.Tracker { return i.outcomes }

func newOutcomes() *outcome.Tracker {
	return outcome.New(outcome.Options{Source: "asterisk"})
}

// onEvent hands one AMI event to the RTCP and outcome trackers.
func (i *Instance) onEvent(m *ami.Message) {
	if i.rtcp != nil {
		i.rtcp.Handle(m)
	}
	if i.outcomes != nil {
		i.outcomes.HandleAMI(m)
	}
}

var (
	outcomeLiveDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "outcome", "asterisk_dials_in_progress"),
		"Dialled channels (DialBegin seen, Hangup not yet) the call-outcome path follows.", nil, nil)
	outcomeUntrackedDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "outcome", "asterisk_dials_untracked_total"),
		"DialBegins not followed because the table of dialled channels was full (their attempts are not counted).", nil, nil)
	outcomeCdrIgnoredDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "outcome", "asterisk_cdr_ignored_total"),
		"Cdr events of a dialled channel already counted from its Dial and Hangup events.", nil, nil)
)

func (i *Instance) collectOutcomes(ch chan<- prometheus.Metric) {
	if i.outcomes == nil || !i.owns() {
		return
	}
	i.outcomes.Collect(ch)
	st := i.outcomes.AsteriskStats()
	ch <- prometheus.MustNewConstMetric(outcomeLiveDesc, prometheus.GaugeValue, float64(st.Live))
	ch <- prometheus.MustNewConstMetric(outcomeUntrackedDesc, prometheus.CounterValue, float64(st.Untracked))
	ch <- prometheus.MustNewConstMetric(outcomeCdrIgnoredDesc, prometheus.CounterValue, float64(st.CdrIgnored))
}
