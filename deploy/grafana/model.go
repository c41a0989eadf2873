package grafana

import (
	"encoding/json"
	"fmt"
)

// Panel kinds used by the dashboards.
const (
	TimeSeries = "timeseries"
	Stat       = "stat"
	Heatmap    = "heatmap"
	Table      = "table"
	StateTime  = "state-timeline"
)

// Query is one PromQL target of a panel.
type Query struct {
	Expr    string
	Legend  string
	Format  string // "" (time_series), "heatmap" or "table"
	Instant bool
}

// Panel is one visualisation. Width is in grid units (24 a row); height 8 by default.
type Panel struct {
	Title, Kind, Unit, Description string
	Queries                        []Query
	Width, Height                  int
	Min, Max                       *float64
	Thresholds                     []Threshold // ascending; first one is the base colour
	Stack                          bool
}

// Threshold colours values from Value up.
type Threshold struct {
	Value *float64
	Color string
}

// Row groups panels under a title.
type Row struct {
	Title  string
	Panels []Panel
}

// Dashboard is one dashboard file.
type Dashboard struct {
	UID, Title, Description string
	Tags                    []string
	// Variable is the main selector: its label and the metric whose values list it.
	Variables []Variable
	Rows      []Row
}

// Variable is a templating variable over label values of a metric.
type Variable struct {
	Name, Label, Metric string
}

func f(v float64) *float64 { return &v }

// Queries returns every PromQL expression of the dashboard (for tests).
func (d Dashboard) Queries() []string {
	var out []string
	for _, r := range d.Rows {
		for _, p := range r.Panels {
			for _, q := range p.Queries {
				out = append(out, q.Expr)
			}
		}
	}
	for _, v := range d.Variables {
		out = append(out, v.Metric)
	}
	return out
}

// JSON renders the dashboard in Grafana's model (schemaVersion 39).
func (d Dashboard) JSON() ([]byte, error) {
	ds := map[string]any{"type": "prometheus", "uid": "${datasource}"}
	vars := []any{map[string]any{
		"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
		"current": map[string]any{}, "hide": 0,
	}}
	for _, v := range d.Variables {
		vars = append(vars, map[string]any{
			"name": v.Name, "label": v.Label, "type": "query", "datasource": ds,
			"query":      map[string]any{"query": fmt.Sprintf("label_values(%s, %s)", v.Metric, v.Name), "refId": "vars"},
			"definition": fmt.Sprintf("label_values(%s, %s)", v.Metric, v.Name),
			"refresh":    2, "multi": true, "includeAll": true, "allValue": ".*", "sort": 1,
			"current": map[string]any{"text": "All", "value": "$__all"},
		})
	}
	var panels []any
	id, y := 1, 0
	for _, r := range d.Rows {
		panels = append(panels, map[string]any{
			"type": "row", "title": r.Title, "id": id, "collapsed": false,
			"gridPos": map[string]int{"h": 1, "w": 24, "x": 0, "y": y},
		})
		id++
		y++
		x, rowH := 0, 0
		for _, p := range r.Panels {
			w, h := p.Width, p.Height
			if w == 0 {
				w = 12
			}
			if h == 0 {
				h = 8
			}
			if x+w > 24 {
				x, y = 0, y+rowH
				rowH = 0
			}
			panels = append(panels, p.model(id, ds, x, y, w, h))
			id++
			x += w
			if h > rowH {
				rowH = h
			}
		}
		y += rowH
	}
	model := map[string]any{
		"uid": d.UID, "title": d.Title, "description": d.Description, "tags": d.Tags,
		"schemaVersion": 39, "version": 1, "editable": true, "graphTooltip": 1,
		"time":    map[string]string{"from": "now-3h", "to": "now"},
		"refresh": "30s", "timezone": "",
		"templating":  map[string]any{"list": vars},
		"annotations": map[string]any{"list": []any{}},
		"panels":      panels,
	}
	return json.MarshalIndent(model, "", "  ")
}

func (p Panel) model(id int, ds map[string]any, x, y, w, h int) map[string]any {
	var targets []any
	for i, q := range p.Queries {
		t := map[string]any{"datasource": ds, "expr": q.Expr, "refId": string(rune('A' + i)), "legendFormat": q.Legend}
		if q.Format != "" {
			t["format"] = q.Format
		}
		if q.Instant {
			t["instant"] = true
			t["range"] = false
		}
		targets = append(targets, t)
	}
	defaults := map[string]any{}
	if p.Unit != "" {
		defaults["unit"] = p.Unit
	}
	if p.Min != nil {
		defaults["min"] = *p.Min
	}
	if p.Max != nil {
		defaults["max"] = *p.Max
	}
	if len(p.Thresholds) > 0 {
		var steps []any
		for _, t := range p.Thresholds {
			var v any
			if t.Value != nil {
				v = *t.Value
			}
			steps = append(steps, map[string]any{"value": v, "color": t.Color})
		}
		defaults["thresholds"] = map[string]any{"mode": "absolute", "steps": steps}
		defaults["color"] = map[string]any{"mode": "thresholds"}
	}
	if p.Stack {
		defaults["custom"] = map[string]any{"stacking": map[string]any{"mode": "normal"}}
	}
	m := map[string]any{
		"id": id, "type": p.Kind, "title": p.Title, "description": p.Description, "datasource": ds,
		"targets": targets, "gridPos": map[string]int{"h": h, "w": w, "x": x, "y": y},
		"fieldConfig": map[string]any{"defaults": defaults, "overrides": []any{}},
	}
	if p.Kind == Heatmap {
		m["options"] = map[string]any{"calculate": false, "yAxis": map[string]any{"unit": p.Unit}, "cellGap": 1}
	}
	return m
}
