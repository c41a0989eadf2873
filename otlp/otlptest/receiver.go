// Package otlptest is a real OTLP receiver for tests: the collector's logs and metrics services from
// go.opentelemetry.io/proto/otlp served by grpc-go (and the same over OTLP/HTTP), keeping what it receives.
package otlptest

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// Received keeps what a receiver got.
type Received struct {
	mu       sync.Mutex
	logs     []*logspb.LogRecord
	resource []*logspb.ResourceLogs
	metrics  []*metricspb.ResourceMetrics
	headers  []metadata.MD
}

// Logs returns every log record received, in order.
func (r *Received) Logs() []*logspb.LogRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*logspb.LogRecord(nil), r.logs...)
}

// ResourceLogs returns the log requests' resource logs.
func (r *Received) ResourceLogs() []*logspb.ResourceLogs {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*logspb.ResourceLogs(nil), r.resource...)
}

// Metrics returns every resource-metrics message received.
func (r *Received) Metrics() []*metricspb.ResourceMetrics {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*metricspb.ResourceMetrics(nil), r.metrics...)
}

// MetricNames returns the names of the metrics received.
func (r *Received) MetricNames() map[string]bool {
	out := map[string]bool{}
	for _, rm := range r.Metrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				out[m.GetName()] = true
			}
		}
	}
	return out
}

// Headers returns the request metadata (gRPC) or headers (HTTP) seen.
func (r *Received) Headers() []metadata.MD {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]metadata.MD(nil), r.headers...)
}

func (r *Received) addLogs(md metadata.MD, req *collogspb.ExportLogsServiceRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.headers = append(r.headers, md)
	for _, rl := range req.GetResourceLogs() {
		r.resource = append(r.resource, rl)
		for _, sl := range rl.GetScopeLogs() {
			r.logs = append(r.logs, sl.GetLogRecords()...)
		}
	}
}

func (r *Received) addMetrics(md metadata.MD, req *colmetricspb.ExportMetricsServiceRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.headers = append(r.headers, md)
	r.metrics = append(r.metrics, req.GetResourceMetrics()...)
}

type logsService struct {
	collogspb.UnimplementedLogsServiceServer
	r *Received
}

func (s logsService) Export(ctx context.Context, req *collogspb.ExportLogsServiceRequest) (*collogspb.ExportLogsServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.r.addLogs(md, req)
	return &collogspb.ExportLogsServiceResponse{}, nil
}

type metricsService struct {
	colmetricspb.UnimplementedMetricsServiceServer
	r *Received
}

func (s metricsService) Export(ctx context.Context, req *colmetricspb.ExportMetricsServiceRequest) (*colmetricspb.ExportMetricsServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.r.addMetrics(md, req)
	return &colmetricspb.ExportMetricsServiceResponse{}, nil
}

// GRPC is an OTLP/gRPC receiver.
type GRPC struct {
	*Received
	srv  *grpc.Server
	addr string
	done chan struct{}
}

// StartGRPC serves OTLP/gRPC on addr ("127.0.0.1:0" for a free port; a
// fixed address to restart a receiver where it was). creds may be nil.
func StartGRPC(addr string, rec *Received, creds credentials.TransportCredentials) (*GRPC, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		rec = &Received{}
	}
	var opts []grpc.ServerOption
	if creds != nil {
		opts = append(opts, grpc.Creds(creds))
	}
	g := &GRPC{Received: rec, srv: grpc.NewServer(opts...), addr: ln.Addr().String(), done: make(chan struct{})}
	collogspb.RegisterLogsServiceServer(g.srv, logsService{r: rec})
	colmetricspb.RegisterMetricsServiceServer(g.srv, metricsService{r: rec})
	go func() { _ = g.srv.Serve(ln); close(g.done) }()
	return g, nil
}

// Addr is the receiver's host:port.
func (g *GRPC) Addr() string { return g.addr }

// Stop stops the receiver (in-flight exports complete first).
func (g *GRPC) Stop() {
	g.srv.GracefulStop()
	<-g.done
}

// HTTPHandler serves OTLP/HTTP (protobuf) /v1/logs and /v1/metrics into rec.
func HTTPHandler(rec *Received) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/logs", func(w http.ResponseWriter, r *http.Request) {
		var req collogspb.ExportLogsServiceRequest
		if !readProto(w, r, &req) {
			return
		}
		rec.addLogs(metadata.MD(lowerHeaders(r.Header)), &req)
		writeProto(w, &collogspb.ExportLogsServiceResponse{})
	})
	mux.HandleFunc("/v1/metrics", func(w http.ResponseWriter, r *http.Request) {
		var req colmetricspb.ExportMetricsServiceRequest
		if !readProto(w, r, &req) {
			return
		}
		rec.addMetrics(metadata.MD(lowerHeaders(r.Header)), &req)
		writeProto(w, &colmetricspb.ExportMetricsServiceResponse{})
	})
	return mux
}

func lowerHeaders(h http.Header) map[string][]string {
	out := map[string][]string{}
	for k, v := range h {
		out[http.CanonicalHeaderKey(k)] = v
		out[toLower(k)] = v
	}
	return out
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func readProto(w http.ResponseWriter, r *http.Request, m proto.Message) bool {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want POST application/x-protobuf", http.StatusBadRequest)
		return false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil || proto.Unmarshal(b, m) != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return false
	}
	return true
}

func writeProto(w http.ResponseWriter, m proto.Message) {
	b, _ := proto.Marshal(m)
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(b)
}
