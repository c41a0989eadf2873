package asterisk

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
)

type eventLog struct {
	mu  sync.Mutex
	evs []*ami.Message
}

func (l *eventLog) add(m *ami.Message) { l.mu.Lock(); l.evs = append(l.evs, m); l.mu.Unlock() }

// wait returns the call events (not RTCP, not the login's FullyBooted) once n have arrived.
func (l *eventLog) wait(t *testing.T, n int) []*ami.Message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		var out []*ami.Message
		for _, m := range l.evs {
			if e := m.Event(); !strings.HasPrefix(e, "RTCP") && e != "FullyBooted" {
				out = append(out, m)
			}
		}
		l.mu.Unlock()
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d call events, want %d", len(out), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func keys(m *ami.Message) string {
	var b strings.Builder
	for i := range m.Len() {
		k, _ := m.Header(i)
		b.WriteString(k + " ")
	}
	return b.String()
}

// An answered attempt sends the events of the real call in testdata/asterisk/ami/events/01 (1031 dials
// SIP/1032, answered at once), in its order and with its header names: Newchannel, Newstate Ring,
// Newchannel, DialBegin, Newstate Ringing, DialState RINGING, Newstate Up, DialEnd ANSWER, Newstate Up,
// then two Hangups (Cause 16, Normal Clearing). The capture's other events (bridges, connected line,
// device state, SoftHangupRequest) are left out.
func TestAttemptMatchesCapture(t *testing.T) {
	want := map[string]*ami.Message{}
	var wantSeq []string
	for _, m := range readAll(t, "events/01-lifecycle-exporter-default.raw") {
		switch e := m.Event(); e {
		case "Newchannel", "Newstate", "DialBegin", "DialState", "DialEnd", "Hangup":
			wantSeq = append(wantSeq, e+":"+m.Get("ChannelState")+":"+m.Get("DialStatus"))
			if want[e] == nil {
				want[e] = m
			}
		}
	}
	s := start(t, Lab())
	var log eventLog
	dial(t, s, "on", log.add)
	// The login's "Events: on" is in force once dial returns.
	id, err := s.PlaceAttempt(AttemptSpec{Tech: "SIP", From: "1031", To: "1032", Kind: AttemptAnswered})
	if err != nil {
		t.Fatal(err)
	}
	s.Hangup(id)
	got := log.wait(t, len(wantSeq))
	var gotSeq []string
	seen := map[string]bool{}
	for _, m := range got {
		e := m.Event()
		if want[e] == nil {
			continue
		}
		gotSeq = append(gotSeq, e+":"+m.Get("ChannelState")+":"+m.Get("DialStatus"))
		if !seen[e] {
			seen[e] = true
			if k, w := keys(m), keys(want[e]); k != w {
				t.Errorf("%s headers:\n got %s\nwant %s", e, k, w)
			}
		}
	}
	if strings.Join(gotSeq, " ") != strings.Join(wantSeq, " ") {
		t.Errorf("events:\n got %v\nwant %v", gotSeq, wantSeq)
	}
}

// Failed attempts over PJSIP: the DialStatus, Cause, Cause-txt and TechCause of each kind (the table in
// outcomes.go: res_pjsip.c:3525-3570 for the causes of the SIP codes, main/dial.c:752-765 for the
// statuses, main/channel.c:137-190 for the texts).
func TestFailedAttemptFields(t *testing.T) {
	s := start(t, Lab())
	var log eventLog
	dial(t, s, "on", log.add)
	cases := []struct {
		kind                          AttemptKind
		status, cause, txt, techCause string
	}{
		{AttemptBusy, "BUSY", "17", "User busy", "486"},
		{AttemptNoAnswer, "NOANSWER", "19", "User alerting, no answer", "480"},
		{AttemptRejected, "NOANSWER", "21", "Call Rejected", "603"},
		{AttemptCongestion, "CONGESTION", "34", "Circuit/channel congestion", "503"},
		{AttemptUnallocated, "NOANSWER", "1", "Unallocated (unassigned) number", "404"},
		{AttemptCancel, "CANCEL", "16", "Normal Clearing", ""},
	}
	for _, c := range cases {
		if _, err := s.PlaceAttempt(AttemptSpec{From: "2031", To: "pjcarrier1", Kind: c.kind}); err != nil {
			t.Fatal(err)
		}
	}
	// Per attempt: Newchannel, Newstate, Newchannel, DialBegin, [Newstate, DialState when it rang],
	// DialEnd, Hangup ×2 (the exporter account has no read=cdr: no Cdr) = 7; 2 of the 6 rang: 6×7 + 2×2.
	evs := log.wait(t, 6*7+2*2)
	var ends, hangups []*ami.Message
	for _, m := range evs {
		switch m.Event() {
		case "DialEnd":
			ends = append(ends, m)
		case "Hangup":
			if strings.HasPrefix(m.Get("Channel"), "PJSIP/pjcarrier1-") {
				hangups = append(hangups, m)
			}
		case "Cdr":
			t.Error("a Cdr reached an account without read=cdr")
		}
	}
	if len(ends) != len(cases) || len(hangups) != len(cases) {
		t.Fatalf("%d DialEnd, %d trunk Hangups; want %d", len(ends), len(hangups), len(cases))
	}
	for i, c := range cases {
		if g := ends[i].Get("DialStatus"); g != c.status {
			t.Errorf("kind %d: DialStatus %q, want %q", c.kind, g, c.status)
		}
		if ends[i].Get("DestChannel") != hangups[i].Get("Channel") {
			t.Errorf("kind %d: DialEnd of %s, Hangup of %s", c.kind, ends[i].Get("DestChannel"), hangups[i].Get("Channel"))
		}
		h := hangups[i]
		tc, _ := h.Lookup("TechCause")
		if h.Get("Cause") != c.cause || h.Get("Cause-txt") != c.txt || tc != c.techCause {
			t.Errorf("kind %d: Hangup Cause %q %q TechCause %q, want %q %q %q", c.kind, h.Get("Cause"), h.Get("Cause-txt"), tc, c.cause, c.txt, c.techCause)
		}
	}
}
