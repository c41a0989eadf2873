package kamailio

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// coreShmmem runs `core.shmmem` (seed 002). Its numbers are stats.fetch's
// shmem.*: with stats.fetch on it exports nothing and makes no call.
type coreShmmem struct{ covered }

func (*coreShmmem) Name() string { return "core.shmmem" }
func (*coreShmmem) Help() string {
	return "shared memory from `core.shmmem` as kamailio_shm_bytes (only when stats.fetch is off: it exports the same numbers)"
}
func (*coreShmmem) Default() bool { return false }

func (s *coreShmmem) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	if s.has("stats.fetch") {
		return nil
	}
	r, err := rpc.Call(ctx, "core.shmmem")
	if err != nil {
		return err
	}
	st := r.First()
	if _, ok := num(st, "total"); !ok {
		return badReply("core.shmmem", "no total")
	}
	for _, t := range []string{"total", "free", "used", "real_used", "max_used"} {
		if v, ok := num(st, t); ok {
			gauge(ch, sfShmBytes, v, t)
		}
	}
	if v, ok := num(st, "fragments"); ok {
		gauge(ch, sfShmFragments, v)
	}
	return nil
}

func (s *coreShmmem) idle() bool { return s.has("stats.fetch") }
