package quality

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Fields is what the tracker needs from an event: its headers by name.
// *esl.Event satisfies it; so does a map in tests (see MapFields).
type Fields interface {
	Lookup(key string) (string, bool)
}

// MapFields adapts a map to Fields.
type MapFields map[string]string

// Lookup implements Fields.
func (m MapFields) Lookup(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}

func get(f Fields, key string) string {
	v, _ := f.Lookup(key)
	return v
}

// maxIDBytes bounds an identifier taken from an event (Unique-ID, Call-ID).
const maxIDBytes = 128

// cleanID returns s trimmed if it is a plausible identifier (1–128 bytes of
// printable ASCII, no spaces), else "".
func cleanID(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxIDBytes {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return ""
		}
	}
	return s
}

// cleanLabel returns s if it is a short token fit for a label value
// (letters, digits and . _ - : / +, at most n bytes), else "".
func cleanLabel(s string, n int) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > n {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '+':
		default:
			return ""
		}
	}
	return s
}

// cleanText bounds free text (a hangup cause, an IP) to n bytes of valid UTF-8 without control bytes.
func cleanText(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = s[:n]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return ""
		}
	}
	return s
}

// parseUint parses a non-negative decimal no larger than max.
func parseUint(s string, max uint64) (uint64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > max {
		return 0, false
	}
	return v, true
}

// parseFloat parses a finite number within [lo, hi].
func parseFloat(s string, lo, hi float64) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		return 0, false
	}
	return v, true
}

// parseHex32 parses an SSRC as FreeSWITCH prints it ("%8x": hex, maybe space-padded).
func parseHex32(s string) (uint32, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 8 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, false
	}
	return uint32(v), true
}

// Unknown marks a float figure that is not known (absent, or rejected as absurd).
var Unknown = math.NaN()

// Known reports whether a float figure is known.
func Known(v float64) bool { return !math.IsNaN(v) }
