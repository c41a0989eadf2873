package kamailio

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	htExpire = newDesc("htable", "auto_expire_seconds",
		"Seconds after which an item is deleted if not updated, 0 = never (htable.listTables expire). Seed 003: same name.", "name")
	htDBMode = newDesc("htable", "db_mode_status",
		"1 when the table is written back to its database table (htable.listTables dbmode). Seed 003: same name.", "dbtable", "name")
	htDMQ = newDesc("htable", "dmq_replicate_status",
		"1 when the table is replicated over DMQ (htable.listTables dmqreplicate). Seed 003: same name.", "name")
	htUpdateExpire = newDesc("htable", "update_expire_status",
		"1 when an update resets the item's expiry (htable.listTables updateexpire). Seed 003: same name.", "name")
	htSlots = newDesc("htable", "slots",
		"Slots of the hash table (htable.stats slots). Seed 003: kamailio_htable_slots_total (a gauge named like a counter).", "name")
	htItems = newDesc("htable", "items",
		"Items stored in the table (htable.stats all). Seed 003: kamailio_htable_items_total (a gauge named like a counter).", "name")
	htMin = newDesc("htable", "items_per_slots_min",
		"Fewest items in one slot (htable.stats min). Seed 003: same name.", "name")
	htMax = newDesc("htable", "items_per_slots_max",
		"Most items in one slot (htable.stats max). Seed 003: same name.", "name")
)

// htable runs `htable.listTables` and `htable.stats`.
type htable struct{}

func (*htable) Name() string { return "htable" }
func (*htable) Help() string {
	return "every hash table's settings from `htable.listTables` and its fill from `htable.stats`"
}
func (*htable) Default() bool { return true }

func (*htable) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	list, err := rpc.Call(ctx, "htable.listTables")
	if err != nil {
		return err
	}
	stats, err := rpc.Call(ctx, "htable.stats")
	if err != nil {
		return err
	}
	for t := range list.All() {
		name := label(t.Field("name").Str())
		f := func(n string) float64 { v, _ := num(t, n); return v }
		gauge(ch, htExpire, f("expire"), name)
		gauge(ch, htDBMode, f("dbmode"), label(t.Field("dbtable").Str()), name)
		gauge(ch, htDMQ, f("dmqreplicate"), name)
		gauge(ch, htUpdateExpire, f("updateexpire"), name)
	}
	for t := range stats.All() {
		name := label(t.Field("name").Str())
		f := func(n string) float64 { v, _ := num(t, n); return v }
		gauge(ch, htSlots, f("slots"), name)
		gauge(ch, htItems, f("all"), name)
		gauge(ch, htMin, f("min"), name)
		gauge(ch, htMax, f("max"), name)
	}
	return nil
}
