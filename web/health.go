package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/voip-exporter/voip_exporter/source"
)

// healthReport is /health's body. It always answers 200 (the exporter is
// alive); the per-instance states say what is connected.
type healthReport struct {
	Status    string          `json:"status"` // healthy | degraded | unhealthy | idle
	Time      time.Time       `json:"time"`
	Instances []source.Health `json:"instances"`
	Agent     *AgentView      `json:"ha_agent,omitempty"` // HA: this agent in its group
}

func (s *Server) health() healthReport {
	insts := s.Instances()
	rep := healthReport{Time: time.Now().UTC(), Instances: make([]source.Health, 0, len(insts))}
	if s.opts.Agent != nil {
		rep.Agent = s.opts.Agent()
	}
	up := 0
	for _, inst := range insts {
		h := inst.Health()
		if h.Connected {
			up++
		}
		rep.Instances = append(rep.Instances, h)
	}
	switch {
	case len(insts) == 0:
		rep.Status = "idle"
	case up == len(insts):
		rep.Status = "healthy"
	case up > 0:
		rep.Status = "degraded"
	default:
		rep.Status = "unhealthy"
	}
	return rep
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.health())
}

// serveReady answers 200 when at least one instance is connected, 503 otherwise.
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	rep := s.health()
	connected := 0
	for _, h := range rep.Instances {
		if h.Connected {
			connected++
		}
	}
	code := http.StatusOK
	if connected == 0 {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"ready": code == http.StatusOK, "connected": connected, "instances": len(rep.Instances)})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
