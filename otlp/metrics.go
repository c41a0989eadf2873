package otlp

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/voip-exporter/voip_exporter/quality"
)

// Metric instruments, named as seed 001 names them. Units stay seed 001's
// (jitter in ms) so its dashboards keep working. One deliberate change:
// freeswitch.rtcp.packets_lost is a monotonic counter of the per-report
// increments (seed 001: a gauge of the last increment, which is meaningless
// once calls share attributes, and which its own rate() example misuses).
type instruments struct {
	rtcpJitter, rtcpFraction, rtcpRTT                  metric.Float64Gauge
	rtcpLost                                           metric.Int64Counter
	qosMOS, qosEModel, qosJitAvg, qosJitMin, qosJitMax metric.Float64Gauge
	qosPackets, qosLoss, qosBytes                      metric.Int64Gauge
}

func newInstruments(m metric.Meter) (instruments, error) {
	var in instruments
	var errs []error
	fg := func(name, unit, desc string) metric.Float64Gauge {
		g, err := m.Float64Gauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	ig := func(name, unit, desc string) metric.Int64Gauge {
		g, err := m.Int64Gauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	in.rtcpJitter = fg("freeswitch.rtcp.jitter", "ms", "Interarrival jitter of the last RTCP report")
	in.rtcpFraction = fg("freeswitch.rtcp.fraction_lost", "1", "Fraction of packets lost since the previous RTCP report")
	in.rtcpRTT = fg("freeswitch.rtcp.rtt", "ms", "Round-trip time of the last RTCP report that allows one")
	c, err := m.Int64Counter("freeswitch.rtcp.packets_lost", metric.WithUnit("{packet}"),
		metric.WithDescription("Packets lost, summed from the RTCP per-report increments"))
	errs = append(errs, err)
	in.rtcpLost = c
	in.qosMOS = fg("freeswitch.qos.mos_score", "1", "FreeSWITCH's MOS of the media the leg received, at hangup")
	in.qosEModel = fg("freeswitch.qos.emodel_mos_score", "1", "ITU-T G.107 E-model MOS of the leg, at hangup")
	in.qosJitAvg = fg("freeswitch.qos.jitter_avg", "ms", "Mean jitter of the media the leg received")
	in.qosJitMin = fg("freeswitch.qos.jitter_min", "ms", "Minimum jitter variance FreeSWITCH saw on the leg")
	in.qosJitMax = fg("freeswitch.qos.jitter_max", "ms", "Maximum jitter variance FreeSWITCH saw on the leg")
	in.qosPackets = ig("freeswitch.qos.total_packets", "{packet}", "Packets received and sent by the leg")
	in.qosLoss = ig("freeswitch.qos.packet_loss", "{packet}", "Packets the leg should have received and did not")
	in.qosBytes = ig("freeswitch.qos.total_bytes", "By", "Media bytes received and sent by the leg")
	for _, e := range errs {
		if e != nil {
			return in, e
		}
	}
	return in, nil
}

// attrKey identifies a cached attribute set (per-call attributes off).
type attrKey struct {
	domain, codec, direction, stream string
	qos                              bool
}

// countingExporter counts failed metric exports.
type countingExporter struct {
	sdkmetric.Exporter
	failures *atomic.Uint64
	onErr    func(error)
}

func (c countingExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	err := c.Exporter.Export(ctx, rm)
	if err != nil {
		c.failures.Add(1)
		c.onErr(err)
	}
	return err
}

func (e *Exporter) metricExporter(ctx context.Context) (sdkmetric.Exporter, error) {
	temporality := sdkmetric.CumulativeTemporalitySelector
	if e.cfg.PerCallAttributes {
		// Delta keeps the SDK from remembering every call's series forever.
		temporality = sdkmetric.DeltaTemporalitySelector
	}
	if e.conn != nil {
		return otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithGRPCConn(e.conn), otlpmetricgrpc.WithHeaders(e.cfg.Headers),
			otlpmetricgrpc.WithTimeout(e.cfg.Timeout), otlpmetricgrpc.WithTemporalitySelector(temporality),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{Enabled: false}))
	}
	opts := []otlpmetrichttp.Option{otlpmetrichttp.WithEndpointURL(e.baseURL + "/v1/metrics"),
		otlpmetrichttp.WithHeaders(e.cfg.Headers), otlpmetrichttp.WithTimeout(e.cfg.Timeout),
		otlpmetrichttp.WithTemporalitySelector(temporality), otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: false})}
	if e.tlsCfg != nil {
		opts = append(opts, otlpmetrichttp.WithTLSClientConfig(e.tlsCfg))
	}
	return otlpmetrichttp.New(ctx, opts...)
}

// attrOpts are the measurement options of one attribute set, as the
// instruments' variadic parameters take them (no allocation per call).
type attrOpts struct {
	rec []metric.RecordOption
	add []metric.AddOption
}

func newAttrOpts(o metric.MeasurementOption) *attrOpts {
	return &attrOpts{rec: []metric.RecordOption{o}, add: []metric.AddOption{o}}
}

// attrCache keeps the options of the attribute sets seen (per-call
// attributes off: the sets are bounded by the tracker's label caps).
type attrCache struct {
	mu sync.Mutex
	m  map[attrKey]*attrOpts
}

func (c *attrCache) get(k attrKey, instance string) *attrOpts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.m[k]; ok {
		return o
	}
	if c.m == nil {
		c.m = map[attrKey]*attrOpts{}
	}
	o := newAttrOpts(metric.WithAttributeSet(attribute.NewSet(k.attributes(instance)...)))
	c.m[k] = o
	return o
}

func (k attrKey) attributes(instance string) []attribute.KeyValue {
	a := []attribute.KeyValue{attribute.String("fs_instance", instance), attribute.String("domain_name", k.domain),
		attribute.String("direction", k.direction), attribute.String("codec_name", k.codec)}
	if !k.qos {
		a = append(a, attribute.String("stream", k.stream))
	}
	return a
}

// sample records an RTCP sample.
func (p *Pipeline) sample(l *quality.Leg, lb quality.Labels, s quality.Sample) {
	ctx := context.Background()
	k := attrKey{lb.Domain, lb.Codec, lb.Direction, s.Kind.String(), false}
	var o *attrOpts
	if p.e.cfg.PerCallAttributes {
		a := append(k.attributes(p.instance), attribute.String("channel_id", l.ChannelID), attribute.String("correlation_id", l.CorrelationID))
		o = newAttrOpts(metric.WithAttributes(a...))
	} else {
		o = p.attrs.get(k, p.instance)
	}
	if quality.Known(s.Jitter) {
		p.ins.rtcpJitter.Record(ctx, s.Jitter*1000, o.rec...)
	}
	p.ins.rtcpFraction.Record(ctx, s.FractionLost, o.rec...)
	if s.LostDelta > 0 {
		p.ins.rtcpLost.Add(ctx, s.LostDelta, o.add...)
	}
	if quality.Known(s.RTT) {
		p.ins.rtcpRTT.Record(ctx, s.RTT*1000, o.rec...)
	}
}

// qos records the end-of-call instruments of a record.
func (p *Pipeline) qos(r *quality.Record, lb quality.Labels) {
	ctx := context.Background()
	k := attrKey{lb.Domain, lb.Codec, lb.Direction, "", true}
	var o *attrOpts
	if p.e.cfg.PerCallAttributes {
		a := append(k.attributes(p.instance), attribute.String("channel_id", r.ChannelID), attribute.String("correlation_id", r.CorrelationID),
			attribute.String("src_ip", r.LocalMediaIP), attribute.String("dst_ip", r.RemoteMediaIP))
		o = newAttrOpts(metric.WithAttributes(a...))
	} else {
		o = p.attrs.get(k, p.instance)
	}
	fl := func(g metric.Float64Gauge, v, scale float64) {
		if quality.Known(v) {
			g.Record(ctx, v*scale, o.rec...)
		}
	}
	fl(p.ins.qosMOS, r.MOS, 1)
	fl(p.ins.qosEModel, r.EModelMOS, 1)
	fl(p.ins.qosJitAvg, r.JitterAvg, 1000)
	if r.PacketsIn >= 0 && r.PacketsOut >= 0 {
		p.ins.qosPackets.Record(ctx, r.PacketsIn+r.PacketsOut, o.rec...)
	}
	if r.LostIn >= 0 {
		p.ins.qosLoss.Record(ctx, r.LostIn, o.rec...)
	}
	if r.BytesIn >= 0 && r.BytesOut >= 0 {
		p.ins.qosBytes.Record(ctx, r.BytesIn+r.BytesOut, o.rec...)
	}
}
