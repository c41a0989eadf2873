package freeswitch

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/otlp"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/source"
)

// Histogram buckets of the call-quality metrics: quality's, which the OTLP
// histograms (otlp/metrics.go) use too.
var (
	mosBuckets    = quality.MOSBuckets
	jitterBuckets = quality.JitterBuckets
	lossBuckets   = quality.LossBuckets
	rttBuckets    = quality.RTTBuckets
)

// qualityMetrics is the Prometheus side of the event path: a quality.Sink
// that aggregates RTCP samples and QoS records into histograms and
// counters by domain, codec and direction (bounded by the tracker; never a
// per-call id). It is collected from the Instance, so every series carries
// server=.
type qualityMetrics struct {
	rtcpJitter   *prometheus.HistogramVec
	rtcpFraction *prometheus.HistogramVec
	rtcpRTT      *prometheus.HistogramVec
	rtcpLost     *prometheus.CounterVec

	qosMOS    *prometheus.HistogramVec
	qosJitter *prometheus.HistogramVec
	qosLoss   *prometheus.HistogramVec
	qosRTT    *prometheus.HistogramVec
	qosCalls  *prometheus.CounterVec
}

var (
	rtcpLabels = []string{"domain", "codec", "direction", "stream"}
	qosLabels  = []string{"domain", "codec", "direction"}
)

func newQualityMetrics() *qualityMetrics {
	hist := func(sub, name, help string, buckets []float64, labels []string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Subsystem: sub, Name: name, Help: help, Buckets: buckets}, labels)
	}
	return &qualityMetrics{
		rtcpJitter: hist("rtcp", "jitter_seconds",
			"Interarrival jitter of each RTCP report (stream=received: FreeSWITCH's report on the media it receives; sent: the far end's report on the media FreeSWITCH sends). Replaces seed 001's freeswitch.rtcp.jitter (ms, per call).",
			jitterBuckets, rtcpLabels),
		rtcpFraction: hist("rtcp", "fraction_lost_ratio",
			"Fraction of packets lost since the previous RTCP report, 0-1. Replaces seed 001's freeswitch.rtcp.fraction_lost.",
			lossBuckets, rtcpLabels),
		rtcpRTT: hist("rtcp", "rtt_seconds",
			"Round-trip time of each RTCP report that allows one (A - LSR - DLSR; FreeSWITCH's Rtt0-Avg when it gives one). New; not in seed 001.",
			rttBuckets, qosLabels),
		rtcpLost: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Subsystem: "rtcp", Name: "packets_lost_total",
			Help: "Packets lost, from the per-SSRC deltas of the RTCP cumulative loss counts (wraps, resets and reordering handled). Replaces seed 001's freeswitch.rtcp.packets_lost (a gauge of increments)."},
			rtcpLabels),
		qosMOS: hist("qos", "mos_score",
			"MOS of each finished call leg: estimator=freeswitch is FreeSWITCH's own (rtp_audio_in_mos), estimator=emodel ours (ITU-T G.107 E-model from loss, jitter, codec and RTT). Replaces seed 001's freeswitch.qos.mos_score (per call).",
			mosBuckets, append(append([]string{}, qosLabels...), "estimator")),
		qosJitter: hist("qos", "jitter_seconds",
			"Mean interarrival jitter of the media each finished leg received. Replaces seed 001's freeswitch.qos.jitter_avg (ms, per call).",
			jitterBuckets, qosLabels),
		qosLoss: hist("qos", "loss_ratio",
			"Share of the packets each finished leg should have received that were missing. Replaces seed 001's freeswitch.qos.packet_loss (a count, per call).",
			lossBuckets, qosLabels),
		qosRTT: hist("qos", "rtt_seconds",
			"Mean RTCP round-trip time of each finished leg. New; not in seed 001.",
			rttBuckets, qosLabels),
		qosCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Subsystem: "qos", Name: "legs_total",
			Help: "Finished call legs by hangup cause (at most 64 distinct causes; then \"other\"). New; not in seed 001."},
			[]string{"domain", "direction", "hangup_cause"}),
	}
}

// Sample implements quality.Sink.
func (m *qualityMetrics) Sample(_ *quality.Leg, lb quality.Labels, s quality.Sample) {
	stream := s.Kind.String()
	if quality.Known(s.Jitter) {
		m.rtcpJitter.WithLabelValues(lb.Domain, lb.Codec, lb.Direction, stream).Observe(s.Jitter)
	}
	m.rtcpFraction.WithLabelValues(lb.Domain, lb.Codec, lb.Direction, stream).Observe(s.FractionLost)
	lost := m.rtcpLost.WithLabelValues(lb.Domain, lb.Codec, lb.Direction, stream)
	if s.LostDelta > 0 {
		lost.Add(float64(s.LostDelta))
	}
	if quality.Known(s.RTT) {
		m.rtcpRTT.WithLabelValues(lb.Domain, lb.Codec, lb.Direction).Observe(s.RTT)
	}
}

// Record implements quality.Sink.
func (m *qualityMetrics) Record(r *quality.Record, lb quality.Labels) {
	if quality.Known(r.MOS) {
		m.qosMOS.WithLabelValues(lb.Domain, lb.Codec, lb.Direction, "freeswitch").Observe(r.MOS)
	}
	if quality.Known(r.EModelMOS) {
		m.qosMOS.WithLabelValues(lb.Domain, lb.Codec, lb.Direction, "emodel").Observe(r.EModelMOS)
	}
	if quality.Known(r.JitterAvg) {
		m.qosJitter.WithLabelValues(lb.Domain, lb.Codec, lb.Direction).Observe(r.JitterAvg)
	}
	if quality.Known(r.LossRatio) {
		m.qosLoss.WithLabelValues(lb.Domain, lb.Codec, lb.Direction).Observe(r.LossRatio)
	}
	if quality.Known(r.RTTAvg) {
		m.qosRTT.WithLabelValues(lb.Domain, lb.Codec, lb.Direction).Observe(r.RTTAvg)
	}
	cause := lb.Cause
	m.qosCalls.WithLabelValues(lb.Domain, lb.Direction, cause).Inc()
}

func (m *qualityMetrics) collect(ch chan<- prometheus.Metric) {
	for _, c := range []prometheus.Collector{m.rtcpJitter, m.rtcpFraction, m.rtcpRTT, m.rtcpLost,
		m.qosMOS, m.qosJitter, m.qosLoss, m.qosRTT, m.qosCalls} {
		c.Collect(ch)
	}
}

// Live and internal metrics of the event path.
var (
	liveLegsDesc = newDesc("quality", "live_legs",
		"Call legs up now, as the event path tracks them (CHANNEL_CREATE to CHANNEL_HANGUP_COMPLETE, relearned with `show channels` on connect). New; not in seed 001.",
		"domain", "codec", "direction")
	liveCallsDesc = newDesc("quality", "live_calls",
		"Calls up now: live legs that own their call (Channel-Call-UUID = Unique-ID). New; not in seed 001.",
		"domain", "direction")

	qEventsReceivedDesc = selfDesc("quality", "events_received_total",
		"Events the call-quality path received from FreeSWITCH. Seed 001: fsagent_events_received_total.", "event")
	qEventsProcessedDesc = selfDesc("quality", "events_processed_total",
		"Events the call-quality path used. Seed 001: fsagent_events_processed_total.", "event")
	qEventsRejectedDesc = selfDesc("quality", "events_rejected_total",
		"Events the call-quality path could not use, by reason (missing_unique_id, unknown_channel, late_event, duplicate_hangup, claimed_by_other_agent, no_report_block, invalid_report_block, duplicate_report, stale_report, absurd_report). New.",
		"event", "reason")
	qRTCPDesc = selfDesc("quality", "rtcp_messages_processed_total",
		"RTCP reports turned into live metrics. Seed 001: fsagent_rtcp_messages_processed_total.", "stream")
	qRecordsDesc = selfDesc("quality", "qos_records_generated_total",
		"End-of-call QoS records generated. Seed 001: fsagent_qos_messages_generated_total.")
	qInvalidDesc = selfDesc("quality", "invalid_values_total",
		"Figures in events that were absurd (negative, NaN, out of range) and were dropped rather than exported. New.", "field")
	qOverflowDesc = selfDesc("quality", "label_overflow_total",
		"Values mapped to \"other\" because a label reached its cap of distinct values (domain: events.max_domains). New.", "label")
	qResyncsDesc = selfDesc("quality", "resyncs_total",
		"Reconciliations of the live legs with `show channels`: after each (re)connect, and every 5 minutes. New.")
	qResyncErrorsDesc = selfDesc("quality", "resync_errors_total",
		"Reconciliations that failed: live legs are then learned from events only. New.")
	qVanishedDesc = selfDesc("quality", "legs_vanished_total",
		"Legs FreeSWITCH no longer has whose hangup event never came (they ended while the agent was not connected): no record. New.")
	qLoadedDesc = selfDesc("quality", "legs_loaded_total",
		"Legs loaded from the persistent store at start (Redis). New.")
	storageOpsDesc = selfDesc("storage", "operations_total",
		"Leg-state store operations by op and result. Seed 001: fsagent_storage_operations_total.", "op", "result")
	storageUpDesc = selfDesc("storage", "up",
		"Whether the leg-state store is reachable (memory: always 1). New.")
	storagePendingDesc = selfDesc("storage", "pending_legs",
		"Legs changed in memory and not yet written to the store. New.")
)

// rejectApplies says which rejection reasons an event kind can have, so
// that those counters exist from the start (at zero).
func rejectApplies(ev, reason int) bool {
	switch ev {
	case quality.EvCreate, quality.EvAnswer, quality.EvBridge:
		return reason == quality.RejMissingID || reason == quality.RejLateEvent
	case quality.EvHangupComplete:
		return reason == quality.RejMissingID || reason == quality.RejDuplicateHangup || reason == quality.RejClaimed
	case quality.EvRecvRTCP, quality.EvSendRTCP:
		return reason != quality.RejDuplicateHangup && reason != quality.RejClaimed
	}
	return false
}

func selfDesc(sub, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(source.SelfNamespace, sub, name), help, labels, nil)
}

// collectQuality sends the event path's metrics.
func (q *qualityPath) collect(ch chan<- prometheus.Metric) {
	q.metrics.collect(ch)
	for _, c := range q.consumers {
		c.Collect(ch)
	}
	t := q.tracker
	type callKey struct{ domain, direction string }
	calls := map[callKey]int{}
	for _, c := range t.LiveCounts() {
		gauge(ch, liveLegsDesc, float64(c.Legs), c.Domain, c.Codec, c.Direction)
		calls[callKey{c.Domain, c.Direction}] += c.Calls
	}
	for k, n := range calls {
		gauge(ch, liveCallsDesc, float64(n), k.domain, k.direction)
	}
	s := t.Stats()
	for ev, name := range quality.EventNames {
		counter(ch, qEventsReceivedDesc, float64(s.Received[ev]), name)
		counter(ch, qEventsProcessedDesc, float64(s.Processed[ev]), name)
		for r, reason := range quality.RejectReasons {
			if n := s.Rejected[ev][r]; n > 0 || rejectApplies(ev, r) {
				counter(ch, qEventsRejectedDesc, float64(n), name, reason)
			}
		}
	}
	counter(ch, qRTCPDesc, float64(s.RTCPProcessed[0]), quality.StreamReceived.String())
	counter(ch, qRTCPDesc, float64(s.RTCPProcessed[1]), quality.StreamSent.String())
	counter(ch, qRecordsDesc, float64(s.Records))
	for f, n := range s.Invalid {
		counter(ch, qInvalidDesc, float64(n), f)
	}
	for l, n := range s.Overflow {
		counter(ch, qOverflowDesc, float64(n), l)
	}
	counter(ch, qResyncsDesc, float64(s.Resyncs))
	counter(ch, qResyncErrorsDesc, float64(s.ResyncErrors))
	counter(ch, qVanishedDesc, float64(s.Vanished))
	counter(ch, qLoadedDesc, float64(s.Loaded))
	ss := t.Store().Stats()
	for _, op := range ss.Ops {
		counter(ch, storageOpsDesc, float64(op.N), op.Op, op.Result)
	}
	gauge(ch, storageUpDesc, boolFloat(ss.Up))
	gauge(ch, storagePendingDesc, float64(ss.Pending))
	if q.exporter != nil {
		collectOTLP(ch, q.exporter.Stats())
	}
}

var (
	otlpQueueRecordsDesc = selfDesc("otlp", "queue_records",
		"QoS log records waiting in the on-disk queue for the OTLP receiver. New; seed 001 keeps none.")
	otlpQueueBytesDesc = selfDesc("otlp", "queue_bytes",
		"Bytes of QoS log records in the on-disk queue (bounded by otlp.queue.max_bytes). New.")
	otlpOldestDesc = selfDesc("otlp", "queue_oldest_record_age_seconds",
		"Age of the oldest queued QoS log record (0 when empty; bounded by otlp.queue.max_age). New.")
	otlpExportedDesc = selfDesc("otlp", "records_exported_total",
		"QoS log records the OTLP receiver accepted. New.")
	otlpFailuresDesc = selfDesc("otlp", "export_failures_total",
		"Failed OTLP exports by signal (logs: retried from the queue; metrics: retried at the next interval). New.", "signal")
	otlpDroppedDesc = selfDesc("otlp", "records_dropped_total",
		"QoS log records given up, by reason (queue_full, too_old, rejected, inbox_full, corrupt). New.", "reason")
	otlpUpDesc = selfDesc("otlp", "up",
		"Whether the last export of QoS log records succeeded (1) or not (0). New.")
)

func collectOTLP(ch chan<- prometheus.Metric, s otlp.Stats) {
	gauge(ch, otlpQueueRecordsDesc, float64(s.QueueRecords))
	gauge(ch, otlpQueueBytesDesc, float64(s.QueueBytes))
	gauge(ch, otlpOldestDesc, s.OldestAge.Seconds())
	counter(ch, otlpExportedDesc, float64(s.Exported))
	counter(ch, otlpFailuresDesc, float64(s.LogFailures), "logs")
	counter(ch, otlpFailuresDesc, float64(s.MetricFailures), "metrics")
	for r, n := range s.Dropped {
		counter(ch, otlpDroppedDesc, float64(n), r)
	}
	gauge(ch, otlpUpDesc, boolFloat(s.Up))
}
