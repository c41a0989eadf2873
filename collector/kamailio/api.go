package kamailio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/binrpc"
	"github.com/voip-exporter/voip_exporter/source"
)

// Namespace prefixes every Kamailio metric and names the source.
const Namespace = "kamailio"

// RPC is what scrapers need from a BINRPC connection (binrpc.Client and
// binrpc.Conn both are one).
type RPC interface {
	Call(ctx context.Context, method string, args ...any) (*binrpc.Reply, error)
}

// Options are an instance's collector settings.
type Options struct {
	// DlgProfiles are the dialog profiles whose size dlg reports.
	DlgProfiles []string
	// DispatcherSets names dispatcher sets: set id → set_name label.
	DispatcherSets map[int]string
	// CustomMetricsURL is xhttp_prom's /metrics URL to merge ("" = none).
	CustomMetricsURL string
	// StatTypes types statistics exported under a name of their own
	// ("script.calls" → counter); see stat_types.go.
	StatTypes map[string]prometheus.ValueType
}

// Scrapers returns every Kamailio collector with the options of one
// instance; filter them with source.Enabled.
func Scrapers(o Options) []source.Scraper[RPC] {
	sf := newStatsFetch(o.StatTypes)
	return []source.Scraper[RPC]{
		sf,
		&tmStats{},
		&slStats{},
		&coreShmmem{},
		&coreUptime{},
		&coreRuninfo{},
		&corePSA{},
		&coreTCPInfo{},
		&pkgStats{},
		&dispatcherList{sets: o.DispatcherSets},
		&dlg{profiles: o.DlgProfiles},
		&htable{},
		&rtpengineShow{},
		&tls{},
		newXHTTPProm(o.CustomMetricsURL, sf),
	}
}

// Names lists the collector names (for config validation and docs).
func Names() []string {
	var out []string
	for _, s := range Scrapers(Options{}) {
		out = append(out, s.Name())
	}
	sort.Strings(out)
	return out
}

// overlapper is a scraper some of whose numbers another collector also
// fetches: when that collector is enabled too, it leaves them out, so
// each number is exported once.
type overlapper interface {
	setEnabled(enabled map[string]bool)
}

// idler is a scraper that, as configured, would export nothing and make
// no call (its numbers all come from another enabled collector, or it has
// nothing to fetch): it is left out, so it cannot count as a success.
type idler interface{ idle() bool }

// logger is a scraper that logs some conditions once (not per scrape).
type logger interface{ setLogger(*slog.Logger) }

// setLoggers gives the scrapers that log their logger.
func setLoggers(scrapers []source.Scraper[RPC], l *slog.Logger) {
	for _, s := range scrapers {
		if x, ok := s.(logger); ok {
			x.setLogger(l)
		}
	}
}

// configure tells each scraper which collectors run beside it and drops
// the idle ones.
func configure(scrapers []source.Scraper[RPC]) []source.Scraper[RPC] {
	on := map[string]bool{}
	for _, s := range scrapers {
		on[s.Name()] = true
	}
	var out []source.Scraper[RPC]
	for _, s := range scrapers {
		if o, ok := s.(overlapper); ok {
			o.setEnabled(on)
		}
		if i, ok := s.(idler); ok && i.idle() {
			continue
		}
		out = append(out, s)
	}
	return out
}

// covered is embedded by overlapping scrapers.
type covered struct{ on map[string]bool }

func (c *covered) setEnabled(on map[string]bool) { c.on = on }
func (c *covered) has(name string) bool          { return c.on[name] }

// ---- missing methods ----

// disabledError is what a collector returns while its method is missing.
type disabledError struct{ collector, method string }

func (e *disabledError) Error() string {
	return fmt.Sprintf("collector %s disabled: Kamailio has no method %s (module not loaded)", e.collector, e.method)
}

// gate disables a scraper for its instance once Kamailio answers that a
// method it calls does not exist, until the connection is re-established
// (a restarted Kamailio may load other modules). It logs once.
type gate struct {
	source.Scraper[RPC]
	gen func() uint64
	log *slog.Logger

	mu     sync.Mutex
	off    bool
	offGen uint64
	method string
}

func (g *gate) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	if _, after := g.Scraper.(afterRPC); !after {
		defer rpcDone(ctx)
	}
	g.mu.Lock()
	if g.off && g.gen() == g.offGen {
		err := &disabledError{g.Name(), g.method}
		g.mu.Unlock()
		return err
	}
	g.off = false
	g.mu.Unlock()
	err := g.Scraper.Scrape(ctx, rpc, ch)
	var f *binrpc.Fault
	if err == nil || !binrpc.IsMethodNotFound(err) || !asFault(err, &f) {
		return err
	}
	g.mu.Lock()
	g.off, g.offGen, g.method = true, g.gen(), f.Method
	g.mu.Unlock()
	g.log.Warn("kamailio method not available (module not loaded): collector disabled for this instance until Kamailio reconnects",
		"collector", g.Name(), "method", f.Method, "fault", f.Message)
	return &disabledError{g.Name(), f.Method}
}

func gateAll(scrapers []source.Scraper[RPC], gen func() uint64, log *slog.Logger) []source.Scraper[RPC] {
	out := make([]source.Scraper[RPC], len(scrapers))
	for i, s := range scrapers {
		out[i] = &gate{Scraper: s, gen: gen, log: log}
	}
	return out
}

// quietHandler drops source.Collector's per-scrape "collector failed"
// record for a disabled collector: the gate logged it once already.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	quiet := false
	r.Attrs(func(a slog.Attr) bool {
		if e, ok := a.Value.Any().(error); ok {
			var d *disabledError
			var l *loggedError
			if asDisabled(e, &d) || errors.As(e, &l) {
				quiet = true
				return false
			}
		}
		return true
	})
	if quiet {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(as)}
}
func (h quietHandler) WithGroup(n string) slog.Handler { return quietHandler{h.Handler.WithGroup(n)} }

// ---- metric helpers ----

func newDesc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	fq := prometheus.BuildFQName(Namespace, subsystem, name)
	reserved[fq] = true
	d := prometheus.NewDesc(fq, help, labels, nil)
	staticNames[d] = fq
	return d
}

// staticNames are the names of the families newDesc made (filled at init).
var staticNames = map[*prometheus.Desc]string{}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	send(ch, d, prometheus.GaugeValue, v, labels)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	send(ch, d, prometheus.CounterValue, v, labels)
}

// num reads a numeric member (0 and false when missing or not a number).
func num(v binrpc.Value, name string) (float64, bool) { return v.Field(name).Float() }

// maxLabel bounds label values taken from Kamailio's replies.
const maxLabel = 256

// label makes a reply string fit for a label value: "<null string>" (how
// Kamailio sends a NULL) becomes "", long values are clipped.
func label(s string) string {
	if s == "<null string>" {
		return ""
	}
	if len(s) > maxLabel {
		s = s[:maxLabel]
	}
	return s
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
