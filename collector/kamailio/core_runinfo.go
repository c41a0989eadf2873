package kamailio

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	runUptime = newDesc("core", "uptime_seconds",
		"Seconds since Kamailio started (core.runinfo uptime_secs, or core.uptime). Seed 003: kamailio_core_uptime (with info labels); seed 002: core.uptime.")
	runInfo = newDesc("core", "info",
		"Kamailio build, always 1 (core.runinfo). Seed 003: the labels of kamailio_core_uptime.", "version", "compiler", "compiled", "sourceid")
	runStart = newDesc("core", "start_time_seconds",
		"Unix time Kamailio started (core.runinfo: now − uptime_secs). New; not in seed 003.")
)

// coreRuninfo runs `core.runinfo`.
type coreRuninfo struct{}

func (*coreRuninfo) Name() string  { return "core.runinfo" }
func (*coreRuninfo) Help() string  { return "version, build and uptime from `core.runinfo`" }
func (*coreRuninfo) Default() bool { return true }

func (*coreRuninfo) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	r, err := rpc.Call(ctx, "core.runinfo")
	if err != nil {
		return err
	}
	st := r.First()
	up, ok := num(st, "uptime_secs")
	if !ok {
		return badReply("core.runinfo", "no uptime_secs")
	}
	gauge(ch, runUptime, up)
	gauge(ch, runInfo, 1, label(st.Field("version").Str()), label(st.Field("compiler").Str()),
		label(st.Field("compiled").Str()), label(st.Field("sourceid").Str()))
	gauge(ch, runStart, float64(time.Now().Unix())-up)
	return nil
}
