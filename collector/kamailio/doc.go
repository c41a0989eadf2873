// Package kamailio scrapes Kamailio over BINRPC (the ctl module): one file per RPC method (tm_stats.go for
// `tm.stats`, dispatcher_list.go for `dispatcher.list`…), each a source.Scraper over a persistent binrpc.Client.
package kamailio
