// Package grafana builds voip_exporter's Grafana dashboards from Go, so their
// queries are checked against the exporter's metrics by tests (`go generate` writes the JSON).
package grafana

//go:generate go run ./gen
