package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/source"
)

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	ctx := withScrapeTimeout(r.Context(), r)
	reg := s.registryFor(ctx, s.Instances(), source.Instance.Name)
	gatherers := prometheus.Gatherers{reg}
	if s.opts.Self != nil {
		gatherers = append(gatherers, s.opts.Self)
	}
	MetricsHandler(gatherers, s.opts.Logger).ServeHTTP(w, r)
}

type slogPrinter struct {
	l interface{ Error(string, ...any) }
}

func (p slogPrinter) Println(v ...any) {
	p.l.Error("metrics gathering", "err", v)
}
