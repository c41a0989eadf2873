package web

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/voip-exporter/voip_exporter/source"
)

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	ctx := withScrapeTimeout(r.Context(), r)
	reg := s.registryFor(ctx, s.Instances(), source.Instance.Name)
	var g prometheus.Gatherer = reg
	if s.opts.Self != nil {
		g = merged{reg, s.opts.Self}
	}
	MetricsHandler(g, s.opts.Logger).ServeHTTP(w, r)
}

// merged gathers the instances' registry and the exporter's own. Each registry has checked its own
// metrics; when no family name is in both, their sorted families are merged as they are, where
// prometheus.Gatherers would check and hash every metric a second time. A name in both falls back to
// Gatherers, which merges the family and reports inconsistencies.
type merged [2]prometheus.Gatherer

func (m merged) Gather() ([]*dto.MetricFamily, error) {
	a, errA := m[0].Gather()
	b, errB := m[1].Gather()
	out := make([]*dto.MetricFamily, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := strings.Compare(a[i].GetName(), b[j].GetName()); {
		case c < 0:
			out = append(out, a[i])
			i++
		case c > 0:
			out = append(out, b[j])
			j++
		default:
			return prometheus.Gatherers{gathered{a, errA}, gathered{b, errB}}.Gather()
		}
	}
	out = append(append(out, a[i:]...), b[j:]...)
	var errs prometheus.MultiError
	errs.Append(errA)
	errs.Append(errB)
	return out, errs.MaybeUnwrap()
}

// gathered is a Gather result already in hand.
type gathered struct {
	mfs []*dto.MetricFamily
	err error
}

func (g gathered) Gather() ([]*dto.MetricFamily, error) { return g.mfs, g.err }

type slogPrinter struct {
	l interface{ Error(string, ...any) }
}

func (p slogPrinter) Println(v ...any) {
	p.l.Error("metrics gathering", "err", v)
}
