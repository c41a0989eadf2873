package web

import (
	"embed"
	"html/template"
	"net/http"
	"sort"
	"time"

	"github.com/prometheus/common/version"

	"github.com/voip-exporter/voip_exporter/source"
)

// CallView is one live call leg as the status page shows it. Figures that
// are not known yet are NaN or zero (MOS 0 means unknown).
type CallView struct {
	Server        string
	Domain        string
	Codec         string
	Direction     string
	Started       time.Time
	MOS           float64
	JitterSeconds float64
	LossRatio     float64
	RTTSeconds    float64
}

// CarrierView is one gateway's (trunk's) call attempts of the last 15 minutes, for the status page.
type CarrierView struct {
	Server, Source, Gateway string
	Attempts, Answered      uint64
	ASR                     float64 // answered / attempts
	TopCause                string  // the most frequent cause of the unanswered attempts, "" none
	TopCauseCount           uint64
}

// maxCarriersShown bounds the carrier table (most attempts first).
const maxCarriersShown = 100

// asrKind colours an ASR as the Carriers row does (below 0.3 bad, below 0.5 fair).
func asrKind(asr float64) string {
	switch {
	case asr < 0.3:
		return "bad"
	case asr < 0.5:
		return "fair"
	}
	return "good"
}

// maxCallsShown bounds the live-call table (worst first).
const maxCallsShown = 200

//go:embed templates/status.html
var templatesFS embed.FS

var statusTmpl = template.Must(template.New("status.html").Funcs(template.FuncMap{
	"ago":     ago,
	"pct":     func(r float64) string { return trimFloat(r*100, 2) + " %" },
	"ms":      func(s float64) string { return trimFloat(s*1000, 1) + " ms" },
	"mos":     func(m float64) string { return mosText(m) },
	"mosKind": mosKind,
	"asrKind": asrKind,
}).ParseFS(templatesFS, "templates/status.html"))

type statusPage struct {
	Version   string
	Now       time.Time
	Status    string
	Targets   []source.Health
	Up, Down  int
	Calls     []CallView
	CallCount int
	Carriers  []CarrierView
	Refresh   int
	Metrics   string // the metrics path
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	rep := s.health()
	page := statusPage{Version: version.Info(), Now: time.Now(), Status: rep.Status, Targets: rep.Instances, Refresh: 5,
		Metrics: s.opts.MetricsPath}
	for _, h := range rep.Instances {
		if h.Connected {
			page.Up++
		} else {
			page.Down++
		}
	}
	sort.SliceStable(page.Targets, func(i, j int) bool {
		a, b := page.Targets[i], page.Targets[j]
		if a.Connected != b.Connected {
			return !a.Connected // down first
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Name < b.Name
	})
	if s.opts.Calls != nil {
		calls := s.opts.Calls()
		page.CallCount = len(calls)
		sortWorstFirst(calls)
		if len(calls) > maxCallsShown {
			calls = calls[:maxCallsShown]
		}
		page.Calls = calls
	}
	if s.opts.Carriers != nil {
		c := s.opts.Carriers()
		sort.SliceStable(c, func(i, j int) bool { return c[i].Attempts > c[j].Attempts })
		if len(c) > maxCarriersShown {
			c = c[:maxCarriersShown]
		}
		page.Carriers = c
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := statusTmpl.Execute(w, page); err != nil {
		s.opts.Logger.Error("status page", "err", err)
	}
}

// sortWorstFirst orders calls by quality: known MOS ascending (unknown
// last), then loss and jitter descending.
func sortWorstFirst(calls []CallView) {
	sort.SliceStable(calls, func(i, j int) bool {
		a, b := calls[i], calls[j]
		ak, bk := a.MOS > 0, b.MOS > 0
		if ak != bk {
			return ak
		}
		if a.MOS != b.MOS {
			return a.MOS < b.MOS
		}
		if a.LossRatio != b.LossRatio {
			return a.LossRatio > b.LossRatio
		}
		return a.JitterSeconds > b.JitterSeconds
	})
}
