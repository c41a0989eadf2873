package kamailio

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	tmCurrent = newDesc("tm_stats", "current",
		"Transactions in memory now (tm.stats current). Seed 003: same name.")
	tmWaiting = newDesc("tm_stats", "waiting",
		"Transactions waiting for their deletion timer (tm.stats waiting). Seed 003: same name.")
	tmTotal = newDesc("tm_stats", "total",
		"Transactions created, local ones included (tm.stats total). Seed 003: same name.")
	tmLocal = newDesc("tm_stats", "local_total",
		"Transactions created by Kamailio itself (tm.stats total_local). Seed 003: same name.")
	tmCreated = newDesc("tm_stats", "created_total",
		"Transactions created (tm.stats created). Seed 003: same name.")
	tmFreed = newDesc("tm_stats", "freed_total",
		"Transactions freed (tm.stats freed). Seed 003: same name.")
	tmDelayedFree = newDesc("tm_stats", "delayed_free_total",
		"Transactions whose freeing was delayed (tm.stats delayed_free). Seed 003: same name.")
	tmCodes = newDesc("tm_stats", "codes_total",
		"Transactions completed by reply class (tm.stats Nxx); only when stats.fetch is off: it exports them as kamailio_tmx_code_total. Seed 002/003: same name.", "code")
	tmRplReceived = newDesc("tm_stats", "rpl_received_total",
		"Replies received (tm.stats rpl_received); only when stats.fetch is off (kamailio_tmx_rpl_total{type=\"received\"}). Seed 003: same name.")
	tmRplGenerated = newDesc("tm_stats", "rpl_generated_total",
		"Replies generated locally (tm.stats rpl_generated); only when stats.fetch is off (kamailio_tmx_rpl_total{type=\"generated\"}). Seed 003: same name.")
	tmRplSent = newDesc("tm_stats", "rpl_sent_total",
		"Replies sent (tm.stats rpl_sent); only when stats.fetch is off (kamailio_tmx_rpl_total{type=\"sent\"}). Seed 003: same name.")
)

// tmStats runs `tm.stats`.
type tmStats struct{ covered }

func (*tmStats) Name() string { return "tm.stats" }
func (*tmStats) Help() string {
	return "transactions in memory, waiting, created and freed from `tm.stats` (codes and replies too when stats.fetch is off)"
}
func (*tmStats) Default() bool { return true }

func (t *tmStats) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	r, err := rpc.Call(ctx, "tm.stats")
	if err != nil {
		return err
	}
	st := r.First()
	if _, ok := num(st, "current"); !ok {
		return badReply("tm.stats", "no current")
	}
	f := func(name string) float64 { v, _ := num(st, name); return v }
	gauge(ch, tmCurrent, f("current"))
	gauge(ch, tmWaiting, f("waiting"))
	counter(ch, tmTotal, f("total"))
	counter(ch, tmLocal, f("total_local"))
	counter(ch, tmCreated, f("created"))
	counter(ch, tmFreed, f("freed"))
	counter(ch, tmDelayedFree, f("delayed_free"))
	if t.has("stats.fetch") {
		return nil
	}
	for _, c := range []string{"2xx", "3xx", "4xx", "5xx", "6xx"} {
		if v, ok := num(st, c); ok {
			counter(ch, tmCodes, v, c)
		}
	}
	counter(ch, tmRplReceived, f("rpl_received"))
	counter(ch, tmRplGenerated, f("rpl_generated"))
	counter(ch, tmRplSent, f("rpl_sent"))
	return nil
}
