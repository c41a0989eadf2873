package rtpengine

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/collector/rtpengine/rtpenginetest"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/ng"
)

func startEngine(t *testing.T, portMin int) *rtpenginetest.Engine {
	t.Helper()
	e, err := rtpenginetest.Start(portMin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("rtpengine log:\n%s", tail(e.Logs(), 4000))
		}
		e.Stop()
	})
	return e
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func newInstance(name, addr string, maxCalls int, timeout time.Duration) *Instance {
	cfg := config.RTPEngine{Name: name, Address: addr, Timeout: timeout, MaxCalls: maxCalls}
	return NewInstance(cfg, Scrapers(OptionsOf(cfg)), slog.New(slog.DiscardHandler))
}

// playCall plays the call the test checks: the caller sends 200 RTP packets
// with 5 sequence numbers skipped (195 sent), the callee all 200; then two
// rounds, more than a second apart, of an SR from each side and an RR from
// each side about the other (the callee reports 6/256 lost, 5 cumulative,
// jitter 80 timestamp units; the caller no loss, jitter 40).
func playCall(t *testing.T, c *rtpenginetest.Call) {
	t.Helper()
	a, b := c.Caller, c.Callee
	skip := map[int]bool{10: true, 50: true, 90: true, 130: true, 170: true}
	if n, err := rtpenginetest.SendRTP(a, b, 1000, 200, skip); err != nil || n != 195 {
		t.Fatalf("caller sent %d: %v", n, err)
	}
	if n, err := rtpenginetest.SendRTP(b, a, 5000, 200, nil); err != nil || n != 200 {
		t.Fatalf("callee sent %d: %v", n, err)
	}
	for round := range 2 {
		if round > 0 {
			// ssrc.c ssrc_receiver_report keeps one stats block per
			// second and SSRC: the second round must be a second later.
			time.Sleep(1100 * time.Millisecond)
		}
		sec := uint64(3_900_000_000 + round)
		lsrA, err := rtpenginetest.SendSR(a, b, sec<<32|0x12340000, 195, 195*160)
		if err != nil {
			t.Fatal(err)
		}
		lsrB, err := rtpenginetest.SendSR(b, a, sec<<32|0x56780000, 200, 200*160)
		if err != nil {
			t.Fatal(err)
		}
		// The RTT rtpengine computes is arrival(RR) − arrival(SR) − DLSR;
		// it drops RTTs ≤ 0 (ssrc.c __calc_rtt), so the reports wait
		// at least 5 ms and claim a DLSR of 1/65536 s.
		time.Sleep(5 * time.Millisecond)
		if err := rtpenginetest.SendRR(a, b, rtpenginetest.Report{HighestSeq: 5199, Jitter: 40, LSR: lsrB, DLSR: 1}); err != nil {
			t.Fatal(err)
		}
		if err := rtpenginetest.SendRR(b, a, rtpenginetest.Report{FractionLost: 6, Lost: 5, HighestSeq: 1199, Jitter: 80, LSR: lsrA, DLSR: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// averages reads rtpengine's own per-SSRC "average MOS" entries from an ng
// query, the reference for the histograms: sums of MOS/10, jitter s, loss
// ratio, RTT s, and the sum of every MOS in the MOS progressions.
type averages struct {
	n                         int
	mos, jitter, loss, rtt    float64
	progressionMOS            float64
	progressionSamplesWithMOS int
}

func queryAverages(t *testing.T, e *rtpenginetest.Engine, id string) averages {
	t.Helper()
	q, err := e.Client.Call(context.Background(), "query", ng.Dict{"call-id": id})
	if err != nil {
		t.Fatal(err)
	}
	var a averages
	for _, v := range q.Dict("SSRC") {
		avg := v.(ng.Dict).Dict("average MOS")
		m, _ := avg.Number("MOS")
		j, _ := avg.Number("jitter")
		l, _ := avg.Number("packet loss")
		r, _ := avg.Number("round-trip time")
		a.n++
		a.mos += m / 10
		a.jitter += j / 1000
		a.loss += l / 100
		a.rtt += r / 1e6
		for _, p := range v.(ng.Dict).Dict("MOS progression").List("entries") {
			if m, _ := p.(ng.Dict).Number("MOS"); m > 0 {
				a.progressionMOS += m / 10
				a.progressionSamplesWithMOS++
			}
		}
	}
	return a
}

// TestRealRTPEngine plays calls with real RTP and RTCP through a real
// rtpengine and checks the export against what was sent, against rtpengine's
// own ng query and against its own Prometheus endpoint (--listen-http).
func TestRealRTPEngine(t *testing.T) {
	e := startEngine(t, 44100)
	ctx := context.Background()
	inst := newInstance("rtp1", e.NGAddr, 200, 5*time.Second)

	main, err := e.NewCall(ctx, "main-call")
	if err != nil {
		t.Fatal(err)
	}
	playCall(t, main)
	oneWay, err := e.NewCall(ctx, "one-way-call")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := rtpenginetest.SendRTP(oneWay.Caller, oneWay.Callee, 1, 50, nil); err != nil || n != 50 {
		t.Fatalf("one-way: sent %d: %v", n, err)
	}
	silent, err := e.NewCall(ctx, "silent-call")
	if err != nil {
		t.Fatal(err)
	}

	live := scrape(t, inst)
	// Packets: main call 195 + 200 RTP + 2 rounds × (2 SR + 2 RR) = 8 RTCP,
	// one-way call 50 RTP: 453. Bytes: 445 RTP × 172 (12 + 160) = 76540,
	// 4 SR × 28 + 4 RR × 32 = 240: 76780.
	const packets, bytes = 195 + 200 + 8 + 50, 445*rtpenginetest.RTPSize + 4*rtpenginetest.SRSize + 4*rtpenginetest.RRSize
	live.want(t, map[string]float64{
		`rtpengine_up{server="rtp1"}`:                                   1,
		`rtpengine_sessions{server="rtp1",type="own"}`:                  3,
		`rtpengine_sessions{server="rtp1",type="foreign"}`:              0,
		`rtpengine_packets_total{server="rtp1",type="userspace"}`:       packets,
		`rtpengine_bytes_total{server="rtp1",type="userspace"}`:         bytes,
		`rtpengine_packets_total{server="rtp1",type="kernel"}`:          0, // --table=-1
		`rtpengine_packet_errors_total{server="rtp1",type="userspace"}`: 0,
		`rtpengine_sessions_total{server="rtp1"}`:                       0, // counted when closed
		`rtpengine_qos_live_calls{server="rtp1"}`:                       3,
		`rtpengine_qos_finished_calls_total{server="rtp1"}`:             0,
		`rtpengine_qos_mos_score_count{server="rtp1"}`:                  0,
		// ssrc.c: a MOS needs the RTT of both legs, so the caller's first
		// RR (before any RTT of the callee's leg) has none: 3 of 4 RRs.
		`rtpengine_mos_samples_total{server="rtp1"}`:                                                      3,
		`voip_exporter_scrape_collector_success{collector="statistics",server="rtp1",source="rtpengine"}`: 1,
		`voip_exporter_scrape_collector_success{collector="query",server="rtp1",source="rtpengine"}`:      1,
	})
	ref := queryAverages(t, e, main.ID)
	if ref.n != 2 || ref.progressionSamplesWithMOS != 3 {
		t.Fatalf("rtpengine's query has %d SSRCs with an average MOS and %d reports with a MOS, want 2 and 3", ref.n, ref.progressionSamplesWithMOS)
	}
	live.want(t, map[string]float64{`rtpengine_mos_total{server="rtp1"}`: ref.progressionMOS})
	sameAsOwnEndpoint(t, e, live)

	for _, c := range []*rtpenginetest.Call{main, oneWay, silent} {
		if err := c.Delete(ctx); err != nil {
			t.Fatal(err)
		}
	}
	done := scrape(t, inst)
	done.want(t, map[string]float64{
		`rtpengine_up{server="rtp1"}`:                                        1,
		`rtpengine_sessions{server="rtp1",type="own"}`:                       0,
		`rtpengine_sessions_total{server="rtp1"}`:                            3,
		`rtpengine_closed_sessions_total{reason="terminated",server="rtp1"}`: 3,
		`rtpengine_closed_sessions_total{reason="timeout",server="rtp1"}`:    0,
		// statistics.c statistics_update_oneway: the one-way call's caller
		// side relayed 50 packets and its callee side none; the silent
		// call's two sides none (2 / 2 = 1 zero-packet stream).
		`rtpengine_one_way_sessions_total{server="rtp1"}`:         1,
		`rtpengine_zero_packet_streams_total{server="rtp1"}`:      1,
		`rtpengine_packets_total{server="rtp1",type="userspace"}`: packets,
		// The three calls ended after the first scrape saw them; the main
		// call's two SSRCs carry rtpengine's average MOS.
		`rtpengine_qos_finished_calls_total{server="rtp1"}`: 3,
		`rtpengine_qos_live_calls{server="rtp1"}`:           0,
		`rtpengine_qos_mos_score_count{server="rtp1"}`:      2,
		`rtpengine_qos_mos_score_sum{server="rtp1"}`:        ref.mos,
		`rtpengine_qos_jitter_seconds_sum{server="rtp1"}`:   ref.jitter,
		`rtpengine_qos_loss_ratio_sum{server="rtp1"}`:       ref.loss,
		`rtpengine_qos_rtt_seconds_count{server="rtp1"}`:    2,
		`rtpengine_qos_rtt_seconds_sum{server="rtp1"}`:      ref.rtt,
		// The callee's reports: jitter 80/8000 s = 10 ms, loss 6/256 →
		// 6×100/256 = 2 % (integer, ssrc.c); the caller's: 40/8000 = 5 ms,
		// 0 %. Both fall at or under 10 ms and 2 %.
		`rtpengine_qos_jitter_seconds_bucket{le="0.005",server="rtp1"}`: 1,
		`rtpengine_qos_jitter_seconds_bucket{le="0.01",server="rtp1"}`:  2,
		`rtpengine_qos_loss_ratio_bucket{le="0",server="rtp1"}`:         1,
		`rtpengine_qos_loss_ratio_bucket{le="0.02",server="rtp1"}`:      2,
	})
	if ref.jitter != 0.015 || ref.loss != 0.02 {
		t.Errorf("rtpengine's averages: jitter %v s, loss %v, want 0.005 + 0.010 and 0 + 0.02", ref.jitter, ref.loss)
	}
	// ssrc.c mos_calc with RTT ≤ 100 ms, jitter ≤ 10 ms, loss ≤ 2 %:
	// R ≥ 93.2 − (100+20+10)/40 − 2×2.5 = 84.95, MOS ≥ 4.19 → 41 or more.
	if ref.mos < 2*4.1 || ref.mos > 2*4.4 {
		t.Errorf("MOS sum %v, want two MOS of 4.1–4.4", ref.mos)
	}
	if d := done[`rtpengine_call_duration_seconds_total{server="rtp1"}`]; d <= 0 {
		t.Errorf("call duration total %v, want > 0", d)
	}
	sameAsOwnEndpoint(t, e, done)

	// The metric reference, from this scrape (UPDATE_METRICS_DOC=1 rewrites it).
	const docPath = "../../docs/metrics-rtpengine.md"
	doc := metricsDoc(t, lastScrape, "a scrape of a real rtpengine after real calls (`collector/rtpengine/real_test.go`)",
		func(n string) bool {
			return strings.HasPrefix(n, "rtpengine_") || strings.HasPrefix(n, "voip_exporter_ng_")
		})
	if os.Getenv("UPDATE_METRICS_DOC") != "" {
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if have, err := os.ReadFile(docPath); err != nil || string(have) != doc {
		t.Errorf("%s is stale: run `UPDATE_METRICS_DOC=1 go test ./collector/rtpengine` and commit it (err=%v)", docPath, err)
	}
}

// sameAsOwnEndpoint compares every series we export under one of
// rtpengine's own /metrics names with the value there (uptime and the ng
// counters, which our own statistics call moves, left out).
func sameAsOwnEndpoint(t *testing.T, e *rtpenginetest.Engine, ours series) {
	t.Helper()
	theirs := get(t, e.MetricsURL)
	renamed := map[string]string{
		"rtpengine_call_duration_total":  "rtpengine_call_duration_seconds_total",
		"rtpengine_call_duration2_total": "rtpengine_call_duration_seconds_squared_total",
	}
	compared := 0
	for k, v := range theirs {
		name, labels, _ := strings.Cut(k, "{")
		switch name {
		case "rtpengine_uptime_seconds", "rtpengine_requests_total", "rtpengine_request_seconds_total", "rtpengine_call_duration_avg":
			continue
		}
		if n, ok := renamed[name]; ok {
			name = n
		}
		key := name + `{server="rtp1"}`
		if labels != "" {
			key = name + "{" + mergeServer(labels) + "}"
		}
		got, ok := ours[key]
		if !ok {
			t.Errorf("rtpengine's %s = %v is not exported (as %s)", k, v, key)
			continue
		}
		if !near(got, v) {
			t.Errorf("%s = %v, rtpengine's own endpoint says %v", key, got, v)
		}
		compared++
	}
	t.Logf("%d series compared with rtpengine's own endpoint", compared)
	if compared < 25 {
		t.Errorf("only %d series compared with rtpengine's endpoint", compared)
	}
}

func mergeServer(labels string) string {
	labels = strings.TrimSuffix(labels, "}")
	ls := append(strings.Split(labels, ","), `server="rtp1"`)
	sortStrings(ls)
	return strings.Join(ls, ",")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
