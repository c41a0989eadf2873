package outcome

import (
	"fmt"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
)

// astBenchCalls returns the parsed AMI events of n dialled calls (PJSIP, 20 trunks), in the order of
// the real capture testdata/asterisk/ami/events/01: Newstate Ring, DialBegin, Newstate Ringing,
// DialState RINGING, Newstate Up, DialEnd ANSWER, Newstate Up, Hangup ×2, plus one RTCPSent (not a
// call event); every fourth call fails instead (DialEnd BUSY, Hangup Cause 17 TechCause 486).
func astBenchCalls(tb testing.TB, n int) [][]*ami.Message {
	out := make([][]*ami.Message, n)
	for i := range out {
		caller, dest := fmt.Sprintf("PJSIP/phone-%08x", i), fmt.Sprintf("PJSIP/carrier%d-%08x", i%20, i)
		ch := func(name, state string, extra ...string) *ami.Message {
			kv := append([]string{"Event", name, "Privilege", "call,all", "Channel", caller, "ChannelState", state,
				"ChannelStateDesc", "Ring", "CallerIDNum", "1031", "CallerIDName", "Alice", "ConnectedLineNum", "<unknown>",
				"ConnectedLineName", "<unknown>", "Language", "en", "AccountCode", "", "Context", "internal", "Exten", "41032",
				"Priority", "3", "Uniqueid", "1795393628.18", "Linkedid", "1795393628.18"}, extra...)
			return amiEvent(tb, kv...)
		}
		dst := []string{"DestChannel", dest, "DestChannelState", "0", "DestChannelStateDesc", "Down", "DestCallerIDNum", "1032",
			"DestUniqueid", "1795393628.19"}
		busy := i%4 == 3
		evs := []*ami.Message{
			ch("Newstate", "4"),
			ch("DialBegin", "4", append(dst, "DialString", "carrier")...),
			amiEvent(tb, "Event", "Newstate", "Privilege", "call,all", "Channel", dest, "ChannelState", "5", "ChannelStateDesc", "Ringing"),
			ch("DialState", "4", append(dst, "DialStatus", "RINGING")...),
		}
		if busy {
			evs = append(evs, ch("DialEnd", "4", append(dst, "DialStatus", "BUSY")...),
				amiEvent(tb, "Event", "Hangup", "Privilege", "call,all", "Channel", dest, "ChannelState", "5", "Cause", "17", "Cause-txt", "User busy", "TechCause", "486"),
				ch("Hangup", "4", "Cause", "17", "Cause-txt", "User busy"))
		} else {
			evs = append(evs,
				amiEvent(tb, "Event", "Newstate", "Privilege", "call,all", "Channel", dest, "ChannelState", "6", "ChannelStateDesc", "Up"),
				ch("DialEnd", "4", append(dst, "DialStatus", "ANSWER")...),
				ch("Newstate", "6"),
				amiEvent(tb, "Event", "RTCPSent", "Privilege", "reporting,all", "Channel", dest, "SSRC", "0x1234", "PT", "200(SR)"),
				amiEvent(tb, "Event", "Hangup", "Privilege", "call,all", "Channel", dest, "ChannelState", "6", "Cause", "16", "Cause-txt", "Normal Clearing"),
				ch("Hangup", "6", "Cause", "16", "Cause-txt", "Normal Clearing"))
		}
		out[i] = evs
	}
	return out
}

// No allocation per event once warm: a second pass over the same calls (the same names, so the tables
// are at their size) allocates nothing.
func TestAsteriskHandleNoAllocs(t *testing.T) {
	calls := astBenchCalls(t, 200)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := New(Options{Source: "asterisk", Now: func() time.Time { clock = clock.Add(time.Millisecond); return clock }})
	pass := func() {
		for _, evs := range calls {
			for _, m := range evs {
				tr.HandleAMI(m)
			}
		}
	}
	pass()
	if allocs := testing.AllocsPerRun(5, pass); allocs != 0 {
		t.Errorf("%v allocations per pass of %d calls, want 0", allocs, len(calls))
	}
	// 200 calls: 150 answered, 50 busy (every fourth), each pass; 7 passes (ours, AllocsPerRun's warm-up
	// run and its 5).
	var ans, busy uint64
	for _, s := range tr.Snapshots() {
		ans += s.Outcomes["answered"]
		busy += s.Outcomes["busy"]
	}
	if ans != 7*150 || busy != 7*50 {
		t.Errorf("answered %d busy %d, want %d and %d", ans, busy, 7*150, 7*50)
	}
}

// BenchmarkHandleAMI: the outcome path alone, per AMI event (call and RTCP events of the mix above).
func BenchmarkHandleAMI(b *testing.B) {
	calls := astBenchCalls(b, 1000)
	tr := New(Options{Source: "asterisk"})
	var evs []*ami.Message
	for _, c := range calls {
		evs = append(evs, c...)
	}
	for _, m := range evs {
		tr.HandleAMI(m)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tr.HandleAMI(evs[i%len(evs)])
	}
}
