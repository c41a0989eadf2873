package kamailio

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/binrpc"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

var (
	rpcCallsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "binrpc", "calls_total"),
		"BINRPC calls made to Kamailio.", nil, nil)
	rpcErrorsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "binrpc", "call_errors_total"),
		"BINRPC calls that failed: transport error, timeout or malformed reply.", nil, nil)
	rpcFaultsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "binrpc", "faults_total"),
		"BINRPC fault replies (missing method, bad parameter…).", nil, nil)
	rpcBytesDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "binrpc", "bytes_read_total"),
		"Bytes read from Kamailio's ctl socket.", nil, nil)
)

// Instance is one configured Kamailio: a persistent BINRPC client shared
// by every scrape, and the collector over it.
type Instance struct {
	cfg    config.Kamailio
	client *binrpc.Client
	coll   *source.Collector[RPC]
}

// NewInstance builds the instance from its configuration and the enabled
// scrapers (Scrapers(OptionsOf(cfg)) filtered); Run connects it.
func NewInstance(cfg config.Kamailio, scrapers []source.Scraper[RPC], logger *slog.Logger) *Instance {
	client, err := binrpc.NewClient(binrpc.ClientOptions{
		Address:     cfg.Address,
		DialTimeout: cfg.Timeout,
		CallTimeout: cfg.Timeout,
		Logger:      logger,
	})
	if err != nil {
		// Options come from a validated config: a programming error.
		panic(fmt.Sprintf("kamailio %s: %v", cfg.Name, err))
	}
	warnFixedTypes(cfg, logger)
	scrapers = configure(scrapers)
	setLoggers(scrapers, logger)
	i := &Instance{cfg: cfg, client: client}
	i.coll = &source.Collector[RPC]{
		Source:   Namespace,
		Client:   client,
		Scrapers: gateAll(scrapers, client.Generation, logger),
		Logger:   slog.New(quietHandler{logger.Handler()}),
		Ready:    i.ready,
	}
	return i
}

// OptionsOf returns the collector options of a configured instance.
// Its stat_types must be valid (config validates them); an invalid type
// is left out.
func OptionsOf(cfg config.Kamailio) Options {
	o := Options{DlgProfiles: cfg.DlgProfiles, DispatcherSets: cfg.DispatcherSets, CustomMetricsURL: cfg.CustomMetricsURL}
	for name, s := range cfg.StatTypes {
		if t, err := ParseStatType(s); err == nil {
			if o.StatTypes == nil {
				o.StatTypes = map[string]prometheus.ValueType{}
			}
			o.StatTypes[name] = t
		}
	}
	return o
}

// warnFixedTypes logs, once at start, each stat_types entry for a
// statistic whose family and type come from Kamailio's source.
func warnFixedTypes(cfg config.Kamailio, logger *slog.Logger) {
	names := make([]string, 0, len(cfg.StatTypes))
	for n := range cfg.StatTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if t, ok := fixedType(n); ok {
			logger.Warn("kamailio stat_types entry ignored: this statistic is exported in a family typed from Kamailio's source",
				"instance", cfg.Name, "statistic", n, "stat_types", cfg.StatTypes[n], "type", typeName(t))
		}
	}
}

// Client is the instance's BINRPC client.
func (i *Instance) Client() *binrpc.Client { return i.client }

// Source implements source.Instance.
func (i *Instance) Source() string { return Namespace }

// Name implements source.Instance.
func (i *Instance) Name() string { return i.cfg.Name }

// Address implements source.Instance.
func (i *Instance) Address() string { return i.cfg.Address }

// Timeout implements source.Instance.
func (i *Instance) Timeout() time.Duration { return i.cfg.Timeout }

// Run implements source.Instance: it keeps the connection up until ctx ends.
func (i *Instance) Run(ctx context.Context) { _ = i.client.Run(ctx) }

func (i *Instance) ready() error {
	st := i.client.Status()
	if st.Connected {
		return nil
	}
	if st.LastError != "" {
		return fmt.Errorf("not connected: %s", st.LastError)
	}
	return fmt.Errorf("not connected yet")
}

// Collect implements source.Instance.
func (i *Instance) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	_ = i.coll.Collect(withOrder(ctx, i.coll.Scrapers), ch)
	st := i.client.Status()
	s := i.client.Stats()
	source.SendConnection(ch, Namespace, source.Connection{Up: st.Connected, Reconnects: s.Reconnects, ConnectFailures: s.DialFailures})
	sendRPCStats(ch, s)
}

func sendRPCStats(ch chan<- prometheus.Metric, s binrpc.Stats) {
	ch <- prometheus.MustNewConstMetric(rpcCallsDesc, prometheus.CounterValue, float64(s.Calls))
	ch <- prometheus.MustNewConstMetric(rpcErrorsDesc, prometheus.CounterValue, float64(s.CallErrors))
	ch <- prometheus.MustNewConstMetric(rpcFaultsDesc, prometheus.CounterValue, float64(s.Faults))
	ch <- prometheus.MustNewConstMetric(rpcBytesDesc, prometheus.CounterValue, float64(s.BytesRead))
}

// Health implements source.Instance.
func (i *Instance) Health() source.Health {
	st := i.client.Status()
	return source.Health{
		Source:         Namespace,
		Name:           i.cfg.Name,
		Address:        i.cfg.Address,
		Connected:      st.Connected,
		ConnectedSince: st.ConnectedSince,
		LastError:      st.LastError,
		LastErrorTime:  st.LastErrorTime,
		Reconnects:     st.Reconnects,
	}
}
