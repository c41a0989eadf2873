package otlp

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/protobuf/proto"

	"github.com/voip-exporter/voip_exporter/outcome"
	"github.com/voip-exporter/voip_exporter/quality"
)

// The call-outcome instruments: the OTLP side of outcome's Prometheus families, on the same bounded
// attributes (gateway, direction, domain; outcome, cause, SIP code) and the same histogram buckets.
const (
	nameCallAttempts = "voip.call.attempts"
	nameCallFailures = "voip.call.failures"
	nameCallSIP      = "voip.call.sip_final_responses"
	nameCallPDD      = "voip.call.post_dial_delay"
	nameCallDuration = "voip.call.answered_duration"
)

// OutcomeRecorder records call outcomes on a pipeline's MeterProvider. Record is safe for concurrent use.
type OutcomeRecorder struct {
	instance                string
	attempts, failures, sip metric.Int64Counter
	pdd, dur                metric.Float64Histogram
	mu                      sync.Mutex
	sets                    map[outcomeKey]metric.MeasurementOption
}

type outcomeKey struct{ gateway, direction, domain, k, v, k2, v2 string }

// Outcomes returns the pipeline's call-outcome recorder (its instruments made on first call).
func (p *Pipeline) Outcomes() (*OutcomeRecorder, error) {
	m := p.mp.Meter(scopeName)
	r := &OutcomeRecorder{instance: p.instance, sets: map[outcomeKey]metric.MeasurementOption{}}
	var err error
	c := func(name, unit, desc string) metric.Int64Counter {
		if err != nil {
			return nil
		}
		var x metric.Int64Counter
		x, err = m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		return x
	}
	h := func(name, desc string, b []float64) metric.Float64Histogram {
		if err != nil {
			return nil
		}
		var x metric.Float64Histogram
		x, err = m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc), metric.WithExplicitBucketBoundaries(b...))
		return x
	}
	r.attempts = c(nameCallAttempts, "{attempt}", "Call attempts (legs) by outcome: answered, busy, no_answer, rejected, cancelled, failed")
	r.failures = c(nameCallFailures, "{attempt}", "Unanswered call attempts by hangup cause (Q.850 names)")
	r.sip = c(nameCallSIP, "{attempt}", "Call attempts by the final SIP response to the INVITE (answered: 200)")
	r.pdd = h(nameCallPDD, "Post-dial delay: INVITE to the first 180/183 or early media, else the answer", outcome.PDDBuckets)
	r.dur = h(nameCallDuration, "Answered duration (billsec) of each answered attempt", outcome.DurationBuckets)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (r *OutcomeRecorder) set(k outcomeKey) metric.MeasurementOption {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o, ok := r.sets[k]; ok {
		return o
	}
	a := []attribute.KeyValue{attribute.String("fs_instance", r.instance), attribute.String("gateway", k.gateway),
		attribute.String("direction", k.direction), attribute.String("domain", k.domain)}
	if k.k != "" {
		a = append(a, attribute.String(k.k, k.v))
	}
	if k.k2 != "" {
		a = append(a, attribute.String(k.k2, k.v2))
	}
	o := metric.WithAttributeSet(attribute.NewSet(a...))
	r.sets[k] = o
	return o
}

// Record records one attempt whose labels the tracker bounded (outcome.Options.OnAttempt).
func (r *OutcomeRecorder) Record(a *outcome.Attempt) {
	ctx := context.Background()
	base := outcomeKey{gateway: a.Gateway, direction: a.Direction, domain: a.Domain}
	k := base
	k.k, k.v = "outcome", a.Outcome.String()
	r.attempts.Add(ctx, 1, r.set(k))
	if a.Outcome != outcome.Answered {
		k = base
		k.k, k.v = "cause", outcome.CauseName(a.Cause)
		r.failures.Add(ctx, 1, r.set(k))
	}
	if cls, code, ok := outcome.SIPLabels(a.SIPCode, a.Answered); ok {
		k = base
		k.k, k.v, k.k2, k.v2 = "class", cls, "code", code
		r.sip.Add(ctx, 1, r.set(k))
	}
	if quality.Known(a.PDD) && a.PDD >= 0 {
		r.pdd.Record(ctx, a.PDD, r.set(base))
	}
	if a.Answered && quality.Known(a.Billsec) && a.Billsec >= 0 {
		r.dur.Record(ctx, a.Billsec, r.set(base))
	}
}

// RecordOutcome is Record (quality.Sink) with the leg's call outcome in its log record (nil: none).
func (p *Pipeline) RecordOutcome(r *quality.Record, lb quality.Labels, a *outcome.Attempt) {
	p.qos(r, lb)
	b, err := proto.Marshal(LogRecordOutcome(r, a, time.Now()))
	if err != nil {
		p.corrupt.Add(1)
		return
	}
	p.queue.Put(b)
}
