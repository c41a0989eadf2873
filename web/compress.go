package web

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves g in the format the scraper negotiates, gzip-compressed at BestSpeed when the
// scraper accepts it (Prometheus always does). promhttp compresses at gzip's default level, which on a
// 100k-series exposition costs more than gathering and encoding it; BestSpeed keeps a large /metrics
// under 100 ms for about 1.5× the bytes of the default level (still ~35× smaller than plain text).
func MetricsHandler(g prometheus.Gatherer, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	inner := promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:           slogPrinter{logger},
		ErrorHandling:      promhttp.ContinueOnError,
		DisableCompression: true,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			inner.ServeHTTP(w, r)
			return
		}
		gz := gzipPool.Get().(*gzip.Writer)
		defer gzipPool.Put(gz)
		gz.Reset(w)
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		inner.ServeHTTP(&gzipResponse{ResponseWriter: w, w: gz}, r)
		_ = gz.Close()
	})
}

var gzipPool = sync.Pool{New: func() any {
	gz, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return gz
}}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (a q=0 refuses it).
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// gzipResponse sends the body through the gzip writer; the headers go out as set by the handler, minus
// a Content-Length (the compressed body has its own length).
type gzipResponse struct {
	http.ResponseWriter
	w *gzip.Writer
}

func (g *gzipResponse) WriteHeader(code int) {
	g.Header().Del("Content-Length")
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipResponse) Write(p []byte) (int, error) { return g.w.Write(p) }
