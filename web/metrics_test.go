package web

import (
	"bytes"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

func gatherText(t *testing.T, g prometheus.Gatherer) (string, error) {
	t.Helper()
	mfs, err := g.Gather()
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, e := expfmt.MetricFamilyToText(&buf, mf); e != nil {
			t.Fatal(e)
		}
	}
	return buf.String(), err
}

// TestMergedIsGatherers: merged gives what prometheus.Gatherers (client_golang's definition of merging
// registries) gives: disjoint families interleaved in name order; a family in both merged into one; two
// copies of one series an error.
func TestMergedIsGatherers(t *testing.T) {
	gauge := func(reg *prometheus.Registry, name string, labels prometheus.Labels, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "H.", ConstLabels: labels})
		g.Set(v)
		reg.MustRegister(g)
	}
	for name, build := range map[string]func() (a, b *prometheus.Registry){
		"disjoint": func() (a, b *prometheus.Registry) {
			a, b = prometheus.NewRegistry(), prometheus.NewRegistry()
			gauge(a, "b_up", nil, 1)
			gauge(a, "d_x", prometheus.Labels{"server": "s"}, 2)
			gauge(b, "a_build", nil, 3)
			gauge(b, "c_y", nil, 4)
			gauge(b, "e_z", nil, 5)
			return
		},
		"shared family": func() (a, b *prometheus.Registry) {
			a, b = prometheus.NewRegistry(), prometheus.NewRegistry()
			gauge(a, "x", prometheus.Labels{"server": "s1"}, 1)
			gauge(b, "x", prometheus.Labels{"server": "s2"}, 2)
			gauge(b, "y", nil, 3)
			return
		},
		"duplicate series": func() (a, b *prometheus.Registry) {
			a, b = prometheus.NewRegistry(), prometheus.NewRegistry()
			gauge(a, "x", nil, 1)
			gauge(b, "x", nil, 2)
			return
		},
	} {
		t.Run(name, func(t *testing.T) {
			a, b := build()
			want, wantErr := gatherText(t, prometheus.Gatherers{a, b})
			got, gotErr := gatherText(t, merged{a, b})
			if got != want || (gotErr == nil) != (wantErr == nil) {
				t.Errorf("merged:\n%s(err %v)\nGatherers:\n%s(err %v)", got, gotErr, want, wantErr)
			}
		})
	}
}
