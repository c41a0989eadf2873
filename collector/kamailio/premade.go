package kamailio

import (
	"encoding/binary"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// premade is what every scrape's metric of one series shares: its Desc,
// type and label pairs, made once (not per scrape, as
// prometheus.NewConstMetric would: MakeLabelPairs was a sixth of a
// scrape's allocations).
type premade struct {
	desc  *prometheus.Desc
	typ   prometheus.ValueType
	pairs []*dto.LabelPair // len == cap: a wrapping registry's append copies
}

func newPremade(desc *prometheus.Desc, typ prometheus.ValueType, labels []string) (*premade, error) {
	m, err := prometheus.NewConstMetric(desc, typ, 0, labels...)
	if err != nil {
		return nil, err
	}
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		return nil, err
	}
	return &premade{desc: desc, typ: typ, pairs: d.Label[:len(d.Label):len(d.Label)]}, nil
}

// constMetric is one series' value in one scrape.
type constMetric struct {
	m     *premade
	value float64
}

func (f *constMetric) Desc() *prometheus.Desc { return f.m.desc }

func (f *constMetric) Write(out *dto.Metric) error {
	out.Label = f.m.pairs
	v := f.value
	switch f.m.typ {
	case prometheus.CounterValue:
		out.Counter = &dto.Counter{Value: &v}
	case prometheus.GaugeValue:
		out.Gauge = &dto.Gauge{Value: &v}
	default:
		out.Untyped = &dto.Untyped{Value: &v}
	}
	return nil
}

// premades caches the premade of each series the gauge and counter
// helpers send: per Desc, by type and label values. A Kamailio's series
// are the same from scrape to scrape (pids, targets, tables…), so after
// the first scrape a series costs one map lookup, no allocation.
var premades sync.Map // *prometheus.Desc → *premadeSet

type premadeSet struct {
	mu sync.RWMutex
	m  map[string]*premade
}

// maxPremade bounds the series remembered per family (label values that
// come and go, like pids across restarts, stop being cached beyond it).
const maxPremade = 4096

// send sends one series' value, from its premade.
func send(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType, v float64, labels []string) {
	var arr [256]byte
	key := append(arr[:0], byte(t))
	for _, l := range labels {
		key = binary.AppendUvarint(key, uint64(len(l))) // length-prefixed: no two label sets share a key
		key = append(key, l...)
	}
	x, ok := premades.Load(d)
	if !ok {
		x, _ = premades.LoadOrStore(d, &premadeSet{m: map[string]*premade{}})
	}
	set := x.(*premadeSet)
	set.mu.RLock()
	p := set.m[string(key)]
	set.mu.RUnlock()
	if p == nil {
		var err error
		if p, err = newPremade(d, t, labels); err != nil {
			return // a label value that is not UTF-8: left out
		}
		set.mu.Lock()
		if len(set.m) < maxPremade {
			set.m[string(key)] = p
		}
		set.mu.Unlock()
	}
	ch <- &constMetric{m: p, value: v}
}
