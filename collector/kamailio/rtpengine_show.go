package kamailio

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	rtpEnabled = newDesc("rtpengine", "enabled",
		"1 when Kamailio uses the rtpengine node, 0 when it marked it disabled (rtpengine.show all disabled, inverted). Seed 003: same name.",
		"url", "set", "index", "weight")
	rtpRecheck = newDesc("rtpengine", "recheck_ticks",
		"Ticks until Kamailio pings a disabled node again, 0 for an enabled one (rtpengine.show all recheck_ticks). New; not in seed 003.",
		"url", "set", "index")
	rtpNodes = newDesc("rtpengine", "nodes",
		"rtpengine nodes configured (rtpengine.show all). New; not in seed 003.")
)

// rtpengineShow runs `rtpengine.show all`.
type rtpengineShow struct{}

func (*rtpengineShow) Name() string { return "rtpengine.show" }
func (*rtpengineShow) Help() string {
	return "every rtpengine node, enabled or not, from `rtpengine.show all`"
}
func (*rtpengineShow) Default() bool { return true }

func (*rtpengineShow) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	r, err := rpc.Call(ctx, "rtpengine.show", "all")
	if err != nil {
		return err
	}
	n := 0
	for node := range r.All() {
		url := label(node.Field("url").Str())
		if url == "" {
			continue
		}
		set, _ := node.Field("set").Int()
		idx, _ := node.Field("index").Int()
		w, _ := node.Field("weight").Int()
		disabled, _ := num(node, "disabled")
		s, i := strconv.Itoa(set), strconv.Itoa(idx)
		gauge(ch, rtpEnabled, boolFloat(disabled == 0), url, s, i, strconv.Itoa(w))
		if v, ok := num(node, "recheck_ticks"); ok {
			gauge(ch, rtpRecheck, v, url, s, i)
		}
		n++
	}
	gauge(ch, rtpNodes, float64(n))
	return nil
}
