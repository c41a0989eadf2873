package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// /metrics is gzip-compressed when the scraper accepts it (Prometheus sends "Accept-Encoding: gzip")
// and plain otherwise; both carry the same exposition.
func TestMetricsHandlerCompression(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "t_value", Help: "h"}, []string{"k"})
	reg.MustRegister(g)
	for _, k := range []string{"a", "b\"c", "d\\e"} {
		g.WithLabelValues(k).Set(1.5)
	}
	h := MetricsHandler(reg, nil)
	get := func(enc string) *http.Response {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Result()
	}
	plain := get("")
	want, _ := io.ReadAll(plain.Body)
	if plain.Header.Get("Content-Encoding") != "" || !strings.Contains(string(want), `t_value{k="b\"c"} 1.5`) {
		t.Fatalf("plain: %q %s", plain.Header.Get("Content-Encoding"), want)
	}
	for _, enc := range []string{"gzip", "deflate, gzip;q=1.0, *;q=0.5", "GZIP"} {
		r := get(enc)
		if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%q: headers %v", enc, r.Header)
		}
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || string(got) != string(want) {
			t.Fatalf("%q: body %q (%v), want %q", enc, got, err, want)
		}
	}
	for _, enc := range []string{"gzip;q=0", "identity", "br"} {
		if r := get(enc); r.Header.Get("Content-Encoding") != "" {
			t.Errorf("%q: compressed (%q) though not accepted", enc, r.Header.Get("Content-Encoding"))
		}
	}
}
