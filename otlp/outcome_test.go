package otlp

import (
	"math"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/outcome"
)

// The outcome attributes of a log record: a cancelled attempt's cause 487 (ORIGINATOR_CANCEL) reports
// Q.850 16 (switch_channel_cause_q850, src/switch_channel.c:406-413: causes above 127 are NORMAL_CLEARING);
// an answered attempt's final response is the 200 (no failure status on it); no gateway is "none".
func TestLogRecordOutcome(t *testing.T) {
	r := testRecord("c")
	r.BillSec = math.NaN()
	a := &outcome.Attempt{Cause: outcome.CauseOriginatorCancel, SIPCode: 487, PDD: 0.8, Gateway: "gw1", Outcome: outcome.Cancelled}
	got := attrs(LogRecordOutcome(r, a, time.Unix(0, 0)))
	for k, want := range map[string]any{"call_outcome": "cancelled", "hangup_cause_q850": int64(16), "sip_final_code": int64(487),
		"post_dial_delay_seconds": 0.8, "gateway": "gw1"} {
		if got[k] != want {
			t.Errorf("cancelled: %s = %v, want %v", k, got[k], want)
		}
	}
	if _, ok := got["billsec_seconds"]; ok {
		t.Error("cancelled: billsec_seconds on an unanswered attempt")
	}
	a = &outcome.Attempt{Answered: true, Cause: 16, PDD: math.NaN(), Billsec: 26.1, Outcome: outcome.Answered}
	got = attrs(LogRecordOutcome(r, a, time.Unix(0, 0)))
	for k, want := range map[string]any{"call_outcome": "answered", "hangup_cause_q850": int64(16), "sip_final_code": int64(200),
		"gateway": "none", "billsec_seconds": 26.1} {
		if got[k] != want {
			t.Errorf("answered: %s = %v, want %v", k, got[k], want)
		}
	}
	if _, ok := got["post_dial_delay_seconds"]; ok {
		t.Error("answered: a PDD though none was known")
	}
	if _, ok := attrs(LogRecord(testRecord("d"), time.Unix(0, 0)))["call_outcome"]; ok {
		t.Error("LogRecord without an outcome has call_outcome")
	}
}
