package rtpengine

import (
	"context"
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ng"
	"github.com/voip-exporter/voip_exporter/source"
)

// Namespace prefixes every rtpengine metric and names the source. It is
// rtpengine's own prefix on its HTTP /metrics (websocket.c), so the
// figures keep the names operators already graph.
const Namespace = "rtpengine"

// Caller is what scrapers need of an ng client (ng.Client is one).
type Caller interface {
	Call(ctx context.Context, command string, args ng.Dict) (ng.Dict, error)
}

// Options are an instance's collector settings.
type Options struct {
	// MaxCalls bounds the calls listed and queried per scrape by the query
	// collector (≤ 0: it is left out).
	MaxCalls int
}

// Scrapers returns every rtpengine collector with the options of one
// instance (each instance needs its own: query keeps per-instance state);
// filter them with source.Enabled.
func Scrapers(o Options) []source.Scraper[Caller] {
	return []source.Scraper[Caller]{&statistics{}, newQuery(o.MaxCalls)}
}

// Names lists the collector names (for docs and flags).
func Names() []string {
	var out []string
	for _, s := range Scrapers(Options{}) {
		out = append(out, s.Name())
	}
	sort.Strings(out)
	return out
}

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
}
