package fail2ban

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxOutputBytes bounds what is read from fail2ban-client in one scrape. With
// the "short" flavor a jail's status is about 200 bytes and holds no IP list,
// so this leaves room for thousands of jails.
const MaxOutputBytes = 1 << 20

// Prompt is what fail2ban-client prints before reading each command in
// interactive mode (PROMPT in fail2ban/client/fail2banclient.py).
const Prompt = "fail2ban> "

// ServerStatus is the reply to `status`:
//
//	Status
//	|- Number of jail:	2
//	`- Jail list:	asterisk, sshd
type ServerStatus struct {
	Jails []string
}

// ParseServerStatus parses the reply to `status`. The jail count must agree
// with the list.
func ParseServerStatus(out []byte) (ServerStatus, error) {
	var (
		s               ServerStatus
		number          = -1
		haveList, title bool
	)
	if len(out) > MaxOutputBytes {
		return s, fmt.Errorf("status: %d bytes is over the limit", len(out))
	}
	for _, line := range lines(out) {
		key, val, ok := field(line)
		switch {
		case line == "Status":
			title = true
		case ok && key == "Number of jail":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return s, fmt.Errorf("status: bad number of jails %q", clip(val, 40))
			}
			number = n
		case ok && key == "Jail list":
			haveList = true
			for _, j := range strings.Split(val, ",") {
				if j = strings.TrimSpace(j); j != "" {
					s.Jails = append(s.Jails, j)
				}
			}
		}
	}
	if !title || number < 0 || !haveList {
		return ServerStatus{}, garbage("status", out)
	}
	if number != len(s.Jails) {
		return ServerStatus{}, fmt.Errorf("status: %d jails announced, %d listed", number, len(s.Jails))
	}
	return s, nil
}

// JailStatus is the reply to `status <jail> [flavor]`:
//
//	Status for the jail: sshd
//	|- Filter
//	|  |- Currently failed:	1
//	|  |- Total failed:	4
//	|  `- File list:	/var/log/auth.log
//	`- Actions
//	   |- Currently banned:	1
//	   |- Total banned:	1
//	   `- Banned IP list:	203.0.113.5
type JailStatus struct {
	Jail            string
	CurrentlyFailed int64 // IPs with failures, not (yet) banned
	TotalFailed     int64 // failures seen since the jail started
	CurrentlyBanned int64 // IPs banned now
	TotalBanned     int64 // bans since the jail started
}

// JailReplies is what a session's `status <jail>` commands returned: the
// statuses, and the jails fail2ban said do not exist.
type JailReplies struct {
	Statuses []JailStatus
	Missing  []string
}

const jailHeader = "Status for the jail: "

// ParseJailReplies parses the replies to one or more `status <jail>`
// commands, as fail2ban-client prints them alone or in an interactive
// session (each reply after a prompt). Every counter of a jail must be there;
// lines it does not know (file list, journal matches, IP lists, cymru data)
// are skipped.
func ParseJailReplies(out []byte) (JailReplies, error) {
	var (
		r    JailReplies
		cur  *JailStatus
		seen int
	)
	if len(out) > MaxOutputBytes {
		return r, fmt.Errorf("jail status: %d bytes is over the limit", len(out))
	}
	const (
		hasCurFailed = 1 << iota
		hasTotFailed
		hasCurBanned
		hasTotBanned
		hasAll = 1<<iota - 1
	)
	finish := func() error {
		if cur == nil {
			return nil
		}
		if seen != hasAll {
			return fmt.Errorf("jail %q: status without all four counters", clip(cur.Jail, 80))
		}
		r.Statuses = append(r.Statuses, *cur)
		cur, seen = nil, 0
		return nil
	}
	for _, line := range lines(out) {
		if j, ok := strings.CutPrefix(line, jailHeader); ok {
			if err := finish(); err != nil {
				return JailReplies{}, err
			}
			if j == "" {
				return JailReplies{}, errors.New("jail status: empty jail name")
			}
			cur = &JailStatus{Jail: j}
			continue
		}
		if j, ok := missingJail(line); ok {
			if err := finish(); err != nil {
				return JailReplies{}, err
			}
			r.Missing = append(r.Missing, j)
			continue
		}
		key, val, ok := field(line)
		if !ok || cur == nil {
			continue
		}
		var dst *int64
		bit := 0
		switch key {
		case "Currently failed":
			dst, bit = &cur.CurrentlyFailed, hasCurFailed
		case "Total failed":
			dst, bit = &cur.TotalFailed, hasTotFailed
		case "Currently banned":
			dst, bit = &cur.CurrentlyBanned, hasCurBanned
		case "Total banned":
			dst, bit = &cur.TotalBanned, hasTotBanned
		default:
			continue
		}
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 0 {
			return JailReplies{}, fmt.Errorf("jail %q: %s: bad count %q", clip(cur.Jail, 80), key, clip(val, 40))
		}
		if seen&bit != 0 {
			return JailReplies{}, fmt.Errorf("jail %q: %s twice", clip(cur.Jail, 80), key)
		}
		*dst, seen = n, seen|bit
	}
	if err := finish(); err != nil {
		return JailReplies{}, err
	}
	if len(r.Statuses) == 0 && len(r.Missing) == 0 {
		return JailReplies{}, garbage("jail status", out)
	}
	return r, nil
}

// missingJail recognises "Sorry but the jail 'x' does not exist"
// (fail2banclient.py, on UnknownJailException).
func missingJail(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "Sorry but the jail '")
	if !ok {
		return "", false
	}
	j, ok := strings.CutSuffix(rest, "' does not exist")
	return j, ok
}

// lines splits output into lines without their end, with interactive
// prompts taken off the front ("fail2ban> Status for the jail: x").
func lines(out []byte) []string {
	var ls []string
	for len(out) > 0 {
		var line []byte
		line, out, _ = bytes.Cut(out, []byte{'\n'})
		l := strings.TrimRight(string(line), "\r")
		for strings.HasPrefix(l, Prompt) {
			l = l[len(Prompt):]
		}
		ls = append(ls, l)
	}
	return ls
}

// field reads one line of fail2ban's beautified tree, "|  |- Key:\tvalue",
// into its key and value.
func field(line string) (key, val string, ok bool) {
	l := strings.TrimLeft(line, "|`- ")
	if len(l) == len(line) || l == "" {
		return "", "", false // not a tree line
	}
	key, val, ok = strings.Cut(l, ":")
	if !ok {
		return "", "", false
	}
	return strings.TrimSpace(key), strings.TrimSpace(val), true
}

// clip cuts s to at most n bytes on a rune boundary and makes it valid UTF-8.
func clip(s string, n int) string {
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// garbage describes unexpected output in an error: its first line, quoted.
func garbage(what string, out []byte) error {
	out = bytes.TrimSpace(out)
	if len(out) == 0 {
		return fmt.Errorf("%s: empty output", what)
	}
	first, _, _ := bytes.Cut(out, []byte{'\n'})
	return fmt.Errorf("%s: unexpected output %q", what, clip(string(first), 200))
}
