package source

import "github.com/prometheus/client_golang/prometheus"

var (
	connUpDesc = prometheus.NewDesc(
		prometheus.BuildFQName(SelfNamespace, "connection", "up"),
		"Whether the exporter's persistent connection to the instance is up (1) or not (0).",
		[]string{"source"}, nil)
	reconnectsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(SelfNamespace, "", "reconnects_total"),
		"Connections to the instance re-established after a loss.",
		[]string{"source"}, nil)
	connectFailuresDesc = prometheus.NewDesc(
		prometheus.BuildFQName(SelfNamespace, "", "connect_failures_total"),
		"Failed connection attempts (dial, authentication or setup) to the instance.",
		[]string{"source"}, nil)
)

// Connection is the state of an instance's persistent connection, as every
// protocol client's Status/Stats report it.
type Connection struct {
	Up              bool
	Reconnects      uint64
	ConnectFailures uint64
}

// SendConnection emits the connection self metrics of one instance of src:
// voip_exporter_connection_up, _reconnects_total, _connect_failures_total.
func SendConnection(ch chan<- prometheus.Metric, src string, c Connection) {
	ch <- prometheus.MustNewConstMetric(connUpDesc, prometheus.GaugeValue, boolFloat(c.Up), src)
	ch <- prometheus.MustNewConstMetric(reconnectsDesc, prometheus.CounterValue, float64(c.Reconnects), src)
	ch <- prometheus.MustNewConstMetric(connectFailuresDesc, prometheus.CounterValue, float64(c.ConnectFailures), src)
}
