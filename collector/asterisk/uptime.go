package asterisk

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Uptime is what `core show uptime [seconds]` prints.
type Uptime struct {
	Uptime, SinceReload time.Duration
	HaveReload          bool
}

// ParseUptime reads "System uptime: 273" and "Last reload: 273" (the
// seconds form), or the long form "System uptime: 1 day, 4 minutes, 33 seconds".
func ParseUptime(out string) (Uptime, error) {
	var u Uptime
	haveUp := false
	for _, l := range lines(out) {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if !ok {
			continue
		}
		d, ok := parseUptimeValue(strings.TrimSpace(v))
		if !ok {
			continue
		}
		switch k {
		case "System uptime":
			u.Uptime, haveUp = d, true
		case "Last reload":
			u.SinceReload, u.HaveReload = d, true
		}
	}
	if !haveUp {
		return u, garbage("core show uptime", out)
	}
	return u, nil
}

var uptimeUnits = map[string]int64{"year": 365 * 86400, "week": 7 * 86400, "day": 86400, "hour": 3600, "minute": 60, "second": 1}

func parseUptimeValue(v string) (time.Duration, bool) {
	const maxSec = math.MaxInt64 / int64(time.Second)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > maxSec {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	var total int64
	parts := strings.Split(v, ",")
	for _, p := range parts {
		f := strings.Fields(p)
		if len(f) != 2 {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		unit, ok := uptimeUnits[strings.TrimSuffix(f[1], "s")]
		if err != nil || !ok || n < 0 || n > maxSec/unit || total > maxSec-n*unit {
			return 0, false
		}
		total += n * unit
	}
	return time.Duration(total) * time.Second, true
}

var (
	uptimeSeconds = newDesc("", "uptime_seconds",
		"Seconds since Asterisk started (`core show uptime seconds`: System uptime). Seed 004: asterisk_uptime_seconds.")
	lastReloadSeconds = newDesc("", "last_reload_seconds",
		"Seconds since the last configuration reload (`core show uptime seconds`: Last reload).")
)

// uptimeScraper runs `core show uptime seconds` (Command action over AMI).
type uptimeScraper struct{}

func (uptimeScraper) Name() string { return "uptime" }
func (uptimeScraper) Help() string {
	return "uptime and time since the last reload, from `core show uptime seconds`"
}
func (uptimeScraper) Default() bool { return true }

func (uptimeScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	out, err := command(ctx, api, "core show uptime seconds")
	if err != nil {
		return err
	}
	u, err := ParseUptime(out)
	if err != nil {
		return err
	}
	gauge(ch, uptimeSeconds, u.Uptime.Seconds())
	if u.HaveReload {
		gauge(ch, lastReloadSeconds, u.SinceReload.Seconds())
	}
	return nil
}
