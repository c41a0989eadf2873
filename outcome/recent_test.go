package outcome

import (
	"math"
	"testing"
	"time"
)

// Recent sums the last 15 minutes per gateway (the current minute and the 14 before it), from a clock
// the test moves: minute 0 has gw1 1 answered + 2 busy and gw2 1 congestion; minute 14 gw1 1 answered.
func TestRecentWindow(t *testing.T) {
	now := time.Date(2030, 6, 15, 10, 0, 30, 0, time.UTC)
	tr := New(Options{Now: func() time.Time { return now }})
	rec := func(gw string, answered bool, cause int) {
		tr.Record(&Attempt{Gateway: gw, Direction: "outbound", Answered: answered, Cause: cause, PDD: math.NaN()})
	}
	rec("gw1", true, CauseNormalClearing)
	rec("gw1", false, CauseUserBusy)
	rec("gw1", false, CauseUserBusy)
	rec("gw2", false, CauseCongestion)
	now = now.Add(14 * time.Minute)
	rec("gw1", true, CauseNormalClearing)
	got := tr.Recent()
	// gw1: 4 attempts, 2 answered → ASR 0.5, top cause USER_BUSY ×2; gw2: 1 attempt, ASR 0.
	if len(got) != 2 || got[0].Gateway != "gw1" || got[0].Attempts != 4 || got[0].Answered != 2 || got[0].ASR != 0.5 ||
		got[0].TopCause != "USER_BUSY" || got[0].TopCauseCount != 2 ||
		got[1].Gateway != "gw2" || got[1].Attempts != 1 || got[1].ASR != 0 || got[1].TopCause != "NORMAL_CIRCUIT_CONGESTION" {
		t.Fatalf("at minute 14: %+v", got)
	}
	// Minute 15: minute 0 has left the window; its bucket is reused by a new attempt of gw2.
	now = now.Add(time.Minute)
	rec("gw2", true, CauseNormalClearing)
	got = tr.Recent()
	if len(got) != 2 || got[0].Attempts != 1 || got[1].Attempts != 1 {
		t.Fatalf("at minute 15: %+v, want gw1 1 (minute 14) and gw2 1 (minute 15)", got)
	}
	for _, g := range got {
		if g.ASR != 1 || g.TopCause != "" {
			t.Errorf("at minute 15: %+v, want ASR 1, no cause", g)
		}
	}
	// An hour later nothing is recent.
	now = now.Add(time.Hour)
	if got := tr.Recent(); len(got) != 0 {
		t.Errorf("an hour later: %+v", got)
	}
}
