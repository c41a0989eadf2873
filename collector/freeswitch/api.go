package freeswitch

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/source"
)

// Namespace prefixes every FreeSWITCH metric.
const Namespace = "freeswitch"

// API is all the scrapers need from an Event Socket client: run one `api`
// command and return the reply body. An implementation may return an error
// together with the body when the body starts with "-ERR"; both conventions
// are understood.
type API interface {
	API(ctx context.Context, cmd string) ([]byte, error)
}

// MaxReplyBytes bounds every reply a parser accepts (the largest expected one
// is `show registrations as json` on a box with tens of thousands of
// registrations, about 300 bytes each).
const MaxReplyBytes = 64 << 20

// maxLabelBytes bounds a label value taken from a reply.
const maxLabelBytes = 256

// Options tunes the scrapers returned by ScrapersWith.
type Options struct {
	// TimeSyncTolerance is the largest |FreeSWITCH clock − exporter clock|
	// for which freeswitch_time_synced is 1. Zero means DefaultTimeSyncTolerance.
	TimeSyncTolerance time.Duration
	// Now is the exporter clock; nil means time.Now. Tests inject a fixed clock.
	Now func() time.Time
}

// Scrapers returns every FreeSWITCH scraper with default options, in a stable order.
func Scrapers() []source.Scraper[API] { return ScrapersWith(Options{}) }

// ScrapersWith returns every FreeSWITCH scraper, in a stable order.
func ScrapersWith(o Options) []source.Scraper[API] {
	return []source.Scraper[API]{
		statusScraper{},
		callsCountScraper{},
		channelsCountScraper{},
		uptimeScraper{},
		strepochScraper{tolerance: o.TimeSyncTolerance, now: o.Now},
		versionScraper{},
		sofiaStatusScraper{},
		sofiaGatewaysScraper{},
		registrationsScraper{},
	}
}

// call runs cmd and sorts its outcome: a body that FreeSWITCH rejected with
// "-ERR … Command not found" (the module that provides cmd is not loaded)
// becomes source.NoData; any other "-ERR" reply or transport error is an error.
func call(ctx context.Context, api API, cmd string) ([]byte, error) {
	body, err := api.API(ctx, cmd)
	if line, ok := errReply(body); ok {
		if isCommandNotFound(line) {
			return nil, source.NoData(cmd + ": " + line)
		}
		return nil, fmt.Errorf("%s: %s", cmd, line)
	}
	if err != nil {
		if isCommandNotFound(err.Error()) {
			return nil, source.NoData(cmd + ": " + err.Error())
		}
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	if len(body) > MaxReplyBytes {
		return nil, fmt.Errorf("%s: reply of %d bytes is over the %d-byte limit", cmd, len(body), MaxReplyBytes)
	}
	return body, nil
}

// errReply reports whether body is a "-ERR …" or "-USAGE …" reply and
// returns its first line, bounded.
func errReply(body []byte) (string, bool) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if !bytes.HasPrefix(b, []byte("-ERR")) && !bytes.HasPrefix(b, []byte("-USAGE")) {
		return "", false
	}
	return firstLine(b), true
}

func isCommandNotFound(s string) bool {
	return strings.Contains(strings.ToLower(s), "command not found")
}

// firstLine returns b's first line, trimmed and cut to 200 bytes of valid
// UTF-8, for error messages.
func firstLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	return clip(strings.TrimSpace(string(b)), 200)
}

// clip cuts s to at most n bytes on a rune boundary and makes it valid UTF-8.
func clip(s string, n int) string {
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// garbage describes an unexpected reply in an error: its first line, quoted.
func garbage(what string, body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%s: empty reply", what)
	}
	return fmt.Errorf("%s: unexpected reply %q", what, firstLine(bytes.TrimSpace(body)))
}

func newDesc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, subsystem, name), help, labels, nil)
}

// emit sends one const metric; label values from FreeSWITCH are made valid
// UTF-8 and bounded. It never panics: a metric that cannot be built is sent
// as an invalid metric, which the registry reports.
func emit(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
	for i, l := range labels {
		if len(l) > maxLabelBytes || !utf8.ValidString(l) {
			labels[i] = clip(l, maxLabelBytes)
		}
	}
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	ch <- m
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	emit(ch, d, prometheus.GaugeValue, v, labels...)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	emit(ch, d, prometheus.CounterValue, v, labels...)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
