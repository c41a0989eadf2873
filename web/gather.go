package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/source"
)

// ServerLabel names the configured instance on every series it produces.
const ServerLabel = "server"

// scrapeTimeoutOffset is kept back from Prometheus' announced scrape timeout
// so the reply reaches it in time.
const scrapeTimeoutOffset = 250 * time.Millisecond

// hardStopGrace is how long past its deadline a collection may keep the
// scrape waiting before it is abandoned.
const hardStopGrace = 500 * time.Millisecond

// boundCollector collects one instance under its own deadline when the
// registry gathers it; the registry runs collectors concurrently.
type boundCollector struct {
	ctx  context.Context
	inst source.Instance
	lab  *labeler // adds the server label
	log  func(msg string, args ...any)
}

func (b boundCollector) Describe(chan<- *prometheus.Desc) {} // unchecked

func (b boundCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(b.ctx, instanceTimeout(b.ctx, b.inst.Timeout()))
	defer cancel()
	inner := make(chan prometheus.Metric, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(inner)
		b.inst.Collect(ctx, inner)
	}()
	deadline, _ := ctx.Deadline()
	hard := time.NewTimer(time.Until(deadline) + hardStopGrace)
	defer hard.Stop()
	for {
		select {
		case m, ok := <-inner:
			if !ok {
				return
			}
			ch <- b.lab.metric(m)
		case <-hard.C:
			b.log("instance collection overran its deadline; abandoning it",
				"source", b.inst.Source(), "server", b.inst.Name())
			go func() {
				for range inner {
				}
			}()
			return
		}
	}
}

type timeoutKey struct{}

// withScrapeTimeout records Prometheus' X-Prometheus-Scrape-Timeout-Seconds.
func withScrapeTimeout(ctx context.Context, r *http.Request) context.Context {
	v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if v == "" {
		return ctx
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs <= 0 {
		return ctx
	}
	return context.WithValue(ctx, timeoutKey{}, time.Duration(secs*float64(time.Second))-scrapeTimeoutOffset)
}

// instanceTimeout is the instance's own timeout, shortened to what
// Prometheus will wait for.
func instanceTimeout(ctx context.Context, own time.Duration) time.Duration {
	if d, ok := ctx.Value(timeoutKey{}).(time.Duration); ok && d > 0 && d < own {
		return d
	}
	return own
}

// registryFor builds a registry that collects the given instances for one request.
func (s *Server) registryFor(ctx context.Context, insts []source.Instance, labelName func(source.Instance) string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	for _, inst := range insts {
		reg.MustRegister(boundCollector{ctx: ctx, inst: inst, lab: labelerFor(labelName(inst)), log: s.opts.Logger.Error})
	}
	return reg
}
