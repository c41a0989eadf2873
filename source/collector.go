package source

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SelfNamespace prefixes the exporter's own metrics.
const SelfNamespace = "voip_exporter"

var (
	scrapeDurationDesc = prometheus.NewDesc(
		prometheus.BuildFQName(SelfNamespace, "scrape", "collector_duration_seconds"),
		"Duration of one collector's scrape of one instance.",
		[]string{"source", "collector"}, nil)
	scrapeSuccessDesc = prometheus.NewDesc(
		prometheus.BuildFQName(SelfNamespace, "scrape", "collector_success"),
		"Whether one collector's scrape of one instance succeeded (1) or failed (0).",
		[]string{"source", "collector"}, nil)
	scrapesTotalDesc = prometheus.NewDesc(
		prometheus.BuildFQName(SelfNamespace, "", "scrapes_total"),
		"Scrapes of one instance since the exporter started.",
		[]string{"source"}, nil)
	scrapeErrorsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(SelfNamespace, "", "scrape_errors_total"),
		"Scrapes of one instance that left it down (no collector succeeded).",
		[]string{"source"}, nil)
	instanceDurationDesc = prometheus.NewDesc(
		prometheus.BuildFQName(SelfNamespace, "scrape", "duration_seconds"),
		"Duration of the whole scrape of one instance.",
		[]string{"source"}, nil)
)

// Collector runs a set of scrapers against one client concurrently and reports,
// besides their metrics, <namespace>_up and the per-collector self metrics.
// It is the shared core of every source's Instance.Collect.
type Collector[C any] struct {
	Source   string // "freeswitch"; also the namespace of <source>_up
	Client   C
	Scrapers []Scraper[C]
	Logger   *slog.Logger
	// Ready, when set, is asked before scraping: false means the instance is
	// down (not connected) and no scraper runs, so a scrape never waits on a
	// dead server.
	Ready func() error

	upDesc  *prometheus.Desc
	once    sync.Once
	scrapes atomic.Uint64
	errors  atomic.Uint64
}

func (c *Collector[C]) init() {
	c.once.Do(func() {
		c.upDesc = prometheus.NewDesc(
			prometheus.BuildFQName(c.Source, "", "up"),
			"Whether the last scrape of this "+c.Source+" instance succeeded (1) or not (0).",
			nil, nil)
		if c.Logger == nil {
			c.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// Collect scrapes every scraper concurrently under ctx and reports up=1 when at
// least one of them succeeded. It returns the error that made the instance
// down, if any.
func (c *Collector[C]) Collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	c.init()
	start := time.Now()
	c.scrapes.Add(1)
	var downErr error
	if c.Ready != nil {
		downErr = c.Ready()
	}
	succeeded := 0
	if downErr == nil {
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			firstErr error
		)
		for _, s := range c.Scrapers {
			wg.Add(1)
			go func(s Scraper[C]) {
				defer wg.Done()
				t0 := time.Now()
				err := s.Scrape(ctx, c.Client, ch)
				ok := err == nil || IsNoData(err)
				if ok {
					mu.Lock()
					succeeded++
					mu.Unlock()
				} else {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					c.Logger.Warn("collector failed", "collector", s.Name(), "err", err)
				}
				ch <- prometheus.MustNewConstMetric(scrapeDurationDesc, prometheus.GaugeValue,
					time.Since(t0).Seconds(), c.Source, s.Name())
				ch <- prometheus.MustNewConstMetric(scrapeSuccessDesc, prometheus.GaugeValue,
					boolFloat(ok), c.Source, s.Name())
			}(s)
		}
		wg.Wait()
		if succeeded == 0 && len(c.Scrapers) > 0 {
			downErr = firstErr
			if downErr == nil {
				downErr = errors.New("no collector succeeded")
			}
		}
	}
	if downErr != nil {
		c.errors.Add(1)
	}
	ch <- prometheus.MustNewConstMetric(c.upDesc, prometheus.GaugeValue, boolFloat(downErr == nil))
	ch <- prometheus.MustNewConstMetric(instanceDurationDesc, prometheus.GaugeValue, time.Since(start).Seconds(), c.Source)
	ch <- prometheus.MustNewConstMetric(scrapesTotalDesc, prometheus.CounterValue, float64(c.scrapes.Load()), c.Source)
	ch <- prometheus.MustNewConstMetric(scrapeErrorsDesc, prometheus.CounterValue, float64(c.errors.Load()), c.Source)
	return downErr
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
