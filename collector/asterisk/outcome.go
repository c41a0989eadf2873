package asterisk

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/outcome"
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

func (i *Instance) collectOutcomes(ch chan<- prometheus.Metric) {
	if i.outcomes != nil && i.owns() {
		i.outcomes.Collect(ch)
	}
}
