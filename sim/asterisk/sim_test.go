package asterisk

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
)

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(t *testing.T, s *Server, events string, onEvent func(*ami.Message)) *ami.Conn {
	t.Helper()
	c, err := ami.Dial(context.Background(), s.Addr(), ami.Options{Username: "exporter", Secret: "exporterpass", Events: events, OnEvent: onEvent})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestCalls: calls build the channels, bridges and translations a real
// Asterisk shows (compare testdata/asterisk/cli/busy), and hang up cleanly.
func TestCalls(t *testing.T) {
	s := start(t, Lab())
	id, err := s.StartCall(CallSpec{From: "1031", To: "1032"})
	if err != nil {
		t.Fatal(err)
	}
	conf, _ := s.StartConference("SIP", "1033", "8000", 0)
	if _, err := s.StartCall(CallSpec{From: "1031", To: "nosuch"}); err == nil {
		t.Error("unknown peer accepted")
	}
	c := dial(t, s, "off", nil)
	_, items, err := c.List(context.Background(), "Status")
	if err != nil || len(items) != 3 {
		t.Fatalf("Status: %v %d", err, len(items))
	}
	want := map[string][3]string{
		"SIP/1031": {"(ulaw)", "", "(alaw@8000)->(ulaw@8000)"},
		"SIP/1032": {"(alaw)", "", "(ulaw@8000)->(alaw@8000)"},
		"SIP/1033": {"(ulaw)", "(ulaw@8000)->(slin@8000)", "(slin@8000)->(ulaw@8000)"},
	}
	for _, m := range items {
		w := want[m.Get("Channel")[:8]]
		if got := [3]string{m.Get("Nativeformats"), m.Get("Readtrans"), m.Get("Writetrans")}; got != w {
			t.Errorf("%s: %v, want %v", m.Get("Channel"), got, w)
		}
	}
	// The conference announcer pair is counted and shown by the CLI only.
	if out := s.CLI("core show channels count"); out != "5 active channels\n2 active calls\n2 calls processed\n" {
		t.Errorf("count: %q", out)
	}
	if out := s.CLI("confbridge list"); !strings.Contains(out, "8000                                  1      0 No     No") {
		t.Errorf("confbridge: %q", out)
	}
	s.Hangup(id)
	s.Hangup(conf)
	if out := s.CLI("core show channels count"); !strings.HasPrefix(out, "0 active channels\n0 active calls\n") {
		t.Errorf("after hangup: %q", out)
	}
	if _, _, err := c.List(context.Background(), "ConfbridgeListRooms"); err == nil || !strings.Contains(err.Error(), "No active conferences.") {
		t.Errorf("empty rooms: %v", err)
	}
}

// TestEvents: Newchannel, Hangup and RTCP events reach sessions whose
// read classes and event mask want them, through Filters.
func TestEvents(t *testing.T) {
	cfg := Lab()
	cfg.RTCPInterval = 10 * time.Millisecond
	s := start(t, cfg)
	got := make(chan *ami.Message, 1000)
	c := dial(t, s, "off", func(m *ami.Message) { got <- m })
	ctx := context.Background()
	if r, err := c.Action(ctx, "Events", ami.Header{Key: "EventMask", Value: "call,reporting"}); err != nil || r.Get("Events") != "On" {
		t.Fatalf("Events: %v %s", err, r)
	}
	for _, f := range []string{"Event: Hangup", "Event: RTCP"} {
		if _, err := c.Action(ctx, "Filter", ami.Header{Key: "Operation", Value: "Add"}, ami.Header{Key: "Filter", Value: f}); err != nil {
			t.Fatal(err)
		}
	}
	id, _ := s.StartCall(CallSpec{From: "1031", To: "1032", Loss: 0.5, RTT: 40 * time.Millisecond, Jitter: 2 * time.Millisecond})
	seen := map[string]*ami.Message{}
	deadline := time.After(3 * time.Second)
	for seen["RTCPSent"] == nil || seen["RTCPReceived"] == nil {
		select {
		case m := <-got:
			seen[m.Event()] = m
		case <-deadline:
			t.Fatalf("events seen: %v", seen)
		}
	}
	if seen["Newchannel"] != nil {
		t.Error("a filtered-out Newchannel arrived")
	}
	if r := seen["RTCPReceived"]; r.Get("RTT") != "0.0400" || r.Get("Report0FractionLost") != "128" || r.Get("Report0IAJitter") != "16" {
		t.Errorf("RTCPReceived %s", r)
	}
	s.Hangup(id)
	for {
		select {
		case m := <-got:
			if m.Event() == "Hangup" {
				if m.Get("Cause") != "16" {
					t.Errorf("Hangup %s", m)
				}
				return
			}
		case <-time.After(3 * time.Second):
			t.Fatal("no Hangup event")
		}
	}
}

func TestFaultsAndLifecycle(t *testing.T) {
	s := start(t, Lab())
	c := dial(t, s, "off", nil)
	s.SetFault(FaultDropMidList)
	if _, _, err := c.List(context.Background(), "SIPpeers"); err == nil {
		t.Fatal("list survived a drop")
	}
	s.SetFault(FaultNone)
	// Stop refuses connections; Resume listens again on the same address.
	s.Stop()
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		t.Error("still listening after Stop")
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	c = dial(t, s, "off", nil)
	s.SetFault(FaultGarbage)
	if err := c.Ping(context.Background()); err == nil {
		t.Error("garbage accepted")
	}
	s.SetFault(FaultNone)
	s.StartCall(CallSpec{From: "1031", To: "1032"})
	s.Restart()
	if n := s.ActiveChannels(); n != 0 {
		t.Errorf("%d channels after a restart", n)
	}
	if s.Sessions() != 0 {
		t.Error("sessions survived a restart")
	}
}

// TestVersions: chan_sip gone (Asterisk 21+) and the Command format of
// Asterisk ≤13.
func TestVersions(t *testing.T) {
	cfg := Lab()
	cfg.ChanSIP = false
	cfg.LegacyCommand = true
	cfg.Version, cfg.AMIVersion = "13.38.3", "2.10.6"
	s := start(t, cfg)
	c := dial(t, s, "off", nil)
	if c.Version() != "2.10.6" {
		t.Errorf("AMI version %q", c.Version())
	}
	if _, _, err := c.List(context.Background(), "SIPpeers"); !ami.IsUnknownAction(err) {
		t.Errorf("SIPpeers without chan_sip: %v", err)
	}
	out, err := c.Command(context.Background(), "core show channels count")
	if err != nil || out != "0 active channels\n0 active calls\n0 calls processed\n" {
		t.Errorf("legacy command: %q %v", out, err)
	}
	if out := s.CLI("sip show peers"); !strings.HasPrefix(out, "No such command 'sip show peers'") {
		t.Errorf("CLI without chan_sip: %q", out)
	}
}

// TestRemoteCLI: the control socket answers RunRemote as asterisk.ctl
// answers `asterisk -rx`; without it, the real client's complaint.
func TestRemoteCLI(t *testing.T) {
	s := start(t, Lab())
	sock := filepath.Join(t.TempDir(), "asterisk.ctl")
	if err := s.StartCLI(sock); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := RunRemote([]string{"-s", sock, "-rx", "core show uptime seconds"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "System uptime: ") {
		t.Errorf("%d %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := RunRemote([]string{"-s", sock, "-rx", "queue show"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "\x1b[1;31;40mUnavailable\x1b[0m") {
		t.Errorf("colours: %q", out.String())
	}
	s.StopCLI()
	errb.Reset()
	if code := RunRemote([]string{"-s", sock, "-rx", "core show version"}, &out, &errb); code != 1 ||
		!strings.HasPrefix(errb.String(), "Unable to connect to remote asterisk") {
		t.Errorf("no daemon: %d %q", code, errb.String())
	}
	if code := RunRemote([]string{"-rnx", "x"}, &out, &errb); code != 1 {
		t.Error("bad usage accepted")
	}
}

// TestRequestLimits: a request without an end is cut off.
func TestRequestLimits(t *testing.T) {
	s := start(t, Lab())
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	br.ReadString('\n')
	go func() {
		line := []byte("X-Junk: " + strings.Repeat("y", 4096) + "\r\n")
		for range 400 {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadString('\n'); err == nil {
		t.Error("an endless request was answered")
	}
}
