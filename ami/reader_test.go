package ami

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReaderCaptures parses every captured AMI session, whole and one byte
// at a time (Asterisk sends a response in several TCP segments), and checks
// both readings agree.
func TestReaderCaptures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(captures, "*", "*.raw"))
	if len(files) < 15 {
		t.Fatalf("found %d captures", len(files))
	}
	for _, f := range files {
		rel, _ := filepath.Rel(captures, f)
		t.Run(rel, func(t *testing.T) {
			whole := captureMessages(t, rel)
			if len(whole) == 0 {
				t.Fatal("no message")
			}
			raw := readCapture(t, rel)
			r := NewReader(iotest.OneByteReader(bytes.NewReader(raw)), ReaderOptions{})
			if v, err := r.ReadGreeting(); err != nil || v != "9.0.0" {
				t.Fatalf("greeting %q, %v", v, err)
			}
			for i, want := range whole {
				got, err := r.ReadMessage()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if got.String() != want.String() {
					t.Fatalf("message %d differs:\n%s\n---\n%s", i, got, want)
				}
			}
			if _, err := r.ReadMessage(); err != io.EOF {
				t.Fatalf("after the last message: %v, want io.EOF", err)
			}
		})
	}
}

// TestReaderMessages checks header access on captured messages: case,
// ActionID position, empty values, event-list markers.
func TestReaderMessages(t *testing.T) {
	msgs := captureMessages(t, "busy/10-queries.raw")
	byID := map[string][]*Message{}
	for _, m := range msgs {
		byID[m.ActionID()] = append(byID[m.ActionID()], m)
	}
	ping := byID["ping-1"][0]
	if ping.Response() != "Success" || ping.Get("ping") != "Pong" || ping.IsEvent() {
		t.Errorf("ping = %q", ping)
	}
	chans := byID["coreshowchannels-1"]
	if len(chans) != 12 { // response, 10 channels, Complete
		t.Fatalf("CoreShowChannels: %d messages", len(chans))
	}
	if !chans[0].IsListStart() || chans[0].IsEvent() {
		t.Errorf("list start not recognised: %s", chans[0])
	}
	if c := chans[1]; !c.IsEvent() || c.Event() != "CoreShowChannel" || c.Get("Channel") != "SIP/1032-00000007" ||
		c.Get("AccountCode") != "" || c.Get("BridgeId") != "e2f482fb-6674-457d-a9b7-48680c9c2a9b" {
		t.Errorf("channel event = %s", c)
	}
	if v, ok := chans[1].Lookup("AccountCode"); !ok || v != "" {
		t.Errorf("empty value: %q %v", v, ok)
	}
	if last := chans[11]; !last.IsListComplete() || last.Get("ListItems") != "10" {
		t.Errorf("complete = %s", last)
	}
	// QueueMember events carry their ActionID as the last header.
	q := byID["queuestatus-1"]
	if len(q) != 7 || q[2].Event() != "QueueMember" || q[2].Get("Name") != "Erin" {
		t.Fatalf("QueueStatus: %d messages, %v", len(q), q)
	}
	if k, _ := q[2].Header(q[2].Len() - 1); k != "ActionID" {
		t.Errorf("last header of QueueMember = %q", k)
	}
	if m := byID["sipshowpeer-nosuch"][0]; m.Response() != "Error" || m.Get("Message") != "Peer nosuchpeer not found." {
		t.Errorf("error response = %s", m)
	}
}

// TestReaderEdgeCases reads the captured edge cases: lower-case keys,
// "Action:Ping" without a space, two pipelined responses in one segment.
func TestReaderEdgeCases(t *testing.T) {
	msgs := captureMessages(t, "idle/12-edge-cases.raw")
	ids := []string{}
	for _, m := range msgs {
		ids = append(ids, m.ActionID())
	}
	want := "login-1 bad-1   pipe-A pipe-B pipe-C pipe-C pipe-C pipe-C pipe-C pipe-C pipe-C pipe-C pipe-C pipe-C pipe-D cmd-bad perm-1 ev-1 ev-2 ev-3 ev-4 lower-1 nospace-1 logoff-1"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("ActionIDs:\n%s\nwant\n%s", got, want)
	}
	for _, m := range msgs {
		if m.ActionID() == "cmd-bad" {
			if m.Response() != "Error" || !strings.HasPrefix(m.Output(), "No such command 'no such command'") {
				t.Errorf("unknown command = %s", m)
			}
			if e := errorText(m); !strings.HasPrefix(e, "No such command") {
				t.Errorf("errorText = %q", e)
			}
		}
	}
	// Requests as Asterisk accepts them: keys in any case, no space after the colon.
	r := NewReader(strings.NewReader("action: ping\r\nactionid: lower-1\r\n\r\nAction:Ping\r\nActionID:nospace-1\r\n\r\n"), ReaderOptions{})
	for _, id := range []string{"lower-1", "nospace-1"} {
		m, err := r.ReadMessage()
		if err != nil || m.Get("ACTION") != "Ping" && m.Get("action") != "ping" || m.ActionID() != id {
			t.Errorf("request %s: %v %s", id, err, m)
		}
	}
}

// TestCommandOutputIsCLIText checks that the Output: lines of the Command
// action rebuild exactly the bytes `asterisk -rx` printed for the same
// command on the same (idle, unchanging) box.
func TestCommandOutputIsCLIText(t *testing.T) {
	msgs := captureMessages(t, "idle/11-command-actions.raw")
	cmds := map[string]string{}
	for _, m := range parseRequests(t, "idle/11-command-actions.tx") {
		cmds[m.ActionID()] = m.Get("Command")
	}
	checked := 0
	for _, m := range msgs {
		cmd := cmds[m.ActionID()]
		switch cmd {
		case "core show version", "sip show peers", "sip show settings", "confbridge list", "sip show inuse",
			"module show like chan_", "sip show channelstats", "core show channels verbose", "core show translation":
		default:
			continue
		}
		slug := strings.Trim(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, cmd), "-")
		cli, err := os.ReadFile(filepath.Join("../testdata/asterisk/cli/idle", slug+".raw"))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Output(); got != string(cli) {
			t.Errorf("%s: AMI output differs from asterisk -rx:\n%q\n%q", cmd, got, cli)
		}
		checked++
	}
	if checked != 9 {
		t.Errorf("checked %d commands", checked)
	}
}

// parseRequests reads the actions a session sent (the .tx file).
func parseRequests(tb testing.TB, rel string) []*Message {
	tb.Helper()
	r := NewReader(bytes.NewReader(readCapture(tb, rel)), ReaderOptions{})
	var out []*Message
	for {
		m, err := r.ReadMessage()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, m)
	}
}

// TestReaderLegacyCommand reads the Asterisk ≤13 Command reply
// (main/manager.c action_command in Asterisk 13): "Response: Follows",
// Privilege, ActionID, the raw output with blank lines, "--END COMMAND--".
func TestReaderLegacyCommand(t *testing.T) {
	out := "\n\n  * Name       : carrier1\n  Secret       : <Set>\n"
	in := "Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\n" + out + "--END COMMAND--\r\n\r\n" +
		// no trailing newline before the marker, then an ordinary response
		"Response: Follows\r\nPrivilege: Command\r\nActionID: 8\r\n1 active call--END COMMAND--\r\n\r\n" +
		"Response: Success\r\nActionID: 9\r\nPing: Pong\r\n\r\n"
	r := NewReader(iotest.HalfReader(strings.NewReader(in)), ReaderOptions{})
	m, err := r.ReadMessage()
	if err != nil || m.ActionID() != "7" || m.Get("Privilege") != "Command" || m.Output() != out || m.Response() != "Follows" {
		t.Fatalf("legacy 1: %v %q %q", err, m.Raw(), m.Output())
	}
	m, err = r.ReadMessage()
	if err != nil || m.ActionID() != "8" || m.Output() != "1 active call\n" {
		t.Fatalf("legacy 2: %v %q", err, m)
	}
	m, err = r.ReadMessage()
	if err != nil || m.ActionID() != "9" || m.Get("Ping") != "Pong" {
		t.Fatalf("after legacy: %v %q", err, m)
	}
}

func TestReaderLimits(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name string
		in   string
		opt  ReaderOptions
		want error
	}{
		{"line", "Response: Success\r\nMessage: " + long + "\r\n\r\n", ReaderOptions{MaxLineBytes: 50}, ErrLineTooLong},
		{"line without end", "Response: " + strings.Repeat("y", 5000), ReaderOptions{MaxLineBytes: 1000}, ErrLineTooLong},
		{"bytes", "Response: Success\r\n" + strings.Repeat("Output: "+long+"\r\n", 20) + "\r\n", ReaderOptions{MaxMessageBytes: 1000}, ErrMessageTooLarge},
		{"lines", "Response: Success\r\n" + strings.Repeat("A: b\r\n", 20) + "\r\n", ReaderOptions{MaxLines: 10}, ErrMessageTooLarge},
		{"legacy", "Response: Follows\r\n" + strings.Repeat(long+"\n", 20), ReaderOptions{MaxMessageBytes: 1000}, ErrMessageTooLarge},
		{"truncated", "Response: Success\r\nMessage: x", ReaderOptions{}, io.ErrUnexpectedEOF},
		{"truncated at line end", "Response: Success\r\n", ReaderOptions{}, io.ErrUnexpectedEOF},
		{"truncated legacy", "Response: Follows\r\nsome output\n", ReaderOptions{}, io.ErrUnexpectedEOF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(c.in), c.opt)
			_, err := r.ReadMessage()
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if _, err2 := r.ReadMessage(); !errors.Is(err2, c.want) {
				t.Errorf("error not sticky: %v", err2)
			}
		})
	}
}

func TestReaderGreeting(t *testing.T) {
	for in, want := range map[string]string{
		"Asterisk Call Manager/9.0.0\r\n": "9.0.0",
		"Asterisk Call Manager/5.0.1\n":   "5.0.1",
		"Asterisk Call Manager/1.1\r\n":   "1.1",
	} {
		v, err := NewReader(strings.NewReader(in), ReaderOptions{}).ReadGreeting()
		if err != nil || v != want {
			t.Errorf("%q: %q %v", in, v, err)
		}
	}
	for _, in := range []string{"SSH-2.0-OpenSSH_9.2\r\n", "HTTP/1.1 400 Bad Request\r\n", ""} {
		if _, err := NewReader(strings.NewReader(in), ReaderOptions{}).ReadGreeting(); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestNewMessage(t *testing.T) {
	m := NewMessage(Header{"Event", "Hangup"}, Header{"Channel", "SIP/1031-00000001"}, Header{"Cause", ""})
	if !m.IsEvent() || m.Event() != "Hangup" || m.Get("channel") != "SIP/1031-00000001" || m.Len() != 3 {
		t.Errorf("%s", m)
	}
}
