package asterisk

import (
	"context"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// ChannelCounts is the summary that `core show channels [count]` and
// `core show calls` end with (main/cli.c).
type ChannelCounts struct {
	Channels, Calls, Processed             int
	MaxCalls                               int // maxcalls= of asterisk.conf; 0: unlimited
	HaveChannels, HaveCalls, HaveProcessed bool
}

// ParseChannelCounts reads the lines "12 active channels", "6 active calls"
// (or "6 of 100 max active calls (6.00% of capacity)") and "9 calls
// processed", singular forms included, wherever they are in out.
func ParseChannelCounts(out string) (ChannelCounts, error) {
	var c ChannelCounts
	for _, l := range lines(out) {
		l = strings.TrimSpace(l)
		num, rest, ok := strings.Cut(l, " ")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 {
			continue
		}
		switch {
		case rest == "active channel" || rest == "active channels":
			c.Channels, c.HaveChannels = n, true
		case rest == "active call" || rest == "active calls":
			c.Calls, c.HaveCalls = n, true
		case rest == "call processed" || rest == "calls processed":
			c.Processed, c.HaveProcessed = n, true
		case strings.HasPrefix(rest, "of ") && strings.Contains(rest, " max active call"):
			f := strings.Fields(rest)
			if m, err := strconv.Atoi(f[1]); err == nil && m >= 0 {
				c.Calls, c.MaxCalls, c.HaveCalls = n, m, true
			}
		}
	}
	if !c.HaveCalls && !c.HaveChannels && !c.HaveProcessed {
		return c, garbage("channel counts", out)
	}
	return c, nil
}

var (
	activeChannels = newDesc("", "active_channels",
		"Channels up now, all technologies (AMI CoreStatus CoreCurrentCalls, or `core show channels count`). Seed 004: asterisk_active_channels.")
	activeCalls = newDesc("", "active_calls",
		"Calls up now as Asterisk counts them (`core show calls`: channels running dialplan). Seed 004: asterisk_active_calls.")
	callsProcessed = newDesc("", "calls_processed_total",
		"Calls processed since Asterisk started (CoreStatus CoreProcessedCalls, or `core show calls`).")
	callsLimit = newDesc("", "calls_limit",
		"maxcalls= of asterisk.conf, when set (`core show calls`: \"N of M max active calls\").")
)

// coreStatusScraper: CoreStatus and `core show calls` over AMI, or
// `core show channels count` over the CLI.
type coreStatusScraper struct{}

func (coreStatusScraper) Name() string { return "core_status" }
func (coreStatusScraper) Help() string {
	return "active channels and calls, calls processed (CoreStatus, core show calls / core show channels count)"
}
func (coreStatusScraper) Default() bool { return true }

func (coreStatusScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	if !api.AMI() {
		out, err := command(ctx, api, "core show channels count")
		if err != nil {
			return err
		}
		c, err := ParseChannelCounts(out)
		if err != nil {
			return err
		}
		emitCounts(ch, c)
		return nil
	}
	resp, err := api.Action(ctx, "CoreStatus")
	if err != nil {
		return noData("CoreStatus", err)
	}
	var c ChannelCounts
	if n, err := strconv.Atoi(resp.Get("CoreCurrentCalls")); err == nil && n >= 0 {
		// CoreCurrentCalls is ast_active_channels(): channels, not calls.
		c.Channels, c.HaveChannels = n, true
	}
	if n, err := strconv.Atoi(resp.Get("CoreProcessedCalls")); err == nil && n >= 0 {
		c.Processed, c.HaveProcessed = n, true
	}
	out, cmdErr := command(ctx, api, "core show calls")
	if cmdErr == nil {
		calls, err := ParseChannelCounts(out)
		if err != nil {
			cmdErr = err
		}
		c.Calls, c.HaveCalls, c.MaxCalls = calls.Calls, calls.HaveCalls, calls.MaxCalls
		if !c.HaveProcessed {
			c.Processed, c.HaveProcessed = calls.Processed, calls.HaveProcessed
		}
	}
	emitCounts(ch, c)
	return cmdErr
}

func emitCounts(ch chan<- prometheus.Metric, c ChannelCounts) {
	if c.HaveChannels {
		gauge(ch, activeChannels, float64(c.Channels))
	}
	if c.HaveCalls {
		gauge(ch, activeCalls, float64(c.Calls))
	}
	if c.HaveProcessed {
		counter(ch, callsProcessed, float64(c.Processed))
	}
	if c.MaxCalls > 0 {
		gauge(ch, callsLimit, float64(c.MaxCalls))
	}
}
