package otlp

import (
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/quality"
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
