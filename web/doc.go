// Package web serves voip_exporter over HTTP through exporter-toolkit: /metrics
// (every instance, concurrently, each under its own deadline), /probe, /health,
// /ready and the landing page.
package web
