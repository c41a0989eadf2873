// Package otlp exports call quality over OTLP: live RTCP and end-of-call instruments through the OpenTelemetry
// Go SDK, and one log record per finished leg through an on-disk queue that keeps it until the receiver acknowledges.
//
// Metrics use the SDK's MeterProvider and OTLP metric exporters (gRPC or HTTP). Log records do not go through the
// SDK's log pipeline: its batch processor holds records in memory only, and a record can be neither persisted nor
// rebuilt faithfully (resource, scope) for a retry after a restart. Each record is instead serialised once, as the
// OTLP LogRecord protobuf it will be sent as, into a bbolt file (go.etcd.io/bbolt: the embedded B+tree store etcd
// maintains, crash-safe copy-on-write with fsync at commit, one file, no cgo), and sent verbatim with the OTLP
// collector protocol (go.opentelemetry.io/proto/otlp) over the same gRPC connection or HTTP client: at-least-once,
// bounded by size and age, with counted drops — the semantics of the OpenTelemetry Collector's persistent queue.
package otlp
