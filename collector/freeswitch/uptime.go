package freeswitch

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ParseUptime parses the reply of `uptime s`: whole seconds since start ("52\n").
func ParseUptime(body []byte) (time.Duration, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || len(b) > 19 {
		return 0, garbage("uptime", body)
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil || n > math.MaxInt64/uint64(time.Second) {
		return 0, garbage("uptime", body)
	}
	return time.Duration(n) * time.Second, nil
}

var uptimeSeconds = newDesc("", "uptime_seconds",
	"Seconds since FreeSWITCH started (`uptime s`). Seed 000: uptime_seconds.")

// uptimeScraper runs `uptime s`.
type uptimeScraper struct{}

func (uptimeScraper) Name() string  { return "uptime" }
func (uptimeScraper) Help() string  { return "seconds since FreeSWITCH started, from `uptime s`" }
func (uptimeScraper) Default() bool { return true }

func (uptimeScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	body, err := call(ctx, api, "uptime s")
	if err != nil {
		return err
	}
	d, err := ParseUptime(body)
	if err != nil {
		return err
	}
	gauge(ch, uptimeSeconds, d.Seconds())
	return nil
}
