package freeswitch

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkScrapeAll runs every scraper once per iteration against the idle
// captures, as one scrape of one instance does (sequentially here).
func BenchmarkScrapeAll(b *testing.B) {
	api := newFakeAPI(b, idleFiles)
	scrapers := Scrapers()
	ch := make(chan prometheus.Metric, 256)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range scrapers {
			if err := s.Scrape(ctx, api, ch); err != nil {
				b.Fatal(err)
			}
		}
		for len(ch) > 0 {
			<-ch
		}
	}
}

// BenchmarkScrapeRegistrations50k measures the registrations scraper on a
// box with 50,000 registrations (the captured row repeated).
func BenchmarkScrapeRegistrations50k(b *testing.B) {
	one := frameBody(b, "frames/api-show-registrations-as-json.txt")
	row := one[bytes.IndexByte(one, '[')+1 : bytes.LastIndexByte(one, ']')]
	const n = 50000
	body := []byte(`{"row_count":` + strconv.Itoa(n) + `,"rows":[`)
	for i := range n {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, row...)
	}
	body = append(body, "]}"...)
	api := &fakeAPI{bodies: map[string][]byte{"show registrations as json": body}}
	ch := make(chan prometheus.Metric, 64)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := (registrationsScraper{}).Scrape(context.Background(), api, ch); err != nil {
			b.Fatal(err)
		}
		for len(ch) > 0 {
			<-ch
		}
	}
}
