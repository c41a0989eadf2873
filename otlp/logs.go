package otlp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/voip-exporter/voip_exporter/outcome"
	"github.com/voip-exporter/voip_exporter/quality"
)

// EventName is the event name of QoS log records.
const EventName = "freeswitch.qos"

// scopeName is the instrumentation scope of our metrics and log records.
const scopeName = "github.com/voip-exporter/voip_exporter/otlp"

// poorMOS is G.107's boundary of "many users dissatisfied" (R = 60): a
// record whose MOS is below it is logged at WARN.
const poorMOS = 3.1

// LogRecord is the OTLP log record of a QoS record: its time is the
// hangup, every known field is an attribute (record_id identifies it),
// and the body sums it up.
func LogRecord(r *quality.Record, observed time.Time) *logspb.LogRecord {
	return LogRecordOutcome(r, nil, observed)
}

// LogRecordOutcome is LogRecord with the leg's call outcome (a, nil: none known) as attributes too:
// call_outcome, hangup_cause_q850, sip_final_code, post_dial_delay_seconds, gateway (and billsec_seconds
// when the record has none), so that a failed attempt without media still says how it ended.
func LogRecordOutcome(r *quality.Record, a *outcome.Attempt, observed time.Time) *logspb.LogRecord {
	lr := &logspb.LogRecord{
		ObservedTimeUnixNano: uint64(observed.UnixNano()),
		SeverityNumber:       logspb.SeverityNumber_SEVERITY_NUMBER_INFO,
		SeverityText:         "INFO",
		EventName:            EventName,
	}
	if r.Hungup > 0 {
		lr.TimeUnixNano = uint64(r.Hungup) * 1000
	}
	worst := 5.0
	for _, m := range []float64{r.MOS, r.EModelMOS} {
		if quality.Known(m) && m < worst {
			worst = m
		}
	}
	if worst < poorMOS {
		lr.SeverityNumber, lr.SeverityText = logspb.SeverityNumber_SEVERITY_NUMBER_WARN, "WARN"
	}
	fields := r.Fields()
	lr.Attributes = make([]*commonpb.KeyValue, 0, len(fields)+6)
	for _, f := range fields {
		switch f.Kind {
		case quality.KindString:
			lr.Attributes = append(lr.Attributes, strKV(f.Key, f.Str))
		case quality.KindInt:
			lr.Attributes = append(lr.Attributes, intKV(f.Key, f.Int))
		case quality.KindFloat:
			lr.Attributes = append(lr.Attributes, floatKV(f.Key, f.Float))
		}
	}
	body := summary(r)
	if a != nil {
		lr.Attributes = append(lr.Attributes, outcomeAttributes(r, a)...)
		body += outcomeSummary(a)
	}
	lr.Body = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: body}}
	return lr
}

// outcomeAttributes are the outcome's fields a record does not already have.
func outcomeAttributes(r *quality.Record, a *outcome.Attempt) []*commonpb.KeyValue {
	kv := []*commonpb.KeyValue{strKV("call_outcome", a.Outcome.String())}
	if a.Cause >= 0 {
		kv = append(kv, intKV("hangup_cause_q850", int64(q850(a.Cause))))
	}
	code := a.SIPCode
	if a.Answered && code == 0 {
		code = 200
	}
	if code > 0 {
		kv = append(kv, intKV("sip_final_code", int64(code)))
	}
	if quality.Known(a.PDD) {
		kv = append(kv, floatKV("post_dial_delay_seconds", a.PDD))
	}
	if a.Answered && !quality.Known(r.BillSec) {
		kv = append(kv, floatKV("billsec_seconds", a.Billsec))
	}
	g := a.Gateway
	if g == "" {
		g = outcome.NoGateway
	}
	return append(kv, strKV("gateway", g))
}

// q850 is the Q.850 code FreeSWITCH reports for a cause: the cause itself up to 127, else NORMAL_CLEARING
// 16 (switch_channel_cause_q850, src/switch_channel.c:406-413).
func q850(cause int) int {
	if cause <= 127 {
		return cause
	}
	return 16
}

func outcomeSummary(a *outcome.Attempt) string {
	s := "; outcome " + a.Outcome.String()
	if a.SIPCode > 0 && !a.Answered {
		s += fmt.Sprintf(" (SIP %d)", a.SIPCode)
	}
	if a.Gateway != "" && a.Gateway != outcome.NoGateway {
		s += " via " + a.Gateway
	}
	if quality.Known(a.PDD) {
		s += fmt.Sprintf(", PDD %.3gs", a.PDD)
	}
	return s
}

func summary(r *quality.Record) string {
	f := func(v float64, scale float64, unit string) string {
		if !quality.Known(v) {
			return "?"
		}
		return fmt.Sprintf("%.3g%s", v*scale, unit)
	}
	return fmt.Sprintf("call leg %s (%s, %s, %s) ended %s: MOS %s (E-model %s), loss %s, jitter %s, RTT %s",
		r.ChannelID, r.Direction, r.Codec, r.Domain, r.HangupCause,
		f(r.MOS, 1, ""), f(r.EModelMOS, 1, ""), f(r.LossRatio, 100, " %"), f(r.JitterAvg, 1000, " ms"), f(r.RTTAvg, 1000, " ms"))
}

// errPermanent marks an export the receiver refused as invalid: retrying
// cannot help.
var errPermanent = errors.New("rejected by the receiver as invalid")

// errTooLarge marks a batch the receiver found too large.
var errTooLarge = errors.New("batch too large for the receiver")

// sendLogs exports one batch; rejected is the receiver's partial-success count.
func (e *Exporter) sendLogs(ctx context.Context, recs []*logspb.LogRecord) (rejected int64, err error) {
	req := &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: e.resource,
		ScopeLogs: []*logspb.ScopeLogs{{
			Scope:      &commonpb.InstrumentationScope{Name: scopeName, Version: e.cfg.Version},
			LogRecords: recs,
		}},
	}}}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	if e.conn != nil {
		if len(e.cfg.Headers) > 0 {
			ctx = metadata.NewOutgoingContext(ctx, metadata.New(e.cfg.Headers))
		}
		resp, err := collogspb.NewLogsServiceClient(e.conn).Export(ctx, req)
		if err != nil {
			switch status.Code(err) {
			case codes.InvalidArgument:
				return 0, fmt.Errorf("%w: %v", errPermanent, err)
			case codes.ResourceExhausted:
				if s, _ := status.FromError(err); s != nil && bytes.Contains([]byte(s.Message()), []byte("larger than max")) {
					return 0, fmt.Errorf("%w: %v", errTooLarge, err)
				}
			}
			return 0, err
		}
		return resp.GetPartialSuccess().GetRejectedLogRecords(), nil
	}
	body, err := proto.Marshal(req)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errPermanent, err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, e.baseURL+"/v1/logs", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	hr.Header.Set("Content-Type", "application/x-protobuf")
	for k, v := range e.cfg.Headers {
		hr.Header.Set(k, v)
	}
	resp, err := e.httpc.Do(hr)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		var out collogspb.ExportLogsServiceResponse
		if proto.Unmarshal(rb, &out) == nil {
			return out.GetPartialSuccess().GetRejectedLogRecords(), nil
		}
		return 0, nil
	case resp.StatusCode == http.StatusBadRequest:
		return 0, fmt.Errorf("%w: HTTP %s", errPermanent, resp.Status)
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		return 0, fmt.Errorf("%w: HTTP %s", errTooLarge, resp.Status)
	}
	return 0, fmt.Errorf("HTTP %s", resp.Status)
}
