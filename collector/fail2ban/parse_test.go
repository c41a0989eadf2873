package fail2ban

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// captures holds the real fail2ban-client 1.0.2 output (see its README).
const captures = "../../testdata/fail2ban/captures"

func capture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(captures, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestParseServerStatusCapture(t *testing.T) {
	s, err := ParseServerStatus(capture(t, "status.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"asterisk-test", "sshd-test"}; !reflect.DeepEqual(s.Jails, want) {
		t.Errorf("jails = %q, want %q", s.Jails, want)
	}
}

func TestParseServerStatusNoJails(t *testing.T) {
	s, err := ParseServerStatus([]byte("Status\n|- Number of jail:\t0\n`- Jail list:\t\n"))
	if err != nil || len(s.Jails) != 0 {
		t.Fatalf("%+v, %v", s, err)
	}
}

func TestParseServerStatusErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":         "",
		"count differs": "Status\n|- Number of jail:\t3\n`- Jail list:\ta, b\n",
		"no list":       "Status\n|- Number of jail:\t0\n",
		"bad count":     "Status\n|- Number of jail:\tmany\n`- Jail list:\ta\n",
		"not status":    "Sorry but the jail 'x' does not exist\n",
	} {
		if s, err := ParseServerStatus([]byte(in)); err == nil {
			t.Errorf("%s: %+v, want an error", name, s)
		}
	}
}

func TestParseJailRepliesCaptures(t *testing.T) {
	cases := map[string]JailStatus{
		"status-jail-basic.txt":          {"asterisk-test", 1, 4, 1, 1},
		"status-jail-short.txt":          {"asterisk-test", 1, 4, 1, 1},
		"status-jail-short-nobans.txt":   {"sshd-test", 0, 0, 0, 0},
		"status-jail-cymru.txt":          {"asterisk-test", 1, 4, 1, 1},
		"status-jail-basic-two-bans.txt": {"sshd-test", 0, 6, 2, 2},
	}
	for file, want := range cases {
		r, err := ParseJailReplies(capture(t, file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if len(r.Statuses) != 1 || r.Statuses[0] != want || len(r.Missing) != 0 {
			t.Errorf("%s: %+v, want %+v", file, r, want)
		}
	}
	r, err := ParseJailReplies(capture(t, "status-jail-nosuch.stdout.txt"))
	if err != nil || len(r.Statuses) != 0 || !reflect.DeepEqual(r.Missing, []string{"nosuch"}) {
		t.Errorf("nosuch: %+v, %v", r, err)
	}
}

// TestParseInteractiveSession splits a real session where Client.Status
// does: the server status before the first prompt, the jail replies after.
func TestParseInteractiveSession(t *testing.T) {
	out := capture(t, "interactive-session.txt")
	i := bytes.Index(out, []byte("\n"+Prompt))
	if i < 0 {
		t.Fatal("no prompt")
	}
	head, rest := out[:i+1], out[i+1:]
	s, err := ParseServerStatus(head)
	if err != nil || !reflect.DeepEqual(s.Jails, []string{"asterisk-test", "sshd-test"}) {
		t.Fatalf("status: %+v, %v", s, err)
	}
	r, err := ParseJailReplies(rest)
	if err != nil {
		t.Fatal(err)
	}
	want := JailReplies{
		Statuses: []JailStatus{{"asterisk-test", 1, 4, 1, 1}, {"sshd-test", 0, 0, 0, 0}},
		Missing:  []string{"nosuch"},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("replies = %+v, want %+v", r, want)
	}
}

func TestParseJailRepliesErrors(t *testing.T) {
	full := string(capture(t, "status-jail-short.txt"))
	for name, in := range map[string]string{
		"empty":           "",
		"banner only":     "Fail2Ban v1.0.2 reads log file that contains password failure report\n",
		"missing counter": strings.Replace(full, "   `- Total banned:\t1\n", "", 1),
		"negative":        strings.Replace(full, "Total failed:\t4", "Total failed:\t-4", 1),
		"not a number":    strings.Replace(full, "Total failed:\t4", "Total failed:\tfour", 1),
		"overflow":        strings.Replace(full, "Total failed:\t4", "Total failed:\t99999999999999999999", 1),
		"twice":           strings.Replace(full, "   `- Total banned:\t1\n", "   |- Total banned:\t1\n   `- Total banned:\t2\n", 1),
		"empty name":      "Status for the jail: \n|- Filter\n",
		"too big":         strings.Repeat("x", MaxOutputBytes+1),
	} {
		if r, err := ParseJailReplies([]byte(in)); err == nil {
			t.Errorf("%s: %+v, want an error", name, r)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"sshd":         "sshd",
		"asterisk-udp": "asterisk-udp",
		`voip"quote`:   `'voip"quote'`,
		"it's":         `'it'"'"'s'`,
		"a b":          "'a b'",
		"":             "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestLastLogLine(t *testing.T) {
	if got, want := lastLogLine(string(capture(t, "no-server.stderr.txt"))), "Failed to access socket path: /tmp/f2b/nonexistent.sock. Is fail2ban running?"; got != want {
		t.Errorf("lastLogLine = %q, want %q", got, want)
	}
	if got := lastLogLine(string(capture(t, "status-jail-nosuch.stderr.txt"))); got != "NOK: ('nosuch',)" {
		t.Errorf("lastLogLine = %q", got)
	}
}
