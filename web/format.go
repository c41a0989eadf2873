package web

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ago renders how long ago t was ("never" for the zero time).
func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String() + " ago"
}

func trimFloat(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func mosText(m float64) string {
	if m <= 0 || math.IsNaN(m) {
		return "–"
	}
	return strconv.FormatFloat(m, 'f', 2, 64)
}

// mosKind buckets a MOS for colouring: the usual 4.0 / 3.6 / 3.1 lines
// (good, fair, poor, bad).
func mosKind(m float64) string {
	switch {
	case m <= 0 || math.IsNaN(m):
		return "unknown"
	case m >= 4.0:
		return "good"
	case m >= 3.6:
		return "fair"
	case m >= 3.1:
		return "poor"
	default:
		return "bad"
	}
}
