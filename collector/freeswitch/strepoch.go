package freeswitch

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultTimeSyncTolerance is the largest clock offset for which
// freeswitch_time_synced is 1 when Options.TimeSyncTolerance is zero.
const DefaultTimeSyncTolerance = time.Second

// maxEpoch is the year 9999: later epochs are garbage.
const maxEpoch = 253402300799

// ParseEpoch parses the reply of `strepoch`: FreeSWITCH's clock in whole
// seconds since 1970 ("1795372971", no newline).
func ParseEpoch(body []byte) (time.Time, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || len(b) > 12 {
		return time.Time{}, garbage("strepoch", body)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n <= 0 || n > maxEpoch {
		return time.Time{}, garbage("strepoch", body)
	}
	return time.Unix(n, 0), nil
}

var (
	timeSynced = newDesc("", "time_synced",
		"Whether FreeSWITCH's clock (`strepoch`) is within the tolerance (default 1 s) of the exporter's clock (1) or not (0). Seed 000: time_synced.")
	timeOffset = newDesc("", "time_offset_seconds",
		"FreeSWITCH clock minus exporter clock (`strepoch`): positive when FreeSWITCH is ahead. strepoch has 1 s resolution, so the figure is within ±0.5 s plus half the round trip. New; not in seed 000.")
)

// strepochScraper runs `strepoch` and compares it with the exporter clock.
type strepochScraper struct {
	tolerance time.Duration
	now       func() time.Time
}

func (strepochScraper) Name() string { return "strepoch" }
func (strepochScraper) Help() string {
	return "whether FreeSWITCH's clock agrees with the exporter's, from `strepoch`"
}
func (strepochScraper) Default() bool { return true }

func (s strepochScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	now := s.now
	if now == nil {
		now = time.Now
	}
	tol := s.tolerance
	if tol <= 0 {
		tol = DefaultTimeSyncTolerance
	}
	before := now()
	body, err := call(ctx, api, "strepoch")
	if err != nil {
		return err
	}
	after := now()
	fs, err := ParseEpoch(body)
	if err != nil {
		return err
	}
	off := clockOffset(fs, before, after)
	gauge(ch, timeSynced, boolFloat(math.Abs(off) <= tol.Seconds()))
	gauge(ch, timeOffset, off)
	return nil
}

// clockOffset estimates FreeSWITCH's clock minus ours, in seconds.
// FreeSWITCH truncated its clock to the second somewhere between before and
// after, so its clock read fs+0.5 s (±0.5 s) at the middle of the request.
// Computed in float seconds, so far-off clocks do not saturate a Duration.
func clockOffset(fs, before, after time.Time) float64 {
	mid := before.Add(after.Sub(before) / 2)
	return float64(fs.Unix()-mid.Unix()) + 0.5 - float64(mid.Nanosecond())/1e9
}
