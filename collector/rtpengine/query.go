package rtpengine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ng"
	"github.com/voip-exporter/voip_exporter/source"
)

// Buckets of the per-call quality histograms, the same as the FreeSWITCH
// quality path's (collector/freeswitch/quality_metrics.go), so both relays'
// calls read alike on one dashboard. MOS buckets end at G.107's
// user-satisfaction boundaries.
var (
	mosBuckets    = []float64{1, 2, 2.58, 3.1, 3.6, 4.03, 4.2, 4.34, 4.4, 4.5}
	jitterBuckets = []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5}
	lossBuckets   = []float64{0, 0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5}
	rttBuckets    = []float64{0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2}
)

var (
	qosCalls     = newDesc("qos_finished_calls_total", "Calls seen up by a scrape (ng list + query) and gone at a later one; their last figures are in the rtpengine_qos_* histograms.")
	qosLive      = newDesc("qos_live_calls", "Calls listed by the last scrape (at most max_calls).")
	qosTruncated = newDesc("qos_list_truncated", "Whether the last list reached max_calls (1): calls beyond it are not followed, and ended calls are then not told from unlisted ones until the list is shorter again.")
	qosQueryErrs = newDesc("qos_query_errors_total", "ng query commands that failed for another reason than the call having ended.")
)

// query follows the calls rtpengine relays (ng `list`, then `query` for each,
// at most max calls per scrape) and, when a call is gone, puts the last
// figures rtpengine gave for each of its SSRCs — the "average MOS" entry of
// call_interfaces.c ng_stats_ssrc: MOS, jitter, packet loss, round-trip
// time — into cumulative histograms. There is no per-call label; the state
// is one small record per call followed, at most 2 × max.
//
// rtpengine computes these only from RTCP (ssrc.c ssrc_receiver_report); a
// call without RTCP, or one that starts and ends between two scrapes, adds
// to rtpengine_qos_finished_calls_total only (or not at all). Its own
// rtpengine_mos_total and rtpengine_mos_samples_total count every report.
type query struct {
	max int

	mu        sync.Mutex
	live      map[string][]ssrcQoS // call-id → last figures
	finished  uint64
	queryErrs uint64
	lastLive  int
	truncated bool
	mos       prometheus.Histogram
	jitter    prometheus.Histogram
	loss      prometheus.Histogram
	rtt       prometheus.Histogram
}

// ssrcQoS is rtpengine's "average MOS" of one SSRC, in base units.
type ssrcQoS struct {
	mos, jitter, loss, rtt float64 // score, seconds, ratio, seconds (rtt 0: unknown)
}

// queryConcurrency bounds the ng query commands in flight per scrape.
const queryConcurrency = 4

func newQuery(max int) *query {
	h := func(name, help string, b []float64) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Subsystem: "qos", Name: name, Help: help, Buckets: b})
	}
	return &query{
		max:  max,
		live: map[string][]ssrcQoS{},
		mos: h("mos_score", "Average MOS of each SSRC of each finished call, as rtpengine computed it from the RTCP reports (ng query: average MOS / 10).",
			mosBuckets),
		jitter: h("jitter_seconds", "Average interarrival jitter of each SSRC of each finished call, from its RTCP reports (ng query, ms).", jitterBuckets),
		loss:   h("loss_ratio", "Average fraction lost of each SSRC of each finished call, from its RTCP reports (ng query: packet loss %).", lossBuckets),
		rtt:    h("rtt_seconds", "Average end-to-end round-trip time of each SSRC of each finished call with one (ng query, µs).", rttBuckets),
	}
}

func (*query) Name() string { return "query" }
func (*query) Help() string {
	return "ng list + query: MOS, jitter, loss and RTT of finished calls as histograms (max_calls per scrape)"
}
func (*query) Default() bool { return true }

func (q *query) Scrape(ctx context.Context, c Caller, ch chan<- prometheus.Metric) error {
	if q.max <= 0 {
		return source.NoData("max_calls is -1")
	}
	reply, err := c.Call(ctx, "list", ng.Dict{"limit": q.max})
	if err != nil {
		return err
	}
	var ids []string
	seen := map[string]bool{}
	for _, v := range reply.List("calls") {
		if id, ok := v.(string); ok && id != "" && !seen[id] && len(ids) < q.max {
			ids = append(ids, id)
			seen[id] = true
		}
	}
	truncated := len(ids) >= q.max

	figures := make([][]ssrcQoS, len(ids))
	gone := make([]bool, len(ids))
	var errs []error
	var mu sync.Mutex
	sem := make(chan struct{}, queryConcurrency)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r, err := c.Call(ctx, "query", ng.Dict{"call-id": id})
			if err != nil {
				var er *ng.ErrorReply
				if errors.As(err, &er) {
					gone[i] = true // "Unknown call-id": it ended after the list
					return
				}
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			figures[i] = parseSSRCs(r)
		}()
	}
	wg.Wait()

	q.mu.Lock()
	defer q.mu.Unlock()
	q.queryErrs += uint64(len(errs))
	now := make(map[string]bool, len(ids))
	for i, id := range ids {
		if gone[i] {
			continue
		}
		now[id] = true
		if figures[i] != nil || q.live[id] == nil {
			q.live[id] = figures[i] // a failed query keeps what we had
		}
	}
	if !truncated || len(q.live) > 2*q.max {
		// Every call up is listed (or the state is full): the others ended.
		for id, last := range q.live {
			if now[id] {
				continue
			}
			delete(q.live, id)
			if truncated {
				continue // not known to have ended: dropped unobserved
			}
			q.finished++
			for _, s := range last {
				q.observe(s)
			}
		}
	}
	q.lastLive, q.truncated = len(ids), truncated

	ch <- prometheus.MustNewConstMetric(qosCalls, prometheus.CounterValue, float64(q.finished))
	ch <- prometheus.MustNewConstMetric(qosLive, prometheus.GaugeValue, float64(q.lastLive))
	ch <- prometheus.MustNewConstMetric(qosTruncated, prometheus.GaugeValue, b2f(q.truncated))
	ch <- prometheus.MustNewConstMetric(qosQueryErrs, prometheus.CounterValue, float64(q.queryErrs))
	q.mos.Collect(ch)
	q.jitter.Collect(ch)
	q.loss.Collect(ch)
	q.rtt.Collect(ch)
	if len(errs) > 0 && len(errs) == len(ids) {
		return fmt.Errorf("every query failed: %w", errs[0])
	}
	return nil
}

func (q *query) observe(s ssrcQoS) {
	q.mos.Observe(s.mos)
	q.jitter.Observe(s.jitter)
	q.loss.Observe(s.loss)
	if s.rtt > 0 {
		q.rtt.Observe(s.rtt)
	}
}

// parseSSRCs reads the per-SSRC "average MOS" entries of an ng query reply
// (call_interfaces.c ng_stats_ssrc_mos_entry_common: MOS ×10, jitter in ms,
// packet loss in %, round-trip time in µs, each already divided by the
// samples). Entries without a MOS (rtpengine adds an SSRC only once it has
// one) or with absurd figures are left out.
func parseSSRCs(reply ng.Dict) []ssrcQoS {
	var out []ssrcQoS
	for _, v := range reply.Dict("SSRC") {
		e, _ := v.(ng.Dict)
		avg := e.Dict("average MOS")
		mos, ok1 := avg.Number("MOS")
		jit, ok2 := avg.Number("jitter")
		loss, ok3 := avg.Number("packet loss")
		rtt, _ := avg.Number("round-trip time")
		if !ok1 || !ok2 || !ok3 || mos < 10 || mos > 50 || jit < 0 || loss < 0 || loss > 100 || rtt < 0 {
			continue
		}
		out = append(out, ssrcQoS{mos: mos / 10, jitter: jit / 1e3, loss: loss / 100, rtt: rtt / 1e6})
	}
	if out == nil {
		out = []ssrcQoS{}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
