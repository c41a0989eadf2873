package outcome

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
)

const amiEventsDir = "../testdata/asterisk/ami/events"

// chunkReader returns a capture's bytes one recorded recv() at a time and sets *now to that recv's time.
type chunkReader struct {
	raw    []byte
	chunks [][2]float64 // seconds from connect, bytes
	base   time.Time
	now    *time.Time
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	c := &r.chunks[0]
	*r.now = r.base.Add(time.Duration(c[0] * float64(time.Second)))
	n := copy(p, r.raw[:int(c[1])])
	r.raw = r.raw[n:]
	if c[1] -= float64(n); c[1] == 0 {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

// replayAMI feeds a real AMI capture to a tracker whose clock is the capture's recv() times
// (testdata/asterisk-NAME.recv, from the capture's annotated file).
func replayAMI(t *testing.T, name string) *Tracker {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(amiEventsDir, name+".raw"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "asterisk-"+name+".recv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var chunks [][2]float64
	total := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") || l == "" {
			continue
		}
		ts, n, _ := strings.Cut(l, " ")
		sec, err1 := strconv.ParseFloat(ts, 64)
		b, err2 := strconv.Atoi(n)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line %q", l)
		}
		chunks = append(chunks, [2]float64{sec, float64(b)})
		total += b
	}
	if total != len(raw) {
		t.Fatalf("%s: recv chunks hold %d bytes, the capture %d", name, total, len(raw))
	}
	var now time.Time
	tr := New(Options{Source: "asterisk", Now: func() time.Time { return now }})
	cr := &chunkReader{raw: raw, chunks: chunks, base: time.Date(2026, 11, 23, 0, 27, 4, 0, time.UTC), now: &now}
	rd := ami.NewReader(cr, ami.ReaderOptions{})
	if _, err := rd.ReadGreeting(); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := rd.ReadMessage()
		if err != nil {
			break
		}
		if m.IsEvent() {
			tr.HandleAMI(m)
		}
	}
	return tr
}

// The real call of testdata/asterisk/ami/events/01 (README: baresip 1031 dials 41032 → Dial(SIP/1032),
// answered at once, hung up by TIMEOUT(absolute)=20): one attempt, the channel DialBegin dials
// (DestChannel: SIP/1032-0000000b → trunk "1032"); DialEnd "DialStatus: ANSWER"; its Hangup
// "Cause: 16 / Cause-txt: Normal Clearing". The caller SIP/1031-0000000a is not dialled: no attempt.
// Times (the annotated capture's recv() lines): DialBegin and the Newstate "ChannelState: 5 Ringing" of
// SIP/1032 both arrive in the recv at t=3.717 → PDD 0; DialEnd ANSWER at t=3.732, the Hangup of
// SIP/1032 at t=23.719 → duration 23.719 − 3.732 = 19.987 s (the 20 s absolute timeout, counted from
// the caller's answer a few ms earlier).
func TestAsteriskRealAnsweredCall(t *testing.T) {
	tr := replayAMI(t, "01-lifecycle-exporter-default")
	snaps := tr.Snapshots()
	if len(snaps) != 1 {
		t.Fatalf("series = %+v, want 1", snaps)
	}
	s := snapshot(t, tr, "1032", "outbound", UnknownLabel)
	if len(s.Outcomes) != 1 || s.Outcomes["answered"] != 1 {
		t.Errorf("outcomes = %v, want answered 1", s.Outcomes)
	}
	if len(s.Causes) != 0 {
		t.Errorf("failure causes = %v, want none (answered)", s.Causes)
	}
	if len(s.SIPCodes) != 1 || s.SIPCodes["200"] != 1 {
		t.Errorf("sip = %v, want 200:1 (an answered INVITE)", s.SIPCodes)
	}
	if s.PDDCount != 1 || !near(s.PDDSum, 0) {
		t.Errorf("PDD count %d sum %g, want 1 and 0 (3.717 − 3.717)", s.PDDCount, s.PDDSum)
	}
	if s.DurationCount != 1 || math.Abs(s.DurationSum-19.987) > 1e-6 {
		t.Errorf("duration count %d sum %g, want 1 and 19.987 (23.719 − 3.732)", s.DurationCount, s.DurationSum)
	}
	st := tr.Stats()
	if st.Recorded != 1 {
		t.Errorf("recorded %d, want 1", st.Recorded)
	}
	for k, n := range st.Invalid {
		if n != 0 {
			t.Errorf("invalid %s = %d", k, n)
		}
	}
	if a := tr.AsteriskStats(); a.Live != 0 {
		t.Errorf("live legs after the call = %d, want 0", a.Live)
	}
}

// testdata/asterisk/ami/events/03 is the same call through "Events EventMask: call,reporting" and the
// filters Event: Hangup / Newchannel / RTCP.* (its .tx): no DialBegin reaches the client, so no attempt
// can be told from the other channels — the reason the collector also asks for the Dial events.
func TestAsteriskRealFilteredCaptureHasNoAttempt(t *testing.T) {
	tr := replayAMI(t, "03-lifecycle-exporter-filtered")
	if st := tr.Stats(); st.Recorded != 0 || len(tr.Snapshots()) != 0 {
		t.Fatalf("recorded %d, series %v; want none (no Dial events in the capture)", st.Recorded, tr.Snapshots())
	}
}

// amiEvent builds an event message as Asterisk writes it (CRLF lines, blank line).
func amiEvent(tb testing.TB, kv ...string) *ami.Message {
	tb.Helper()
	var b bytes.Buffer
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(kv[i] + ": " + kv[i+1] + "\r\n")
	}
	b.WriteString("\r\n")
	m, err := ami.NewReader(&b, ami.ReaderOptions{}).ReadMessage()
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// dialAttempt plays one dialled PJSIP channel: DialBegin, (Ringing), DialEnd status, Hangup cause/techCause.
type astCall struct {
	dest, status string
	cause        int
	techCause    int // 0: none
	ring, answer bool
}

func playAsterisk(tb testing.TB, tr *Tracker, clock *time.Time, c astCall) {
	tb.Helper()
	step := func(d time.Duration) { *clock = clock.Add(d) }
	tr.HandleAMI(amiEvent(tb, "Event", "Newchannel", "Channel", c.dest, "ChannelState", "0", "Uniqueid", "1.2"))
	tr.HandleAMI(amiEvent(tb, "Event", "DialBegin", "Channel", "PJSIP/phone-00000001", "DestChannel", c.dest, "DialString", "x"))
	if c.ring {
		step(1500 * time.Millisecond)
		tr.HandleAMI(amiEvent(tb, "Event", "Newstate", "Channel", c.dest, "ChannelState", "5", "ChannelStateDesc", "Ringing"))
		tr.HandleAMI(amiEvent(tb, "Event", "DialState", "Channel", "PJSIP/phone-00000001", "DestChannel", c.dest, "DialStatus", "RINGING"))
	}
	step(2 * time.Second)
	if c.answer {
		tr.HandleAMI(amiEvent(tb, "Event", "Newstate", "Channel", c.dest, "ChannelState", "6", "ChannelStateDesc", "Up"))
	}
	tr.HandleAMI(amiEvent(tb, "Event", "DialEnd", "Channel", "PJSIP/phone-00000001", "DestChannel", c.dest, "DialStatus", c.status))
	if c.answer {
		step(30 * time.Second)
	}
	kv := []string{"Event", "Hangup", "Channel", c.dest, "Cause", strconv.Itoa(c.cause), "Cause-txt", "x"}
	if c.techCause != 0 {
		kv = append(kv, "TechCause", strconv.Itoa(c.techCause))
	}
	tr.HandleAMI(amiEvent(tb, kv...))
}

// Failed attempts with the fields Asterisk sends (asterisk/asterisk@f0c1c1a7):
//   - busy: a 486 ends the PJSIP session; chan_pjsip.c:3148-3177 takes the tech cause 486 and
//     res_pjsip.c:3525 ast_sip_hangup_sip2cause(486) = AST_CAUSE_BUSY 17 (causes.h:149); app_dial's read
//     of the hung-up channel publishes ast_hangup_cause_to_dial_status(17) = "BUSY" (app_dial.c:1397,
//     dial.c:755-756);
//   - no answer: 480 → AST_CAUSE_NO_ANSWER 19 → "NOANSWER" (dial.c:762-763 default);
//   - rejected: 603 → AST_CAUSE_CALL_REJECTED 21 → "NOANSWER" (the default of dial.c:752-765);
//   - congestion: 503 → AST_CAUSE_CONGESTION 34 (causes.h:153) → "CONGESTION" (dial.c:757-758);
//   - unallocated: 404 → AST_CAUSE_UNALLOCATED 1 → "NOANSWER";
//   - cancel: the caller hangs up while it rings: DialEnd "CANCEL" (app_dial.c:1805-1807), then hanguptree
//     with NORMAL_CLEARING 16 when the caller had no cause (app_dial.c:3455-3460);
//   - Dial's timeout: "NOANSWER" (app_dial.c:1964) and the ringing channel's own cause 0.
func TestAsteriskFailedAttempts(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := New(Options{Source: "asterisk", Now: func() time.Time { return clock }})
	calls := []astCall{
		{dest: "PJSIP/carrier-00000001", status: "BUSY", cause: 17, techCause: 486},
		{dest: "PJSIP/carrier-00000002", status: "NOANSWER", cause: 19, techCause: 480, ring: true},
		{dest: "PJSIP/carrier-00000003", status: "NOANSWER", cause: 21, techCause: 603},
		{dest: "PJSIP/carrier-00000004", status: "CONGESTION", cause: 34, techCause: 503},
		{dest: "PJSIP/carrier-00000005", status: "NOANSWER", cause: 1, techCause: 404},
		{dest: "PJSIP/carrier-00000006", status: "CANCEL", cause: 16, ring: true},
		{dest: "PJSIP/carrier-00000007", status: "NOANSWER", cause: 0, ring: true},
		{dest: "PJSIP/carrier-00000008", status: "ANSWER", cause: 16, ring: true, answer: true},
		{dest: "SIP/carrier-00000009", status: "ANSWER", cause: 16, answer: true},
	}
	for _, c := range calls {
		playAsterisk(t, tr, &clock, c)
	}
	s := snapshot(t, tr, "carrier", "outbound", UnknownLabel)
	// answered: calls 8 and 9; busy 1; no_answer 2 and 7; rejected 3; cancelled 6; failed 4 (34) and 5 (1).
	want := map[string]uint64{"answered": 2, "busy": 1, "no_answer": 2, "rejected": 1, "cancelled": 1, "failed": 2}
	for k, n := range want {
		if s.Outcomes[k] != n {
			t.Errorf("outcome %s = %d, want %d (all %v)", k, s.Outcomes[k], n, s.Outcomes)
		}
	}
	wantCauses := map[string]uint64{"USER_BUSY": 1, "NO_ANSWER": 1, "CALL_REJECTED": 1, "NORMAL_CIRCUIT_CONGESTION": 1,
		"UNALLOCATED_NUMBER": 1, "NORMAL_CLEARING": 1, "NONE": 1} // 0: FreeSWITCH's NONE (Asterisk AST_CAUSE_NOTDEFINED, "Unknown")
	if len(s.Causes) != len(wantCauses) {
		t.Errorf("causes = %v, want %v", s.Causes, wantCauses)
	}
	for k, n := range wantCauses {
		if s.Causes[k] != n {
			t.Errorf("cause %s = %d, want %d (all %v)", k, s.Causes[k], n, s.Causes)
		}
	}
	// TechCause of the five PJSIP failures; the two answered: 200.
	wantSIP := map[string]uint64{"486": 1, "480": 1, "603": 1, "503": 1, "404": 1, "200": 2}
	for k, n := range wantSIP {
		if s.SIPCodes[k] != n {
			t.Errorf("sip %s = %d, want %d (all %v)", k, s.SIPCodes[k], n, s.SIPCodes)
		}
	}
	// PDD: the four ringing calls 1.5 s each, the answered SIP/ call at its answer 2 s: 5 × … = 8 s.
	if s.PDDCount != 5 || !near(s.PDDSum, 4*1.5+2) {
		t.Errorf("PDD count %d sum %g, want 5 and 8", s.PDDCount, s.PDDSum)
	}
	// Duration: the two answered calls, 30 s each (Newstate Up → Hangup).
	if s.DurationCount != 2 || !near(s.DurationSum, 60) {
		t.Errorf("duration count %d sum %g, want 2 and 60", s.DurationCount, s.DurationSum)
	}
	if a := tr.AsteriskStats(); a.Live != 0 {
		t.Errorf("live = %d", a.Live)
	}
}

func TestAsteriskTrunk(t *testing.T) {
	for in, want := range map[string]string{
		"PJSIP/carrier-0000001a":                  "carrier",
		"SIP/carrier-00000001":                    "carrier",
		"SIP/my-trunk-0000000b":                   "my-trunk",
		"IAX2/peer1-12345":                        "peer1",
		"DAHDI/i1/5551234-1":                      "DAHDI",
		"PJSIP/bad name-00000001":                 "",
		"nochannel":                               "",
		"PJSIP/" + strings.Repeat("a", 70) + "-1": "",
	} {
		if got := AsteriskTrunk(in); got != want {
			t.Errorf("AsteriskTrunk(%q) = %q, want %q", in, got, want)
		}
	}
}

// A Local channel is not an attempt; an unrelated Hangup, a DialEnd without DialBegin count nothing.
func TestAsteriskNotAttempts(t *testing.T) {
	tr := New(Options{Source: "asterisk"})
	tr.HandleAMI(amiEvent(t, "Event", "DialBegin", "Channel", "SIP/1031-1", "DestChannel", "Local/100@default-00000001;1"))
	tr.HandleAMI(amiEvent(t, "Event", "DialEnd", "Channel", "SIP/1031-1", "DestChannel", "Local/100@default-00000001;1", "DialStatus", "ANSWER"))
	tr.HandleAMI(amiEvent(t, "Event", "Hangup", "Channel", "Local/100@default-00000001;1", "Cause", "16"))
	tr.HandleAMI(amiEvent(t, "Event", "Hangup", "Channel", "SIP/1031-1", "Cause", "16"))
	tr.HandleAMI(amiEvent(t, "Event", "DialEnd", "DestChannel", "SIP/x-2", "DialStatus", "BUSY"))
	if n := tr.Stats().Recorded; n != 0 {
		t.Fatalf("recorded %d, want 0", n)
	}
}

// Cdr (cdr_manager.c:313-335): counted only for a dialled channel not followed through its Dial events.
func TestAsteriskCdr(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := New(Options{Source: "asterisk", Now: func() time.Time { return clock }})
	playAsterisk(t, tr, &clock, astCall{dest: "PJSIP/carrier-00000001", status: "BUSY", cause: 17, techCause: 486})
	cdr := func(dest, disp, bill string) {
		tr.HandleAMI(amiEvent(t, "Event", "Cdr", "Channel", "PJSIP/phone-00000001", "DestinationChannel", dest,
			"Duration", "40", "BillableSeconds", bill, "Disposition", disp))
	}
	cdr("PJSIP/carrier-00000001", "BUSY", "0")      // already counted at its Hangup
	cdr("PJSIP/carrier-00000002", "ANSWERED", "37") // never seen: counted
	cdr("PJSIP/carrier-00000002", "ANSWERED", "37") // the same again: not
	cdr("PJSIP/other-00000003", "NO ANSWER", "0")   // counted: no_answer, NO_ANSWER
	cdr("", "NO ANSWER", "0")                       // no DestinationChannel: not a dial
	s := snapshot(t, tr, "carrier", "outbound", UnknownLabel)
	if s.Outcomes["busy"] != 1 || s.Outcomes["answered"] != 1 || s.DurationCount != 1 || !near(s.DurationSum, 37) {
		t.Errorf("carrier = %+v, want busy 1, answered 1 with 37 s", s)
	}
	o := snapshot(t, tr, "other", "outbound", UnknownLabel)
	if o.Outcomes["no_answer"] != 1 || o.Causes["NO_ANSWER"] != 1 {
		t.Errorf("other = %+v", o)
	}
	if a := tr.AsteriskStats(); a.CdrIgnored != 2 {
		t.Errorf("cdr ignored = %d, want 2", a.CdrIgnored)
	}
}

func TestAsteriskOutcomeTable(t *testing.T) {
	for _, c := range []struct {
		status string
		cause  int
		want   Outcome
	}{
		{"ANSWER", 16, Answered}, {"BUSY", 17, Busy}, {"NOANSWER", 19, NoAnswer}, {"NOANSWER", 18, NoAnswer},
		{"NOANSWER", 0, NoAnswer}, {"NOANSWER", 16, NoAnswer}, {"NOANSWER", 21, Rejected}, {"NOANSWER", 1, Failed},
		{"NOANSWER", 17, Busy}, {"CANCEL", 16, Cancelled}, {"CONGESTION", 34, Failed}, {"CHANUNAVAIL", 20, Failed},
		{"DONTCALL", 16, Rejected}, {"TORTURE", 16, Rejected}, {"INVALID", 0, Failed}, {"WHATEVER", 17, Busy},
	} {
		if got := AsteriskOutcome(c.status, c.cause); got != c.want {
			t.Errorf("AsteriskOutcome(%s, %d) = %v, want %v", c.status, c.cause, got, c.want)
		}
	}
}

// After a reconnect (ResetAsterisk from OnConnect) the legs followed before are forgotten: their
// remaining events may be lost, and a Hangup of one of them counts nothing.
func TestAsteriskReset(t *testing.T) {
	tr := New(Options{Source: "asterisk"})
	tr.HandleAMI(amiEvent(t, "Event", "DialBegin", "Channel", "PJSIP/a-1", "DestChannel", "PJSIP/carrier-00000001"))
	if a := tr.AsteriskStats(); a.Live != 1 {
		t.Fatalf("live = %d, want 1", a.Live)
	}
	tr.ResetAsterisk()
	tr.HandleAMI(amiEvent(t, "Event", "Hangup", "Channel", "PJSIP/carrier-00000001", "Cause", "17"))
	if a, st := tr.AsteriskStats(), tr.Stats(); a.Live != 0 || st.Recorded != 0 {
		t.Fatalf("live %d, recorded %d after reset; want 0, 0", a.Live, st.Recorded)
	}
}
