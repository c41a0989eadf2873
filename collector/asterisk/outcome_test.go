package asterisk

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	simast "github.com/voip-exporter/voip_exporter/sim/asterisk"
)

// End to end: the simulator places N attempts of each kind from the PJSIP phone 2031 through the trunk
// endpoint pjcarrier1 (events as sim/asterisk/outcomes.go documents them, from Asterisk's source), the
// collector's AMI client (Events mask + filters of onConnect) feeds the tracker, and the exported
// counters are the attempts placed: ASR = answered / attempts.
func TestOutcomesEndToEnd(t *testing.T) {
	s := startSim(t, simast.Lab())
	inst := newInstance(t, amiConfig(s))
	waitConnected(t, inst)
	waitSubscribed(t, s, inst)
	base := inst.Outcomes().Stats().Recorded

	const n = 3
	kinds := []simast.AttemptKind{simast.AttemptAnswered, simast.AttemptBusy, simast.AttemptNoAnswer, simast.AttemptRejected,
		simast.AttemptCongestion, simast.AttemptUnallocated, simast.AttemptCancel}
	var answered []simast.CallID
	for range n {
		for _, k := range kinds {
			id, err := s.PlaceAttempt(simast.AttemptSpec{From: "2031", To: "pjcarrier1", Kind: k})
			if err != nil {
				t.Fatal(err)
			}
			if k == simast.AttemptAnswered {
				answered = append(answered, id)
			}
		}
	}
	for _, id := range answered {
		s.Hangup(id)
	}
	// 7 kinds × 3 = 21 attempts, all recorded once their Hangup arrived.
	waitRecorded(t, inst, base+uint64(n*len(kinds)))

	expo := scrape(t, inst)
	want := map[string]float64{
		// answered: the 3 AttemptAnswered; busy: 3 × DialStatus BUSY / cause 17; no_answer: 3 × NOANSWER / 19;
		// rejected: 3 × NOANSWER / 21; cancelled: 3 × CANCEL; failed: 3 × CONGESTION / 34 + 3 × NOANSWER / 1.
		"answered": 3, "busy": 3, "no_answer": 3, "rejected": 3, "cancelled": 3, "failed": 6,
	}
	var total, ans float64
	for o, v := range want {
		got := metricValue(t, expo, "voip_call_attempts_total", map[string]string{"gateway": "pjcarrier1", "direction": "outbound", "outcome": o, "source": "asterisk"})
		if got != v {
			t.Errorf("attempts outcome=%s = %v, want %v", o, got, v)
		}
		total += got
		if o == "answered" {
			ans = got
		}
	}
	if total != 21 || ans/total != 3.0/21 {
		t.Errorf("ASR = %v/%v, want 3/21", ans, total)
	}
	for cause, v := range map[string]float64{"USER_BUSY": 3, "NO_ANSWER": 3, "CALL_REJECTED": 3, "NORMAL_CIRCUIT_CONGESTION": 3,
		"UNALLOCATED_NUMBER": 3, "NORMAL_CLEARING": 3} {
		if got := metricValue(t, expo, "voip_call_failures_total", map[string]string{"gateway": "pjcarrier1", "cause": cause}); got != v {
			t.Errorf("failures cause=%s = %v, want %v", cause, got, v)
		}
	}
	// TechCause of each PJSIP failure (none on the cancelled ones); 200 for the answered.
	for code, v := range map[string]float64{"486": 3, "480": 3, "603": 3, "503": 3, "404": 3, "200": 3} {
		if got := metricValue(t, expo, "voip_call_sip_final_responses_total", map[string]string{"gateway": "pjcarrier1", "code": code}); got != v {
			t.Errorf("sip code=%s = %v, want %v", code, got, v)
		}
	}
	// PDD: every attempt that rang (answered, no answer, cancel: 3 × 3) is observed; duration: the 3 answered.
	if got := metricValue(t, expo, "voip_call_post_dial_delay_seconds_count", map[string]string{"gateway": "pjcarrier1"}); got != 9 {
		t.Errorf("PDD count = %v, want 9", got)
	}
	if got := metricValue(t, expo, "voip_call_answered_duration_seconds_count", map[string]string{"gateway": "pjcarrier1"}); got != 3 {
		t.Errorf("duration count = %v, want 3", got)
	}
	if a := inst.Outcomes().AsteriskStats(); a.Live != 0 {
		t.Errorf("live legs = %d, want 0", a.Live)
	}
	expect(t, expo, map[string]string{"voip_exporter_outcome_asterisk_dials_in_progress": "0",
		"voip_exporter_outcome_asterisk_dials_untracked_total": "0", "voip_exporter_outcome_asterisk_cdr_ignored_total": "0"})
}

// waitSubscribed returns once the client follows dialled calls (its Events and Filter actions are
// through): it places probe calls to the phone 2032 (series gateway="2032", apart from the trunk's) until
// one is recorded.
func waitSubscribed(t *testing.T, s *simast.Server, inst *Instance) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for inst.Outcomes().Stats().Recorded == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no probe call recorded: the client never got the Dial events")
		}
		id, err := s.PlaceAttempt(simast.AttemptSpec{From: "2031", To: "2032", Kind: simast.AttemptAnswered})
		if err != nil {
			t.Fatal(err)
		}
		s.Hangup(id)
		time.Sleep(20 * time.Millisecond)
	}
}

func waitRecorded(t *testing.T, inst *Instance, want uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for inst.Outcomes().Stats().Recorded < want {
		if time.Now().After(deadline) {
			t.Fatalf("recorded %d, want %d", inst.Outcomes().Stats().Recorded, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// metricValue sums the samples of a family (or a histogram's _count) whose labels include want.
func metricValue(t *testing.T, expo, name string, want map[string]string) float64 {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(expo))
	if err != nil {
		t.Fatal(err)
	}
	fam, count := name, false
	if f, ok := strings.CutSuffix(name, "_count"); ok && fams[name] == nil {
		fam, count = f, true
	}
	mf := fams[fam]
	if mf == nil {
		t.Fatalf("no %s in the scrape", fam)
	}
	var sum float64
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case count:
			sum += float64(m.GetHistogram().GetSampleCount())
		case m.GetCounter() != nil:
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
