package fail2ban

import (
	"bytes"
	"strings"
	"testing"
)

// The seed corpora in testdata/fuzz/ are the real captures of
// testdata/fail2ban/captures (see its README).

func FuzzParseServerStatus(f *testing.F) {
	f.Add([]byte("Status\n|- Number of jail:\t2\n`- Jail list:\tasterisk-test, sshd-test\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := ParseServerStatus(in)
		if err != nil {
			return
		}
		for _, j := range s.Jails {
			if j == "" || strings.Contains(j, ",") || strings.TrimSpace(j) != j {
				t.Fatalf("bad jail name %q from %q", j, in)
			}
		}
	})
}

func FuzzParseJailReplies(f *testing.F) {
	f.Add([]byte("Status for the jail: a\n|- Filter\n|  |- Currently failed:\t1\n|  |- Total failed:\t4\n`- Actions\n   |- Currently banned:\t1\n   `- Total banned:\t1\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ParseJailReplies(in)
		if err != nil {
			return
		}
		if len(r.Statuses) == 0 && len(r.Missing) == 0 {
			t.Fatalf("no error and nothing parsed from %q", in)
		}
		for _, s := range r.Statuses {
			if s.Jail == "" || s.CurrentlyBanned < 0 || s.TotalBanned < 0 || s.CurrentlyFailed < 0 || s.TotalFailed < 0 {
				t.Fatalf("bad status %+v from %q", s, in)
			}
			if !bytes.Contains(in, []byte(jailHeader+s.Jail)) {
				t.Fatalf("jail %q not in the input", s.Jail)
			}
		}
		// The label built from a jail name is always valid.
		for _, s := range r.Statuses {
			_ = label(s.Jail)
		}
	})
}
