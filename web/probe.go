package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/voip-exporter/voip_exporter/source"
)

// ErrUnknownModule is returned by a ProbeFunc for a module that is not configured.
var ErrUnknownModule = errors.New("unknown module")

// serveProbe implements the multi-target pattern: /probe?target=…&module=….
// A target that names a configured instance (by name or address) is collected
// over its persistent connection; any other target is reached with the
// module's settings over a one-off connection.
func (s *Server) serveProbe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target, module := q.Get("target"), q.Get("module")
	if target == "" {
		http.Error(w, "missing target parameter", http.StatusBadRequest)
		return
	}
	if module == "" {
		http.Error(w, "missing module parameter (e.g. module=freeswitch)", http.StatusBadRequest)
		return
	}
	ctx := withScrapeTimeout(r.Context(), r)
	inst := s.findInstance(module, target)
	if inst == nil {
		if s.opts.Probe == nil {
			http.Error(w, fmt.Sprintf("target %q is not a configured instance and probing other targets is off", target), http.StatusBadRequest)
			return
		}
		var (
			closeFn func()
			err     error
		)
		inst, closeFn, err = s.opts.Probe(ctx, module, target)
		if err != nil {
			code := http.StatusBadRequest
			if !errors.Is(err, ErrUnknownModule) {
				code = http.StatusInternalServerError
			}
			http.Error(w, err.Error(), code)
			return
		}
		defer closeFn()
	}
	reg := s.registryFor(ctx, []source.Instance{inst}, source.Instance.Name)
	MetricsHandler(reg, s.opts.Logger).ServeHTTP(w, r)
}

// findInstance matches a configured instance of the module's source by name
// or by address. The module may be the source name itself.
func (s *Server) findInstance(module, target string) source.Instance {
	for _, inst := range s.Instances() {
		if inst.Source() != module && !s.moduleIsSource(module, inst.Source()) {
			continue
		}
		if inst.Name() == target || inst.Address() == target {
			return inst
		}
	}
	return nil
}

func (s *Server) moduleIsSource(module, src string) bool {
	if s.opts.ModuleSource == nil {
		return false
	}
	return s.opts.ModuleSource(module) == src
}
