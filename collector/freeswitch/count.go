package freeswitch

import (
	"bytes"
	"fmt"
	"strconv"
)

// ParseCount reads the "N total." line that ends the replies of
// `show calls count`, `show channels count` and the plain `show registrations`
// ("\n0 total.\n"); rows before it, if any, are skipped.
func ParseCount(body []byte) (int, error) {
	if len(body) > MaxReplyBytes {
		return 0, fmt.Errorf("count: reply of %d bytes is over the limit", len(body))
	}
	b := bytes.TrimRight(body, " \t\r\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	b = bytes.TrimSpace(b)
	num, ok := bytes.CutSuffix(b, []byte(" total."))
	if !ok || len(num) == 0 || len(num) > 18 {
		return 0, garbage("count", body)
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, garbage("count", body)
		}
	}
	n, err := strconv.Atoi(string(num))
	if err != nil {
		return 0, garbage("count", body)
	}
	return n, nil
}
