package kamailio

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	psaStatus = newDesc("core", "process_status",
		"Status of each Kamailio process, 1 = running (core.psa). Seed 003: same name (negative ranks now read -1, not 4294967295).",
		"index", "pid", "rank", "description")
	psaCount = newDesc("core", "processes",
		"Kamailio processes (core.psa). New; not in seed 003.")
)

// corePSA runs `core.psa`.
type corePSA struct{}

func (*corePSA) Name() string  { return "core.psa" }
func (*corePSA) Help() string  { return "every process with its rank and description from `core.psa`" }
func (*corePSA) Default() bool { return true }

func (*corePSA) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	r, err := rpc.Call(ctx, "core.psa")
	if err != nil {
		return err
	}
	n := 0
	for p := range r.All() {
		idx, ok1 := p.Field("index").Int()
		pid, ok2 := p.Field("pid").Int()
		rank, _ := p.Field("rank").Int()
		status, _ := num(p, "status")
		if !ok1 || !ok2 {
			return badReply("core.psa", "process without index or pid")
		}
		gauge(ch, psaStatus, status, strconv.Itoa(idx), strconv.Itoa(pid), strconv.Itoa(rank), label(p.Field("description").Str()))
		n++
	}
	gauge(ch, psaCount, float64(n))
	return nil
}
