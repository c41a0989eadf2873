package web

import (
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// labelCacheMax bounds the Descs remembered per server label (a Desc is per family, not per series); past
// it the cache starts again (collectors that make a Desc per scrape would otherwise grow it without end).
const labelCacheMax = 10000

// labeler adds server="<name>" to every metric of one instance. prometheus.WrapRegistererWith does the
// same but builds a new Desc (NewDesc: name and label validation, hashing) for every series on every
// scrape; the collectors here reuse their Descs across scrapes (collector/kamailio premade.go), so the
// labelled Desc of each one is made once and kept. It is made by client_golang's own wrapping, so the
// result is the wrapped Desc byte for byte.
type labeler struct {
	pair   *dto.LabelPair
	labels prometheus.Labels
	mu     sync.RWMutex
	descs  map[*prometheus.Desc]*prometheus.Desc
}

var (
	labelersMu sync.Mutex
	labelers   = map[string]*labeler{}
)

// labelerFor returns the one labeler of a server label value (kept for the process' life: one per
// configured instance name, and per probed target).
func labelerFor(value string) *labeler {
	labelersMu.Lock()
	defer labelersMu.Unlock()
	l := labelers[value]
	if l == nil {
		l = &labeler{pair: labelPair(ServerLabel, value), descs: map[*prometheus.Desc]*prometheus.Desc{}}
		l.labels = prometheus.Labels{ServerLabel: value}
		if len(labelers) > labelCacheMax {
			clear(labelers)
		}
		labelers[value] = l
	}
	return l
}

func labelPair(name, value string) *dto.LabelPair { return &dto.LabelPair{Name: &name, Value: &value} }

// desc is d with the server label, made once per d.
func (l *labeler) desc(d *prometheus.Desc) *prometheus.Desc {
	l.mu.RLock()
	w, ok := l.descs[d]
	l.mu.RUnlock()
	if ok {
		return w
	}
	var c descCatcher
	_ = prometheus.WrapRegistererWith(l.labels, &c).Register(descCollector{d})
	w = c.out
	l.mu.Lock()
	if len(l.descs) >= labelCacheMax {
		clear(l.descs)
	}
	l.descs[d] = w
	l.mu.Unlock()
	return w
}

// metric is m with the server label.
func (l *labeler) metric(m prometheus.Metric) prometheus.Metric {
	return labeledMetric{Metric: m, desc: l.desc(m.Desc()), pair: l.pair}
}

// descCollector describes one Desc.
type descCollector struct{ d *prometheus.Desc }

func (c descCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.d }
func (c descCollector) Collect(chan<- prometheus.Metric)    {}

// descCatcher is the Registerer under a wrapping one: it reads back the wrapped Desc.
type descCatcher struct{ out *prometheus.Desc }

func (c *descCatcher) Register(col prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 1)
	col.Describe(ch)
	c.out = <-ch
	return nil
}
func (c *descCatcher) MustRegister(cs ...prometheus.Collector) {
	for _, col := range cs {
		_ = c.Register(col)
	}
}
func (c *descCatcher) Unregister(prometheus.Collector) bool { return false }

// labeledMetric writes its metric with the server label pair in its sorted place.
type labeledMetric struct {
	prometheus.Metric
	desc *prometheus.Desc
	pair *dto.LabelPair
}

func (m labeledMetric) Desc() *prometheus.Desc { return m.desc }

func (m labeledMetric) Write(out *dto.Metric) error {
	if err := m.Metric.Write(out); err != nil {
		return err
	}
	i, _ := slices.BinarySearchFunc(out.Label, m.pair, func(a, b *dto.LabelPair) int {
		return strings.Compare(a.GetName(), b.GetName())
	})
	out.Label = slices.Insert(out.Label, i, m.pair)
	return nil
}
