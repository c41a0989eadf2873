package ami

import (
	"strconv"
	"strings"
)

// validName reports whether s may be an action name or header key.
func validName(s string) bool {
	return s != "" && !strings.ContainsAny(s, "\r\n:")
}

// validValue reports whether s may be a header value.
func validValue(s string) bool { return !strings.ContainsAny(s, "\r\n") }

func validateAction(action string, headers []Header) error {
	if !validName(action) {
		return ErrInvalidAction
	}
	for _, h := range headers {
		if !validName(h.Key) || !validValue(h.Value) || strings.EqualFold(h.Key, "ActionID") || strings.EqualFold(h.Key, "Action") {
			return ErrInvalidAction
		}
	}
	return nil
}

// appendAction encodes an action with its ActionID.
func appendAction(b []byte, action, id string, headers []Header) []byte {
	b = append(b, "Action: "...)
	b = append(b, action...)
	b = append(b, "\r\nActionID: "...)
	b = append(b, id...)
	b = append(b, "\r\n"...)
	for _, h := range headers {
		b = append(b, h.Key...)
		b = append(b, ": "...)
		b = append(b, h.Value...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

func formatID(prefix string, n uint64) string {
	return prefix + strconv.FormatUint(n, 10)
}
