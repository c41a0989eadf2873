package kamailio

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

var slCodes = newDesc("sl_stats", "codes_total",
	"Stateless replies sent by code or class (sl.stats); only when stats.fetch is off: it exports the same numbers as kamailio_sl_reply_total. Seed 002/003: same name.", "code")

// slStats runs `sl.stats`. Its numbers are stats.fetch's sl.*_replies: with
// stats.fetch on it exports nothing and makes no call.
type slStats struct{ covered }

func (*slStats) Name() string { return "sl.stats" }
func (*slStats) Help() string {
	return "stateless replies by code from `sl.stats` (only when stats.fetch is off: the same numbers are kamailio_sl_reply_total)"
}
func (*slStats) Default() bool { return true }

func (s *slStats) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	if s.has("stats.fetch") {
		return nil
	}
	r, err := rpc.Call(ctx, "sl.stats")
	if err != nil {
		return err
	}
	st := r.First()
	if st.Type() != 3 {
		return badReply("sl.stats", "no struct")
	}
	for c := range st.Items() {
		if v, ok := c.Float(); ok {
			counter(ch, slCodes, v, label(c.Name()))
		}
	}
	return nil
}

func (s *slStats) idle() bool { return s.has("stats.fetch") }
