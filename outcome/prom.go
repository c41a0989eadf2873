package outcome

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metric families. Every series also gets the instance's server label from the collector that wraps
// the tracker (the quality path's convention), and source= from Options.Source.
var (
	seriesLabels = []string{"gateway", "direction", "domain"}
)

func (t *Tracker) descs() *descs {
	t.descOnce.Do(func() {
		c := prometheus.Labels{"source": t.opts.Source}
		d := func(name, help string, extra ...string) *prometheus.Desc {
			return prometheus.NewDesc(name, help, append(append([]string{}, seriesLabels...), extra...), c)
		}
		t.d = &descs{
			attempts: d("voip_call_attempts_total",
				"Call attempts (legs) by outcome: answered, busy (Q.850 17), no_answer (18, 19), rejected (21), cancelled (the caller gave up), failed (every other cause). ASR = answered / all; NER (ITU-T E.425) = answered+busy+no_answer+rejected / all.",
				"outcome"),
			failures: d("voip_call_failures_total",
				"Unanswered call attempts by hangup cause (Q.850 names as FreeSWITCH spells them, FreeSWITCH's own causes above 127; \"other\" for an unknown cause).",
				"cause"),
			sip: d("voip_call_sip_final_responses_total",
				"Call attempts by the final SIP response to the INVITE (answered: 200), by class and code (a fixed set of registered codes; \"other\" within the class).",
				"class", "code"),
			pdd: d("voip_call_post_dial_delay_seconds",
				"Post-dial delay of each attempt: INVITE (channel creation) to the first 180/183 or early media, else to the answer (RFC 6076 SRD). Attempts with neither are not observed."),
			dur: d("voip_call_answered_duration_seconds",
				"Answered duration (billsec) of each answered attempt. ACD = sum / count."),
			overflow: prometheus.NewDesc("voip_exporter_outcome_label_overflow_total",
				"Call-outcome values mapped to \"other\" because a label reached its cap (gateway, domain) or the gateway×direction×domain series cap was reached (series).",
				[]string{"label"}, c),
			invalid: prometheus.NewDesc("voip_exporter_outcome_invalid_values_total",
				"Call-outcome figures in events that were present but unusable (and left out).", []string{"field"}, c),
			dups: prometheus.NewDesc("voip_exporter_outcome_duplicate_hangups_total",
				"Hangups of a leg already counted (replays after a reconnect or takeover), not counted again.", nil, c),
		}
	})
	return t.d
}

type descs struct {
	attempts, failures, sip, pdd, dur, overflow, invalid, dups *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (t *Tracker) Describe(ch chan<- *prometheus.Desc) {
	d := t.descs()
	for _, x := range []*prometheus.Desc{d.attempts, d.failures, d.sip, d.pdd, d.dur, d.overflow, d.invalid, d.dups} {
		ch <- x
	}
}

// Collect implements prometheus.Collector: every series so far (counters start when a combination is
// first seen; an outcome of a seen combination is exported at 0 so that rate() divisions have both sides).
func (t *Tracker) Collect(ch chan<- prometheus.Metric) {
	d := t.descs()
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, s := range t.series {
		lv := []string{k.gateway, k.direction, k.domain}
		with := func(extra ...string) []string { return append(append(make([]string, 0, 5), lv...), extra...) }
		for o, n := range s.outcomes {
			ch <- prometheus.MustNewConstMetric(d.attempts, prometheus.CounterValue, float64(n), with(outcomeNames[o])...)
		}
		for sl, n := range s.causes {
			if n > 0 {
				ch <- prometheus.MustNewConstMetric(d.failures, prometheus.CounterValue, float64(n), with(slotNames[sl])...)
			}
		}
		for sl, n := range s.sip {
			if n > 0 {
				ch <- prometheus.MustNewConstMetric(d.sip, prometheus.CounterValue, float64(n),
					with(sipClassLbl[sipSlotCls[sl]], sipSlotName[sl])...)
			}
		}
		ch <- constHist(d.pdd, &s.pdd, PDDBuckets, lv)
		ch <- constHist(d.dur, &s.dur, DurationBuckets, lv)
	}
	for l, n := range map[string]uint64{"gateway": t.gateways.overflow, "domain": t.domains.overflow, "series": t.overflow} {
		ch <- prometheus.MustNewConstMetric(d.overflow, prometheus.CounterValue, float64(n), l)
	}
	for i, n := range t.invalid {
		ch <- prometheus.MustNewConstMetric(d.invalid, prometheus.CounterValue, float64(n), invalidNames[i])
	}
	ch <- prometheus.MustNewConstMetric(d.dups, prometheus.CounterValue, float64(t.dups))
}

func constHist(d *prometheus.Desc, h *hist, b []float64, lv []string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(b))
	var cum uint64
	for i, ub := range b {
		cum += h.counts[i]
		buckets[ub] = cum
	}
	return prometheus.MustNewConstHistogram(d, h.n, h.sum, buckets, lv...)
}
