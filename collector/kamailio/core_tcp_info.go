package kamailio

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	tcpReaders = newDesc("tcp", "readers",
		"TCP reader processes (core.tcp_info readers). Seed 003: same name.")
	tcpMax = newDesc("tcp", "max_connections",
		"TCP connection limit (core.tcp_info max_connections). Seed 003: same name.")
	tlsMax = newDesc("tls", "max_connections",
		"TLS connection limit (core.tcp_info max_tls_connections, or tls.info). Seed 003: same name.")
	tlsOpen = newDesc("tls", "connections",
		"Open TLS connections (core.tcp_info opened_tls_connections, or tls.info). Seed 003: same name.")
)

// coreTCPInfo runs `core.tcp_info`. Open connections and queued bytes are
// stats.fetch's tcp.current_*: with stats.fetch on it leaves them out.
type coreTCPInfo struct{ covered }

func (*coreTCPInfo) Name() string { return "core.tcp_info" }
func (*coreTCPInfo) Help() string {
	return "TCP readers, TCP/TLS connection limits and open TLS connections from `core.tcp_info`"
}
func (*coreTCPInfo) Default() bool { return true }

func (t *coreTCPInfo) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	r, err := rpc.Call(ctx, "core.tcp_info")
	if err != nil {
		return err
	}
	st := r.First()
	if _, ok := num(st, "readers"); !ok {
		return badReply("core.tcp_info", "no readers")
	}
	f := func(name string) float64 { v, _ := num(st, name); return v }
	gauge(ch, tcpReaders, f("readers"))
	gauge(ch, tcpMax, f("max_connections"))
	gauge(ch, tlsMax, f("max_tls_connections"))
	gauge(ch, tlsOpen, f("opened_tls_connections"))
	if !t.has("stats.fetch") {
		gauge(ch, sfTCPConnections, f("opened_connections"))
		gauge(ch, sfTCPWriteQueue, f("write_queued_bytes"))
	}
	return nil
}
