package otlp

import (
	"context"
	"errors"

	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/voip-exporter/voip_exporter/quality"
)

// RecordMetrics sets a record's metric instruments without queueing its log record: in HA mode the log
// records go to the shared Redis stream (ha.Stream) instead of this pipeline's on-disk queue.
func (p *Pipeline) RecordMetrics(r *quality.Record, lb quality.Labels) { p.qos(r, lb) }

// SendLogs exports one batch of log records to the receiver; rejected is the receiver's partial-success
// count. Permanent reports an error the receiver will give again for the same batch (invalid records).
func (e *Exporter) SendLogs(ctx context.Context, recs []*logspb.LogRecord) (rejected int64, err error) {
	return e.sendLogs(ctx, recs)
}

// Permanent reports whether a SendLogs error means the receiver refused the records as invalid.
func Permanent(err error) bool { return errors.Is(err, errPermanent) }
