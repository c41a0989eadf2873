package web

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// fixedCollector emits the same metrics from the same Descs on every Collect, as collector/kamailio does.
type fixedCollector struct{ ms []prometheus.Metric }

func (fixedCollector) Describe(chan<- *prometheus.Desc) {}
func (f fixedCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range f.ms {
		ch <- m
	}
}

type labeledCollector struct {
	inner prometheus.Collector
	lab   *labeler
}

func (labeledCollector) Describe(chan<- *prometheus.Desc) {}
func (l labeledCollector) Collect(ch chan<- prometheus.Metric) {
	inner := make(chan prometheus.Metric)
	go func() { l.inner.Collect(inner); close(inner) }()
	for m := range inner {
		ch <- l.lab.metric(m)
	}
}

func textOf(t *testing.T, reg *prometheus.Registry) (string, error) {
	t.Helper()
	mfs, err := reg.Gather()
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, e := expfmt.MetricFamilyToText(&buf, mf); e != nil {
			t.Fatal(e)
		}
	}
	return buf.String(), err
}

// TestLabelerMatchesClientGolangWrapping: the cached labeler gives what prometheus.WrapRegistererWith
// gives (client_golang's own definition of adding a label), byte for byte, scrape after scrape —
// labels before and after "server" in sort order, const labels, a histogram, no labels at all — and the
// same error when a metric already has a server label.
func TestLabelerMatchesClientGolangWrapping(t *testing.T) {
	vec := prometheus.NewDesc("x_calls_total", "Calls.", []string{"a_method", "zone"}, prometheus.Labels{"node": "n1"})
	plain := prometheus.NewDesc("x_up", "Up.", nil, nil)
	hist := prometheus.NewDesc("x_pdd_seconds", "PDD.", []string{"gateway"}, nil)
	ms := []prometheus.Metric{
		prometheus.MustNewConstMetric(vec, prometheus.CounterValue, 3, "INVITE", "eu"),
		prometheus.MustNewConstMetric(vec, prometheus.CounterValue, 5, "BYE", "us"),
		prometheus.MustNewConstMetric(plain, prometheus.GaugeValue, 1),
		prometheus.MustNewConstHistogram(hist, 2, 3.5, map[float64]uint64{1: 1, 5: 2}, "gw\"1"),
	}
	want := prometheus.NewRegistry()
	prometheus.WrapRegistererWith(prometheus.Labels{ServerLabel: "sbc1"}, want).MustRegister(fixedCollector{ms})
	wantText, err := textOf(t, want)
	if err != nil {
		t.Fatal(err)
	}
	lab := &labeler{pair: labelPair(ServerLabel, "sbc1"), labels: prometheus.Labels{ServerLabel: "sbc1"}, descs: map[*prometheus.Desc]*prometheus.Desc{}}
	got := prometheus.NewRegistry()
	got.MustRegister(labeledCollector{fixedCollector{ms}, lab})
	for scrape := range 3 {
		gotText, err := textOf(t, got)
		if err != nil {
			t.Fatal(err)
		}
		if gotText != wantText {
			t.Fatalf("scrape %d:\n%s\nwant (WrapRegistererWith):\n%s", scrape, gotText, wantText)
		}
	}
	if len(lab.descs) != 3 {
		t.Errorf("%d Descs cached, want 3 (one per Desc, whatever the scrapes)", len(lab.descs))
	}
	if !strings.Contains(wantText, `x_calls_total{a_method="BYE",node="n1",server="sbc1",zone="us"} 5`) {
		t.Errorf("wrapping changed? %s", wantText)
	}

	clash := prometheus.NewDesc("x_y", "Y.", []string{ServerLabel}, nil)
	bad := []prometheus.Metric{prometheus.MustNewConstMetric(clash, prometheus.GaugeValue, 1, "inner")}
	w := prometheus.NewRegistry()
	prometheus.WrapRegistererWith(prometheus.Labels{ServerLabel: "sbc1"}, w).MustRegister(fixedCollector{bad})
	_, wantErr := textOf(t, w)
	g := prometheus.NewRegistry()
	g.MustRegister(labeledCollector{fixedCollector{bad}, lab})
	_, gotErr := textOf(t, g)
	if wantErr == nil || gotErr == nil {
		t.Fatalf("a second server label: errors %v / %v, want both", gotErr, wantErr)
	}
}

func BenchmarkLabeler(b *testing.B) {
	d := prometheus.NewDesc("x_calls_total", "Calls.", []string{"method"}, nil)
	ms := make([]prometheus.Metric, 400)
	for i := range ms {
		ms[i] = prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(i), "method"+strconv.Itoa(i))
	}
	for _, mode := range []string{"wrap", "labeler"} {
		b.Run(mode, func(b *testing.B) {
			reg := prometheus.NewRegistry()
			if mode == "wrap" {
				prometheus.WrapRegistererWith(prometheus.Labels{ServerLabel: "s"}, reg).MustRegister(fixedCollector{ms})
			} else {
				reg.MustRegister(labeledCollector{fixedCollector{ms}, labelerFor("bench")})
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := reg.Gather(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
