package kamailio

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// coreUptime runs `core.uptime` (seed 002). core.runinfo gives the same
// uptime: with core.runinfo on it exports nothing and makes no call.
type coreUptime struct{ covered }

func (*coreUptime) Name() string { return "core.uptime" }
func (*coreUptime) Help() string {
	return "uptime from `core.uptime` (only when core.runinfo is off: it exports the same number)"
}
func (*coreUptime) Default() bool { return false }

func (u *coreUptime) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	if u.has("core.runinfo") {
		return nil
	}
	r, err := rpc.Call(ctx, "core.uptime")
	if err != nil {
		return err
	}
	v, ok := num(r.First(), "uptime")
	if !ok {
		return badReply("core.uptime", "no uptime")
	}
	gauge(ch, runUptime, v)
	return nil
}

func (u *coreUptime) idle() bool { return u.has("core.runinfo") }
