package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/voip-exporter/voip_exporter/source"
)

// ProbeFunc builds a one-off instance for a /probe target that is not one of
// the configured instances. The returned close func releases its connection.
// It returns ErrUnknownModule when the module is not configured.
type ProbeFunc func(ctx context.Context, module, target string) (inst source.Instance, closeFn func(), err error)

// Options configure the HTTP side.
type Options struct {
	Instances []source.Instance
	// Self is the registry of the exporter's own metrics (build info, Go,
	// process); it is gathered with every /metrics scrape.
	Self  prometheus.Gatherer
	Probe ProbeFunc
	// Landing describes the landing page (served at "/" when no status page
	// is wanted: StatusPage false); it links to the metrics path, /health,
	// /ready, then Landing.Links.
	Landing web.LandingConfig
	// StatusPage serves the status page at "/": targets and live calls.
	StatusPage bool
	// Calls lists the live call legs for the status page (nil: none).
	Calls func() []CallView
	// Carriers lists per gateway the call attempts of the last 15 minutes (nil: none).
	Carriers func() []CarrierView
	Logger   *slog.Logger
	// ModuleSource maps a /probe module name to the source it probes, so a
	// configured instance can be found through a module named otherwise.
	ModuleSource func(module string) string
	// MaxRequestsInFlight bounds concurrent /metrics and /probe requests (0: no bound).
	MaxRequestsInFlight int
	// Agent describes this agent's place in an HA group for /health (nil: not in one).
	Agent func() *AgentView
	// MetricsPath is where /metrics is served (--web.telemetry-path; default DefaultMetricsPath). The
	// status page and the landing page link to it.
	MetricsPath string
}

// DefaultMetricsPath is the metrics path unless Options.MetricsPath says otherwise.
const DefaultMetricsPath = "/metrics"

// fixedPaths are the other endpoints; the metrics path may not take one of them.
var fixedPaths = []string{"/", "/probe", "/health", "/ready"}

// AgentView is an HA agent's summary on /health.
type AgentView struct {
	ID         string `json:"id"`
	Agents     int    `json:"agents"`              // live agents it counted at its last tick
	Quota      int    `json:"lease_quota"`         // most leases it may hold
	LeasesHeld int    `json:"leases_held"`         // leases it holds now
	Takeovers  uint64 `json:"takeovers"`           // leases it acquired
	LeasesLost uint64 `json:"leases_lost"`         // leases it lost without releasing
	StreamUp   *bool  `json:"stream_up,omitempty"` // the last export from the shared stream succeeded
}

// Server is the exporter's HTTP handler set.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu        sync.RWMutex
	instances []source.Instance
}

// New builds the handlers; the caller serves them with Serve or mounts Handler.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MetricsPath == "" {
		opts.MetricsPath = DefaultMetricsPath
	}
	if err := checkMetricsPath(opts.MetricsPath); err != nil {
		return nil, err
	}
	s := &Server{opts: opts, mux: http.NewServeMux(), instances: opts.Instances}
	s.mux.Handle(opts.MetricsPath, s.limit(http.HandlerFunc(s.serveMetrics)))
	s.mux.Handle("/probe", s.limit(http.HandlerFunc(s.serveProbe)))
	s.mux.HandleFunc("/health", s.serveHealth)
	s.mux.HandleFunc("/ready", s.serveReady)
	if opts.StatusPage {
		s.mux.HandleFunc("/", s.serveStatus)
	} else if opts.Landing.Name != "" {
		lc := opts.Landing
		lc.Links = append([]web.LandingLinks{{Address: opts.MetricsPath, Text: "Metrics"},
			{Address: "/health", Text: "Health (JSON per instance)"}, {Address: "/ready", Text: "Readiness"}}, lc.Links...)
		lp, err := web.NewLandingPage(lc)
		if err != nil {
			return nil, err
		}
		s.mux.Handle("/", lp)
	}
	return s, nil
}

// checkMetricsPath accepts an absolute, clean URL path that is none of the other endpoints.
func checkMetricsPath(p string) error {
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.ContainsAny(p, " ?#{}") {
		return fmt.Errorf("web.telemetry-path %q: want an absolute clean URL path such as /metrics", p)
	}
	if slices.Contains(fixedPaths, p) {
		return fmt.Errorf("web.telemetry-path %q: taken by another endpoint (%s)", p, strings.Join(fixedPaths, " "))
	}
	return nil
}

// Handler returns the mux.
func (s *Server) Handler() http.Handler { return s.mux }

// Instances returns the configured instances.
func (s *Server) Instances() []source.Instance {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.instances
}

// Serve listens as the toolkit flags say (addresses, web config file with TLS
// and basic auth, systemd socket activation) until ctx is done.
func (s *Server) Serve(ctx context.Context, flags *web.FlagConfig) error {
	srv := &http.Server{Handler: s.mux}
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, flags, s.opts.Logger) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5e9)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return nil
	}
}

// limit bounds concurrent expensive requests, answering 503 beyond it.
func (s *Server) limit(h http.Handler) http.Handler {
	if s.opts.MaxRequestsInFlight <= 0 {
		return h
	}
	sem := make(chan struct{}, s.opts.MaxRequestsInFlight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
			h.ServeHTTP(w, r)
		default:
			http.Error(w, "too many concurrent scrapes", http.StatusServiceUnavailable)
		}
	})
}
