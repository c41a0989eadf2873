package kamailio

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

var tlsWriteQueued = newDesc("tls", "clear_text_write_queued_bytes",
	"Clear text bytes queued for TLS connections not yet established (tls.info clear_text_write_queued_bytes). New; not in seed 003.")

// tls runs `tls.info` (the tls module). Its connection figures are
// core.tcp_info's: with core.tcp_info on it leaves them out.
type tls struct{ covered }

func (*tls) Name() string { return "tls" }
func (*tls) Help() string {
	return "TLS connections, limit and queued clear text from `tls.info` (tls module)"
}
func (*tls) Default() bool { return true }

func (t *tls) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	r, err := rpc.Call(ctx, "tls.info")
	if err != nil {
		return err
	}
	st := r.First()
	v, ok := num(st, "clear_text_write_queued_bytes")
	if !ok {
		return badReply("tls.info", "no clear_text_write_queued_bytes")
	}
	gauge(ch, tlsWriteQueued, v)
	if !t.has("core.tcp_info") {
		if v, ok := num(st, "max_connections"); ok {
			gauge(ch, tlsMax, v)
		}
		if v, ok := num(st, "opened_connections"); ok {
			gauge(ch, tlsOpen, v)
		}
	}
	return nil
}
