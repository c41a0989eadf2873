package otlp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/voip-exporter/voip_exporter/quality"
)

// DropCorrupt counts queued records that could not be decoded.
const DropCorrupt = "corrupt"

// Batch limits of one log export.
const (
	maxBatchRecords = 512
	maxBatchBytes   = 1 << 20
)

// Pipeline is one instance's export: a MeterProvider with the call-quality
// instruments (metrics.go), and the durable queue of its QoS log records with the
// goroutine that sends them. It implements quality.Sink.
type Pipeline struct {
	e        *Exporter
	instance string
	log      *slog.Logger
	queue    *Queue
	mp       *sdkmetric.MeterProvider
	ins      instruments
	attrs    attrCache
	live     atomic.Pointer[LiveLegs] // the legs the live gauges report (ObserveLive)

	exported       atomic.Uint64
	logFailures    atomic.Uint64
	metricFailures atomic.Uint64
	corrupt        atomic.Uint64
	up             atomic.Bool
	batch          atomic.Int64

	errMu      sync.Mutex
	lastLogErr string
	lastMetErr string

	stop     chan struct{}
	done     chan struct{}
	drainCtx atomic.Pointer[context.Context]
	once     sync.Once
}

// Pipeline opens the queue of an instance and starts its sender.
func (e *Exporter) Pipeline(instance string) (*Pipeline, error) {
	log := e.log.With("instance", instance)
	q, err := OpenQueue(e.QueuePath(instance), QueueOptions{MaxBytes: e.cfg.QueueMaxBytes, MaxAge: e.cfg.QueueMaxAge, Logger: log})
	if err != nil {
		return nil, err
	}
	p := &Pipeline{e: e, instance: instance, log: log, queue: q, stop: make(chan struct{}), done: make(chan struct{})}
	p.up.Store(true)
	p.batch.Store(maxBatchRecords)
	mexp, err := e.metricExporter(context.Background())
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("otlp metrics: %w", err)
	}
	reader := sdkmetric.NewPeriodicReader(countingExporter{Exporter: mexp, failures: &p.metricFailures, onErr: p.metricErr},
		sdkmetric.WithInterval(e.cfg.MetricInterval), sdkmetric.WithTimeout(e.cfg.Timeout))
	p.mp = sdkmetric.NewMeterProvider(sdkmetric.WithResource(e.sdkRes), sdkmetric.WithReader(reader))
	meter := p.mp.Meter(scopeName)
	if p.ins, err = newInstruments(meter); err == nil {
		_, err = meter.RegisterCallback(p.observe, p.ins.observables()...)
	}
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("otlp metrics: %w", err)
	}
	if st := q.Stats(); st.Records > 0 {
		log.Info("otlp: QoS records waiting from a previous run will be sent", "records", st.Records)
	}
	e.mu.Lock()
	e.pipelines = append(e.pipelines, p)
	e.mu.Unlock()
	go p.sender()
	return p, nil
}

// Sample implements quality.Sink.
func (p *Pipeline) Sample(l *quality.Leg, lb quality.Labels, s quality.Sample) { p.sample(l, lb, s) }

// Record implements quality.Sink: the record's instruments are set and its
// log record queued on disk.
func (p *Pipeline) Record(r *quality.Record, lb quality.Labels) {
	p.qos(r, lb)
	b, err := proto.Marshal(LogRecord(r, time.Now()))
	if err != nil {
		p.corrupt.Add(1)
		return
	}
	p.queue.Put(b)
}

func (p *Pipeline) metricErr(err error) {
	p.errMu.Lock()
	first := p.lastMetErr == ""
	p.lastMetErr = err.Error()
	p.errMu.Unlock()
	if first {
		p.log.Warn("otlp: metric export failed (will retry at the next interval)", "endpoint", p.e.cfg.Endpoint, "err", err)
	}
}

// sender sends queued records until Close; on failure it backs off
// (RetryInitial doubling to RetryMax, with jitter) and retries.
func (p *Pipeline) sender() {
	defer close(p.done)
	delay := time.Duration(0)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if dc := p.drainCtx.Load(); dc != nil {
			p.drain(*dc)
			return
		}
		n, err := p.sendOnce(context.Background())
		switch {
		case err != nil:
			delay = p.nextDelay(delay)
		case n > 0:
			delay = 0
			continue
		default:
			delay = 0
		}
		wait := time.Duration(0)
		if err != nil {
			wait = delay
		}
		var timer <-chan time.Time
		if wait > 0 {
			t := time.NewTimer(wait)
			timer = t.C
			select {
			case <-p.stop:
				t.Stop()
			case <-timer:
			}
			continue
		}
		select {
		case <-p.stop:
		case <-p.queue.Ready():
		case <-tick.C:
		}
	}
}

// drain sends what is queued until it is empty, a send fails or ctx ends.
func (p *Pipeline) drain(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := p.sendOnce(ctx)
		if err != nil || n == 0 {
			return
		}
	}
}

func (p *Pipeline) nextDelay(d time.Duration) time.Duration {
	if d == 0 {
		d = p.e.cfg.RetryInitial
	} else {
		d *= 2
	}
	d = min(d, p.e.cfg.RetryMax)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// sendOnce sends one batch from the head of the queue and returns how many
// records left the queue.
func (p *Pipeline) sendOnce(ctx context.Context) (int, error) {
	items, err := p.queue.Peek(int(p.batch.Load()), maxBatchBytes)
	if err != nil {
		return 0, err
	}
	if len(items) == 0 {
		return 0, nil
	}
	maxAge := p.queue.MaxAge()
	now := time.Now()
	var old, bad, send []Item
	recs := make([]*logspb.LogRecord, 0, len(items))
	for _, it := range items {
		if now.Sub(it.Enqueued) > maxAge {
			old = append(old, it)
			continue
		}
		lr := new(logspb.LogRecord)
		if proto.Unmarshal(it.Data, lr) != nil {
			bad = append(bad, it)
			continue
		}
		send = append(send, it)
		recs = append(recs, lr)
	}
	if err := p.queue.Drop(old, DropTooOld); err != nil {
		return 0, err
	}
	if len(bad) > 0 {
		p.corrupt.Add(uint64(len(bad)))
		if err := p.queue.Ack(bad); err != nil {
			return 0, err
		}
	}
	if len(send) == 0 {
		return len(old) + len(bad), nil
	}
	rejected, err := p.e.sendLogs(ctx, recs)
	switch {
	case errors.Is(err, errPermanent):
		p.logFailures.Add(1)
		p.log.Error("otlp: the receiver refused QoS records as invalid; they are dropped", "records", len(send), "err", err)
		return len(old) + len(bad) + len(send), p.queue.Drop(send, DropRejected)
	case errors.Is(err, errTooLarge) && len(send) > 1:
		p.batch.Store(max(1, int64(len(send)/2)))
		return 0, err
	case err != nil:
		p.logFailures.Add(1)
		if p.up.Swap(false) {
			p.log.Warn("otlp: cannot deliver QoS records; they wait in the on-disk queue", "endpoint", p.e.cfg.Endpoint,
				"queued", p.queue.Stats().Records, "err", err)
		}
		p.errMu.Lock()
		p.lastLogErr = err.Error()
		p.errMu.Unlock()
		return 0, err
	}
	if !p.up.Swap(true) {
		p.log.Info("otlp: receiver reachable again; sending queued QoS records", "endpoint", p.e.cfg.Endpoint, "queued", p.queue.Stats().Records)
	}
	if err := p.queue.Ack(send); err != nil {
		return 0, err
	}
	if rejected > 0 {
		p.queue.dropped[DropRejected].Add(uint64(rejected))
		p.log.Warn("otlp: the receiver rejected part of a batch", "rejected", rejected)
	}
	p.exported.Add(uint64(int64(len(send)) - min(rejected, int64(len(send)))))
	return len(old) + len(bad) + len(send), nil
}

// Stats are a pipeline's figures.
type Stats struct {
	QueueRecords   int
	QueueBytes     int64
	OldestAge      time.Duration // 0 when empty
	Exported       uint64        // log records the receiver accepted
	LogFailures    uint64        // failed log exports (each retried)
	MetricFailures uint64        // failed metric exports
	Dropped        map[string]uint64
	Up             bool // the last log export succeeded (or none failed yet)
}

// Stats returns the pipeline's figures.
func (p *Pipeline) Stats() Stats {
	qs := p.queue.Stats()
	s := Stats{QueueRecords: qs.Records, QueueBytes: qs.Bytes, Exported: p.exported.Load(),
		LogFailures: p.logFailures.Load(), MetricFailures: p.metricFailures.Load(), Dropped: qs.Dropped, Up: p.up.Load()}
	s.Dropped[DropCorrupt] = p.corrupt.Load()
	if !qs.Oldest.IsZero() {
		s.OldestAge = time.Since(qs.Oldest)
	}
	return s
}

// Close flushes: queued records are sent while the receiver takes them and
// ctx allows (what is left stays on disk for the next start), the metrics
// are exported one last time, and the queue file is closed.
func (p *Pipeline) Close(ctx context.Context) error {
	var err error
	p.once.Do(func() {
		p.queue.commitNow()
		p.drainCtx.Store(&ctx)
		close(p.stop)
		<-p.done
		err = errors.Join(p.mp.Shutdown(ctx), p.queue.Close())
		if st := p.queue.Stats(); st.Records > 0 {
			p.log.Info("otlp: QoS records kept on disk for the next start", "records", st.Records, "file", p.e.QueuePath(p.instance))
		}
	})
	return err
}
