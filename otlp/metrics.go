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

// Metric instruments. Each kind is the one OpenTelemetry means for what it
// measures:
//
//   - figures of a finished leg (at hangup) are distributions: histograms
//     whose explicit bucket bounds are the Prometheus histograms' own
//     (quality.MOSBuckets…), in base units (s, 1), so that the names
//     translate to the Prometheus ones (freeswitch.qos.jitter + "s" →
//     freeswitch_qos_jitter_seconds);
//   - figures of a live leg (its last RTCP report) are observable gauges
//     read from the tracker's live legs at each collection: a leg that hung
//     up is in no later export. They keep seed 001's names and units (ms);
//   - what adds up (lost packets, finished legs, media) is a monotonic
//     counter.
//
// Without per_call_attributes a live gauge is the highest value among the
// live legs sharing its attributes (the worst leg); with it, each leg's own.
type instruments struct {
	rtcpJitter, rtcpFraction, rtcpRTT metric.Float64ObservableGauge
	liveLegs                          metric.Int64ObservableUpDownCounter
	rtcpLost                          metric.Int64Counter

	qosMOS, qosJitter, qosLoss, qosRTT     metric.Float64Histogram
	qosLegs, qosPackets, qosLost, qosBytes metric.Int64Counter
}

// Instrument names.
const (
	nameRTCPJitter   = "freeswitch.rtcp.jitter"
	nameRTCPFraction = "freeswitch.rtcp.fraction_lost"
	nameRTCPRTT      = "freeswitch.rtcp.rtt"
	nameRTCPLost     = "freeswitch.rtcp.packets_lost"
	nameLiveLegs     = "freeswitch.quality.live_legs"
	nameQoSMOS       = "freeswitch.qos.mos_score"
	nameQoSJitter    = "freeswitch.qos.jitter"
	nameQoSLoss      = "freeswitch.qos.loss_ratio"
	nameQoSRTT       = "freeswitch.qos.rtt"
	nameQoSLegs      = "freeswitch.qos.legs"
	nameQoSPackets   = "freeswitch.qos.packets"
	nameQoSLost      = "freeswitch.qos.packets_lost"
	nameQoSBytes     = "freeswitch.qos.bytes"
)

func newInstruments(m metric.Meter) (instruments, error) {
	var in instruments
	var errs []error
	og := func(name, unit, desc string) metric.Float64ObservableGauge {
		g, err := m.Float64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	h := func(name, unit, desc string, bounds []float64) metric.Float64Histogram {
		g, err := m.Float64Histogram(name, metric.WithUnit(unit), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(bounds...))
		errs = append(errs, err)
		return g
	}
	c := func(name, unit, desc string) metric.Int64Counter {
		g, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	in.rtcpJitter = og(nameRTCPJitter, "ms", "Interarrival jitter of the last RTCP report of each live leg (stream=received: FreeSWITCH's report; sent: the far end's)")
	in.rtcpFraction = og(nameRTCPFraction, "1", "Fraction of packets lost since the previous RTCP report, of the last report of each live leg")
	in.rtcpRTT = og(nameRTCPRTT, "ms", "Round-trip time of the last RTCP report that allowed one, of each live leg")
	ll, err := m.Int64ObservableUpDownCounter(nameLiveLegs, metric.WithUnit("{leg}"),
		metric.WithDescription("Call legs up now, as the event path tracks them"))
	errs = append(errs, err)
	in.liveLegs = ll
	in.rtcpLost = c(nameRTCPLost, "{packet}", "Packets lost, summed from the RTCP per-report increments")
	in.qosMOS = h(nameQoSMOS, "1", "MOS of each finished leg: estimator=freeswitch is FreeSWITCH's rtp_audio_in_mos, estimator=emodel the ITU-T G.107 E-model's", quality.MOSBuckets)
	in.qosJitter = h(nameQoSJitter, "s", "Mean RTCP interarrival jitter of the media each finished leg received", quality.JitterBuckets)
	in.qosLoss = h(nameQoSLoss, "1", "Share of the packets each finished leg should have received that were missing", quality.LossBuckets)
	in.qosRTT = h(nameQoSRTT, "s", "Mean RTCP round-trip time of each finished leg", quality.RTTBuckets)
	in.qosLegs = c(nameQoSLegs, "{leg}", "Finished call legs by hangup cause")
	in.qosPackets = c(nameQoSPackets, "{packet}", "RTP packets received and sent by the finished legs")
	in.qosLost = c(nameQoSLost, "{packet}", "Packets the finished legs should have received and did not (RTCP cumulative lost)")
	in.qosBytes = c(nameQoSBytes, "By", "Media bytes received and sent by the finished legs")
	for _, e := range errs {
		if e != nil {
			return in, e
		}
	}
	return in, nil
}

// Attribute-set kinds: which attributes a set carries.
const (
	setRTCP  = iota // + codec, stream
	setLeg          // + codec (live legs, RTT, QoS figures)
	setMOS          // + codec, estimator
	setCause        // + hangup_cause, no codec (finished legs)
)

// attrKey identifies a cached attribute set (per-call attributes off).
type attrKey struct {
	domain, codec, direction, extra string // extra: stream, estimator or hangup cause
	kind                            uint8
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
	obs []metric.ObserveOption
}

func newAttrOpts(o metric.MeasurementOption) *attrOpts {
	return &attrOpts{rec: []metric.RecordOption{o}, add: []metric.AddOption{o}, obs: []metric.ObserveOption{o}}
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

// attributes are the bounded attributes of a set: the Prometheus labels of
// the same figure (server → fs_instance, domain, codec, direction, stream,
// estimator, hangup_cause), never a per-call id.
func (k attrKey) attributes(instance string) []attribute.KeyValue {
	a := []attribute.KeyValue{attribute.String("fs_instance", instance), attribute.String("domain_name", k.domain),
		attribute.String("direction", k.direction)}
	switch k.kind {
	case setRTCP:
		a = append(a, attribute.String("codec_name", k.codec), attribute.String("stream", k.extra))
	case setLeg:
		a = append(a, attribute.String("codec_name", k.codec))
	case setMOS:
		a = append(a, attribute.String("codec_name", k.codec), attribute.String("estimator", k.extra))
	case setCause:
		a = append(a, attribute.String("hangup_cause", k.extra))
	}
	return a
}

// opts returns the options of a set, with the per-call ids when
// per_call_attributes is on (ids: key, value pairs).
func (p *Pipeline) opts(k attrKey, ids ...string) *attrOpts {
	if !p.e.cfg.PerCallAttributes || len(ids) == 0 {
		return p.attrs.get(k, p.instance)
	}
	a := k.attributes(p.instance)
	for i := 0; i+1 < len(ids); i += 2 {
		a = append(a, attribute.String(ids[i], ids[i+1]))
	}
	return newAttrOpts(metric.WithAttributes(a...))
}

// sample counts the packets an RTCP report says were lost. The report's
// other figures are read from the live legs at collection (observe).
func (p *Pipeline) sample(l *quality.Leg, lb quality.Labels, s quality.Sample) {
	if s.LostDelta <= 0 {
		return
	}
	o := p.opts(attrKey{lb.Domain, lb.Codec, lb.Direction, s.Kind.String(), setRTCP},
		"channel_id", l.ChannelID, "correlation_id", l.CorrelationID)
	p.ins.rtcpLost.Add(context.Background(), s.LostDelta, o.add...)
}

// qos records the end-of-call instruments of a record.
func (p *Pipeline) qos(r *quality.Record, lb quality.Labels) {
	ctx := context.Background()
	ids := []string{"channel_id", r.ChannelID, "correlation_id", r.CorrelationID, "src_ip", r.LocalMediaIP, "dst_ip", r.RemoteMediaIP}
	leg := attrKey{lb.Domain, lb.Codec, lb.Direction, "", setLeg}
	o := p.opts(leg, ids...)
	hist := func(h metric.Float64Histogram, v float64, o *attrOpts) {
		if quality.Known(v) {
			h.Record(ctx, v, o.rec...)
		}
	}
	if quality.Known(r.MOS) {
		hist(p.ins.qosMOS, r.MOS, p.opts(attrKey{lb.Domain, lb.Codec, lb.Direction, "freeswitch", setMOS}, ids...))
	}
	if quality.Known(r.EModelMOS) {
		hist(p.ins.qosMOS, r.EModelMOS, p.opts(attrKey{lb.Domain, lb.Codec, lb.Direction, "emodel", setMOS}, ids...))
	}
	hist(p.ins.qosJitter, r.JitterAvg, o)
	hist(p.ins.qosLoss, r.LossRatio, o)
	hist(p.ins.qosRTT, r.RTTAvg, o)
	p.ins.qosLegs.Add(ctx, 1, p.attrs.get(attrKey{lb.Domain, "", lb.Direction, lb.Cause, setCause}, p.instance).add...)
	if r.PacketsIn >= 0 && r.PacketsOut >= 0 {
		p.ins.qosPackets.Add(ctx, r.PacketsIn+r.PacketsOut, o.add...)
	}
	if r.LostIn > 0 {
		p.ins.qosLost.Add(ctx, r.LostIn, o.add...)
	}
	if r.BytesIn >= 0 && r.BytesOut >= 0 {
		p.ins.qosBytes.Add(ctx, r.BytesIn+r.BytesOut, o.add...)
	}
}

// LiveLegs is the view of the live legs the observable instruments read at
// each collection: quality.Tracker.
type LiveLegs interface {
	RangeLive(fn func(l *quality.Leg, lb quality.Labels))
}

// ObserveLive makes the pipeline's live gauges read v's legs (once the
// instance's tracker exists); until then they report nothing.
func (p *Pipeline) ObserveLive(v LiveLegs) { p.live.Store(&v) }

// ObserveLive hands the live legs of an instance to its pipeline; no-op
// for an instance without one.
func (e *Exporter) ObserveLive(instance string, v LiveLegs) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.pipelines {
		if p.instance == instance {
			p.ObserveLive(v)
		}
	}
}

// liveKey is the attribute set of a live figure: bounded, plus the leg's
// ids with per_call_attributes.
type liveKey struct {
	attrKey
	channel, correlation string
}

// observe is the callback of the live instruments: it reports the legs
// live now, and only them.
func (p *Pipeline) observe(_ context.Context, ob metric.Observer) error {
	v := p.live.Load()
	if v == nil {
		return nil
	}
	perCall := p.e.cfg.PerCallAttributes
	jit, frac, rtt := map[liveKey]float64{}, map[liveKey]float64{}, map[liveKey]float64{}
	legs := map[attrKey]int64{}
	worst := func(m map[liveKey]float64, k liveKey, x float64) {
		if old, ok := m[k]; !ok || x > old {
			m[k] = x
		}
	}
	(*v).RangeLive(func(l *quality.Leg, lb quality.Labels) {
		legs[attrKey{lb.Domain, lb.Codec, lb.Direction, "", setLeg}]++
		var ch, corr string
		if perCall {
			ch, corr = l.ChannelID, l.CorrelationID
		}
		for _, s := range [...]struct {
			kind quality.StreamKind
			st   *quality.Stream
		}{{quality.StreamReceived, &l.Received}, {quality.StreamSent, &l.Sent}} {
			if s.st.Reports == 0 {
				continue
			}
			k := liveKey{attrKey{lb.Domain, lb.Codec, lb.Direction, s.kind.String(), setRTCP}, ch, corr}
			if s.st.JitN > 0 {
				worst(jit, k, float64(s.st.Jitter))
			}
			worst(frac, k, float64(s.st.Fraction))
		}
		if l.RTTCount > 0 {
			worst(rtt, liveKey{attrKey{lb.Domain, lb.Codec, lb.Direction, "", setLeg}, ch, corr}, float64(l.RTTLast))
		}
	})
	o := func(k liveKey) []metric.ObserveOption {
		return p.opts(k.attrKey, "channel_id", k.channel, "correlation_id", k.correlation).obs
	}
	for k, x := range jit {
		ob.ObserveFloat64(p.ins.rtcpJitter, x*1000, o(k)...)
	}
	for k, x := range frac {
		ob.ObserveFloat64(p.ins.rtcpFraction, x, o(k)...)
	}
	for k, x := range rtt {
		ob.ObserveFloat64(p.ins.rtcpRTT, x*1000, o(k)...)
	}
	for k, n := range legs {
		ob.ObserveInt64(p.ins.liveLegs, n, p.attrs.get(k, p.instance).obs...)
	}
	return nil
}

// observables are the instruments observe reports.
func (in *instruments) observables() []metric.Observable {
	return []metric.Observable{in.rtcpJitter, in.rtcpFraction, in.rtcpRTT, in.liveLegs}
}
