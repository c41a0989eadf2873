package kamailio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
)

// maxPromBytes bounds what is read from xhttp_prom.
const maxPromBytes = 8 << 20

// xhttpProm merges the series of Kamailio's xhttp_prom module (user-defined
// counters, gauges and histograms filled from the routing script) into the
// scrape. xhttp_prom prints no # TYPE lines, so the type comes from the
// name: *_total is a counter, *_bucket/_sum/_count groups are histograms,
// anything else a gauge. Its millisecond timestamps are dropped (the
// values are current at scrape time).
//
// Each number once, by rule:
//   - Kamailio's internal statistics, which xhttp_prom prints after its
//     user-defined metrics when xhttp_prom_stats is set (prom.c
//     prom_stats_get: "# Kamailio whole internal statistics", or "# Kamailio
//     statistics for …", then kamailio_<group>_<name> per counter), are the
//     counters stats.fetch reads: while stats.fetch is on, they are left out;
//     with it off they are merged, untyped (Kamailio gives no type).
//   - A user-defined family whose name one of this exporter's families has
//     (its own, or one stats.fetch exported for this instance) is left out:
//     the exporter's wins. That is logged once per name, not per scrape.
type xhttpProm struct {
	covered
	url    string
	client *http.Client
	sf     *statsFetch // whose families win
	log    *slog.Logger

	mu     sync.Mutex
	descs  map[string]*prometheus.Desc
	warned map[string]bool
}

func newXHTTPProm(url string, sf *statsFetch) *xhttpProm {
	return &xhttpProm{url: url, client: &http.Client{}, sf: sf, log: slog.New(slog.DiscardHandler),
		descs: map[string]*prometheus.Desc{}, warned: map[string]bool{}}
}

func (x *xhttpProm) setLogger(l *slog.Logger) { x.log = l }
func (*xhttpProm) afterRPC()                  {}

func (*xhttpProm) Name() string { return "xhttp_prom" }
func (*xhttpProm) Help() string {
	return "the series Kamailio's xhttp_prom module serves at the instance's custom_metrics_url, typed"
}
func (*xhttpProm) Default() bool { return true }

// PromSample is one line of xhttp_prom's output.
type PromSample struct {
	Name   string
	Labels [][2]string
	Value  float64
	// Internal: in the section of Kamailio's internal statistics
	// (xhttp_prom_stats), not a user-defined metric.
	Internal bool
}

func (x *xhttpProm) Scrape(ctx context.Context, _ RPC, ch chan<- prometheus.Metric) error {
	if x.url == "" {
		return nil
	}
	if err := waitRPC(ctx); err != nil {
		return fmt.Errorf("xhttp_prom: waiting for the BINRPC calls: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, x.url, nil)
	if err != nil {
		return err
	}
	resp, err := x.client.Do(req)
	if err != nil {
		return fmt.Errorf("xhttp_prom: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("xhttp_prom: GET %s: %s", x.url, resp.Status)
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	defer bodyPool.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxPromBytes+1)); err != nil {
		return fmt.Errorf("xhttp_prom: %w", err)
	}
	if buf.Len() > maxPromBytes {
		return fmt.Errorf("xhttp_prom: more than %d bytes", maxPromBytes)
	}
	// stats.fetch has the internal statistics: they are not even parsed
	samples, err := parsePromText(buf.String(), x.has("stats.fetch"))
	if err != nil {
		return err
	}
	x.emit(samples, ch)
	return nil
}

// bodyPool holds read buffers for xhttp_prom's pages.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// ParsePromText parses xhttp_prom's text output: `name{l="v", …} value
// [timestamp]` lines, # comments ignored.
func ParsePromText(b []byte) ([]PromSample, error) { return parsePromText(string(b), false) }

// parsePromText parses text; with noInternal it stops where xhttp_prom's
// internal statistics begin (they come last, prom.c prom_stats_get). The
// samples' strings are slices of text.
func parsePromText(text string, noInternal bool) ([]PromSample, error) {
	out := make([]PromSample, 0, strings.Count(text, "\n")+1)
	line := 0
	internal := false
	for len(text) > 0 {
		line++
		l := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if l[0] == '#' {
			// prom.c prom_stats_get: the internal statistics follow these
			if strings.HasPrefix(l, "# Kamailio whole internal statistics") || strings.HasPrefix(l, "# Kamailio statistics for") {
				if noInternal {
					break
				}
				internal = true
			}
			continue
		}
		s, err := parsePromLine(l)
		if err != nil {
			return nil, fmt.Errorf("xhttp_prom: line %d: %w", line, err)
		}
		s.Internal = internal
		out = append(out, s)
	}
	return out, nil
}

func parsePromLine(l string) (PromSample, error) {
	var s PromSample
	i := 0
	for i < len(l) && l[i] != '{' && l[i] != ' ' && l[i] != '\t' {
		i++
	}
	s.Name = l[:i]
	if !model.IsValidLegacyMetricName(s.Name) {
		return s, fmt.Errorf("bad metric name %q", clip(s.Name))
	}
	rest := l[i:]
	if strings.HasPrefix(rest, "{") {
		rest = rest[1:]
		for {
			rest = strings.TrimLeft(rest, " \t,")
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.IndexByte(rest, '=')
			if eq <= 0 || eq+1 >= len(rest) || rest[eq+1] != '"' {
				return s, errors.New("bad label")
			}
			name := strings.TrimSpace(rest[:eq])
			if !model.LabelName(name).IsValidLegacy() {
				return s, fmt.Errorf("bad label name %q", clip(name))
			}
			j := eq + 2
			if q := strings.IndexByte(rest[j:], '"'); q >= 0 && strings.IndexByte(rest[j:j+q], '\\') < 0 {
				// no escapes: the value is a slice of the line
				s.Labels = append(s.Labels, [2]string{name, rest[j : j+q]})
				rest = rest[j+q+1:]
				continue
			}
			var val strings.Builder
			for ; j < len(rest) && rest[j] != '"'; j++ {
				if rest[j] == '\\' && j+1 < len(rest) {
					j++
					switch rest[j] {
					case 'n':
						val.WriteByte('\n')
					default:
						val.WriteByte(rest[j])
					}
					continue
				}
				val.WriteByte(rest[j])
			}
			if j >= len(rest) {
				return s, errors.New("unterminated label value")
			}
			s.Labels = append(s.Labels, [2]string{name, val.String()})
			rest = rest[j+1:]
		}
	}
	// a value and an optional timestamp, as strings.Fields would split them
	val, ts := strings.TrimSpace(rest), ""
	if i := strings.IndexFunc(val, unicode.IsSpace); i >= 0 {
		val, ts = val[:i], strings.TrimSpace(val[i:])
	}
	if val == "" || strings.IndexFunc(ts, unicode.IsSpace) >= 0 {
		return s, errors.New("want a value and an optional timestamp")
	}
	v, err := strconv.ParseFloat(val, 64)
	if err != nil {
		return s, fmt.Errorf("bad value %q", clip(val))
	}
	s.Value = v
	return s, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

type histo struct {
	labelNames, labelValues []string
	buckets                 map[float64]uint64
	sum                     float64
	count                   uint64
	hasSum, hasCount        bool
}

// emit sends the samples with their types; a family whose name clashes
// with this exporter's own is left out.
func (x *xhttpProm) emit(samples []PromSample, ch chan<- prometheus.Metric) {
	// histograms: base name → label set → parts
	hist := map[string]map[string]*histo{}
	isHist := map[string]bool{}
	for _, s := range samples {
		if base, ok := strings.CutSuffix(s.Name, "_bucket"); ok && hasLabel(s.Labels, "le") {
			isHist[base] = true
		}
	}
	statsFetchOn := x.has("stats.fetch")
	for _, s := range samples {
		if s.Internal && statsFetchOn {
			continue // stats.fetch has it
		}
		if x.taken(s.Name) {
			continue
		}
		base, part := s.Name, ""
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(s.Name, suf); ok && isHist[b] {
				base, part = b, suf
			}
		}
		if part != "" {
			if x.taken(base) {
				continue
			}
			var names, values []string
			le := math.NaN()
			for _, l := range s.Labels {
				if l[0] == "le" {
					le, _ = strconv.ParseFloat(l[1], 64)
					continue
				}
				names, values = append(names, l[0]), append(values, l[1])
			}
			key := strings.Join(names, "\xff") + "\xfe" + strings.Join(values, "\xff")
			if hist[base] == nil {
				hist[base] = map[string]*histo{}
			}
			h := hist[base][key]
			if h == nil {
				h = &histo{labelNames: names, labelValues: values, buckets: map[float64]uint64{}}
				hist[base][key] = h
			}
			switch part {
			case "_bucket":
				if !math.IsNaN(le) && !math.IsInf(le, +1) {
					h.buckets[le] = uint64(s.Value)
				}
			case "_sum":
				h.sum, h.hasSum = s.Value, true
			case "_count":
				h.count, h.hasCount = uint64(s.Value), true
			}
			continue
		}
		names := make([]string, len(s.Labels))
		values := make([]string, len(s.Labels))
		for i, l := range s.Labels {
			names[i], values[i] = l[0], l[1]
		}
		d := x.desc(s.Name, names)
		t := prometheus.GaugeValue
		switch {
		case s.Internal:
			t = prometheus.UntypedValue
		case strings.HasSuffix(s.Name, "_total"):
			t = prometheus.CounterValue
		}
		if m, err := prometheus.NewConstMetric(d, t, s.Value, values...); err == nil {
			ch <- m
		}
	}
	bases := make([]string, 0, len(hist))
	for b := range hist {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	for _, b := range bases {
		for _, h := range hist[b] {
			if !h.hasSum || !h.hasCount {
				continue
			}
			d := x.desc(b, h.labelNames)
			if m, err := prometheus.NewConstHistogram(d, h.count, h.sum, h.buckets, h.labelValues...); err == nil {
				ch <- m
			}
		}
	}
}

// taken reports whether family name is this exporter's own or one
// stats.fetch exported for the instance (its first time logged).
func (x *xhttpProm) taken(name string) bool {
	if !reserved[name] && (x.sf == nil || !x.sf.hasFamily(name)) {
		return false
	}
	x.mu.Lock()
	first := !x.warned[name] && len(x.warned) < maxDynamic
	if first {
		x.warned[name] = true
	}
	x.mu.Unlock()
	if first {
		x.log.Warn("xhttp_prom family left out: the exporter exports a family of that name itself (rename the xhttp_prom metric to merge it)",
			"family", name)
	}
	return true
}

func hasLabel(ls [][2]string, name string) bool {
	for _, l := range ls {
		if l[0] == name {
			return true
		}
	}
	return false
}

// desc caches one Desc per name and label names (bounded).
func (x *xhttpProm) desc(name string, labels []string) *prometheus.Desc {
	key := name + "\xfe" + strings.Join(labels, "\xff")
	x.mu.Lock()
	defer x.mu.Unlock()
	if d, ok := x.descs[key]; ok {
		return d
	}
	d := prometheus.NewDesc(name, "Series of Kamailio's xhttp_prom module (custom_metrics_url), typed by name. Seed 003: passed through untyped.", labels, nil)
	if len(x.descs) < maxDynamic {
		x.descs[key] = d
	}
	return d
}

func (x *xhttpProm) idle() bool { return x.url == "" }
