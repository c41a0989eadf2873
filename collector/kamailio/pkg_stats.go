package kamailio

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	pkgUsed = newDesc("pkgmem", "used_bytes",
		"Private (pkg) memory used by each process (pkg.stats used). Seed 003: kamailio_pkgmem_used.", "entry", "pid", "rank")
	pkgFree = newDesc("pkgmem", "free_bytes",
		"Private memory free in each process (pkg.stats free). Seed 003: kamailio_pkgmem_free.", "entry", "pid", "rank")
	pkgReal = newDesc("pkgmem", "real_used_bytes",
		"Private memory used including allocator overhead (pkg.stats real_used). Seed 003: kamailio_pkgmem_real.", "entry", "pid", "rank")
	pkgSize = newDesc("pkgmem", "size_bytes",
		"Private memory pool size of each process (pkg.stats total_size). Seed 003: kamailio_pkgmem_size.", "entry", "pid", "rank")
	pkgFrags = newDesc("pkgmem", "frags",
		"Private memory fragments of each process (pkg.stats total_frags). Seed 003: same name.", "entry", "pid", "rank")
)

// pkgStats runs `pkg.stats`.
type pkgStats struct{}

func (*pkgStats) Name() string  { return "pkg.stats" }
func (*pkgStats) Help() string  { return "private memory of every process from `pkg.stats`" }
func (*pkgStats) Default() bool { return true }

func (*pkgStats) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	r, err := rpc.Call(ctx, "pkg.stats")
	if err != nil {
		return err
	}
	for p := range r.All() {
		entry, ok1 := p.Field("entry").Int()
		pid, ok2 := p.Field("pid").Int()
		if !ok1 || !ok2 {
			return badReply("pkg.stats", "entry without entry or pid")
		}
		rank, _ := p.Field("rank").Int()
		l := []string{strconv.Itoa(entry), strconv.Itoa(pid), strconv.Itoa(rank)}
		f := func(name string) float64 { v, _ := num(p, name); return v }
		gauge(ch, pkgUsed, f("used"), l...)
		gauge(ch, pkgFree, f("free"), l...)
		gauge(ch, pkgReal, f("real_used"), l...)
		gauge(ch, pkgSize, f("total_size"), l...)
		gauge(ch, pkgFrags, f("total_frags"), l...)
	}
	return nil
}
