// Package e2e tests the real voip_exporter binary end to end: built once,
// started against the protocol simulators, scraped over HTTP and checked with promtool.
package e2e
