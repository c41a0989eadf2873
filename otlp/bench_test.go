package otlp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"

	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/store"
)

// BenchmarkPipelineSample is the OTLP cost of one RTCP sample (the SDK's
// synchronous instruments, cached attribute sets).
func BenchmarkPipelineSample(b *testing.B) {
	e, err := New(Config{Endpoint: "127.0.0.1:1", Insecure: true, QueueDir: b.TempDir(), MetricInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	p, err := e.Pipeline("fs")
	if err != nil {
		b.Fatal(err)
	}
	defer p.queue.Close()
	l := &quality.Leg{ChannelID: "a"}
	lbs := []quality.Labels{{Domain: "a", Codec: "PCMU", Direction: "inbound"}, {Domain: "b", Codec: "PCMA", Direction: "outbound"}}
	b.ReportAllocs()
	for i := range b.N {
		p.Sample(l, lbs[i&1], quality.Sample{Kind: quality.StreamSent, Jitter: 0.01, FractionLost: 0.02, LostDelta: 1, RTT: 0.05})
	}
}

// BenchmarkPipelineRecord is the cost of one QoS record: instruments, log
// record serialisation and hand-off to the queue writer.
func BenchmarkPipelineRecord(b *testing.B) {
	e, err := New(Config{Endpoint: "127.0.0.1:1", Insecure: true, QueueDir: b.TempDir(), MetricInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	p, err := e.Pipeline("fs")
	if err != nil {
		b.Fatal(err)
	}
	defer p.queue.Close()
	r := testRecord("x")
	lb := quality.Labels{Domain: "a", Codec: "PCMU", Direction: "inbound", Cause: "NORMAL_CLEARING"}
	b.ReportAllocs()
	for range b.N {
		p.Record(r, lb)
	}
}

type nopObserver struct{ embedded.Observer }

func (nopObserver) ObserveFloat64(metric.Float64Observable, float64, ...metric.ObserveOption) {}
func (nopObserver) ObserveInt64(metric.Int64Observable, int64, ...metric.ObserveOption)       {}

// BenchmarkObserveLive is the cost of one collection of the live gauges
// over 1000 live legs with RTCP reports (10 domains, 2 directions).
func BenchmarkObserveLive(b *testing.B) {
	e, err := New(Config{Endpoint: "127.0.0.1:1", Insecure: true, QueueDir: b.TempDir(), MetricInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	p, err := e.Pipeline("fs")
	if err != nil {
		b.Fatal(err)
	}
	defer p.queue.Close()
	st := store.NewMemory()
	for i := range 1000 {
		l := quality.Leg{ChannelID: fmt.Sprint("leg-", i), Domain: fmt.Sprint("d", i%10, ".example"), Codec: "PCMU",
			Direction: [2]string{quality.Inbound, quality.Outbound}[i&1], RTTCount: 1, RTTLast: 0.05}
		l.Received = quality.Stream{Reports: 1, Jitter: 0.002, JitN: 1, Fraction: 0.01}
		l.Sent = l.Received
		st.Put(l)
	}
	tr := quality.NewTracker(quality.Options{Instance: "fs", Store: st})
	p.ObserveLive(tr)
	ctx := context.Background()
	b.ReportAllocs()
	for range b.N {
		_ = p.observe(ctx, nopObserver{})
	}
}
