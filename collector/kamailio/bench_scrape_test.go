package kamailio

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// BenchmarkKamailioWholeScrape is what one Prometheus scrape of a real Kamailio costs here: every default
// collector over the ctl socket (unix and tcp), xhttp_prom merged, gathered by a registry and encoded in
// the text format, as the /metrics handler does. It reports ms/scrape and the series exported.
func BenchmarkKamailioWholeScrape(b *testing.B) {
	k := needReal(b)
	// load the counters a little, so stats.fetch and xhttp_prom have what a live Kamailio has
	for range 3 {
		k.Send(b, "OPTIONS", "")
	}
	k.Send(b, "INVITE", "busy1")
	for _, addr := range []string{k.CtlUnix, k.CtlTCP} {
		b.Run(strings.SplitN(addr, ":", 2)[0], func(b *testing.B) {
			inst, _ := startInstance(b, realConfig(k, addr), nil)
			reg := prometheus.NewRegistry()
			reg.MustRegister(adapter{inst})
			var buf bytes.Buffer
			series := 0
			scrapeOnce := func() {
				mfs, err := reg.Gather()
				if err != nil {
					b.Fatal(err)
				}
				buf.Reset()
				enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
				series = 0
				for _, mf := range mfs {
					series += len(mf.GetMetric())
					if err := enc.Encode(mf); err != nil {
						b.Fatal(err)
					}
				}
			}
			scrapeOnce()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				scrapeOnce()
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/scrape")
			b.ReportMetric(float64(series), "series")
		})
	}
}
