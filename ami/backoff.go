package ami

import (
	"math/rand/v2"
	"time"
)

// Backoff computes reconnect delays: exponential from Min, capped at Max,
// with full jitter (a uniform random delay in [0, cap]), so that exporters
// restarted together do not reconnect to Asterisk in lockstep.
type Backoff struct {
	Min, Max time.Duration
}

// Delay returns the delay before retry number attempt (0-based).
func (b Backoff) Delay(attempt int) time.Duration {
	return time.Duration(rand.Int64N(int64(b.Ceiling(attempt)) + 1))
}

// Ceiling returns min(Max, Min·2^attempt), the upper bound of Delay.
func (b Backoff) Ceiling(attempt int) time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = time.Millisecond
	}
	if hi < lo {
		hi = lo
	}
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}
