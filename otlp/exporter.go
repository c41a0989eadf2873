package otlp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// Protocols.
const (
	ProtocolGRPC = "grpc"
	ProtocolHTTP = "http" // OTLP/HTTP with protobuf bodies
)

// TLSConfig configures TLS to the receiver.
type TLSConfig struct {
	CAFile, CertFile, KeyFile string
	ServerName                string
	InsecureSkipVerify        bool
}

// Config configures the OTLP export.
type Config struct {
	// Endpoint is host:port (gRPC default port 4317, HTTP 4318) or a URL
	// (http://… is plaintext, https://… TLS; for HTTP its path is the base
	// under which /v1/metrics and /v1/logs are posted).
	Endpoint string
	Protocol string // ProtocolGRPC (default) or ProtocolHTTP
	Insecure bool   // plaintext (for host:port endpoints)
	TLS      TLSConfig
	Headers  map[string]string // sent with every export (e.g. an API key)
	Timeout  time.Duration     // one export (default 10s)

	QueueDir      string        // one bbolt file per instance (required)
	QueueMaxBytes int64         // default 256 MiB per instance
	QueueMaxAge   time.Duration // default 7 days

	// PerCallAttributes adds channel_id and correlation_id (and the media
	// IPs) to metric attributes, as seed 001 does. Every call then makes new
	// series at the receiver: keep it off unless the backend is built for
	// that cardinality. Per-call ids are always on the log records.
	PerCallAttributes bool
	MetricInterval    time.Duration // metric export period (default 30s)
	RetryInitial      time.Duration // first retry delay of log records (default 1s)
	RetryMax          time.Duration // largest retry delay (default 30s)

	ServiceInstanceID string // default hostname
	Version           string // service.version
	Logger            *slog.Logger
}

func (c *Config) defaults() error {
	if c.Endpoint == "" {
		return errors.New("otlp: no endpoint")
	}
	if c.Protocol == "" {
		c.Protocol = ProtocolGRPC
	}
	if c.Protocol != ProtocolGRPC && c.Protocol != ProtocolHTTP {
		return fmt.Errorf("otlp: protocol %q: want grpc or http", c.Protocol)
	}
	if c.QueueDir == "" {
		return errors.New("otlp: no queue directory")
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MetricInterval <= 0 {
		c.MetricInterval = 30 * time.Second
	}
	if c.RetryInitial <= 0 {
		c.RetryInitial = time.Second
	}
	if c.RetryMax < c.RetryInitial {
		c.RetryMax = max(30*time.Second, c.RetryInitial)
	}
	if c.ServiceInstanceID == "" {
		h, _ := os.Hostname()
		c.ServiceInstanceID = h
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Exporter holds what every instance's Pipeline shares: the gRPC connection
// or HTTP client, and the resource.
type Exporter struct {
	cfg Config
	log *slog.Logger

	target    string // host:port
	tlsCfg    *tls.Config
	conn      *grpc.ClientConn
	httpc     *http.Client
	baseURL   string // HTTP: scheme://host[:port][/path]
	resource  *resourcepb.Resource
	sdkRes    *sdkresource.Resource
	mu        sync.Mutex
	pipelines []*Pipeline
}

// New connects (lazily) to the receiver.
func New(cfg Config) (*Exporter, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	e := &Exporter{cfg: cfg, log: cfg.Logger.With("component", "otlp")}
	plaintext := cfg.Insecure
	e.target = cfg.Endpoint
	path := ""
	if strings.Contains(cfg.Endpoint, "://") {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("otlp: endpoint %q is not host:port or a URL", cfg.Endpoint)
		}
		switch u.Scheme {
		case "http":
			plaintext = true
		case "https":
			plaintext = false
		default:
			return nil, fmt.Errorf("otlp: endpoint %q: scheme must be http or https", cfg.Endpoint)
		}
		e.target, path = u.Host, strings.TrimSuffix(u.Path, "/")
	}
	if !plaintext {
		t, err := tlsConfig(cfg.TLS)
		if err != nil {
			return nil, err
		}
		e.tlsCfg = t
	}
	switch cfg.Protocol {
	case ProtocolGRPC:
		creds := insecure.NewCredentials()
		if e.tlsCfg != nil {
			creds = credentials.NewTLS(e.tlsCfg)
		}
		conn, err := grpc.NewClient(e.target, grpc.WithTransportCredentials(creds),
			grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: 200 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: cfg.RetryMax},
				MinConnectTimeout: cfg.Timeout,
			}))
		if err != nil {
			return nil, fmt.Errorf("otlp: %w", err)
		}
		e.conn = conn
	case ProtocolHTTP:
		scheme := "https"
		if plaintext {
			scheme = "http"
		}
		e.baseURL = scheme + "://" + e.target + path
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = e.tlsCfg
		e.httpc = &http.Client{Transport: tr, Timeout: cfg.Timeout}
	}
	host, _ := os.Hostname()
	attrs := []*commonpb.KeyValue{
		strKV("service.name", "voip_exporter"),
		strKV("service.instance.id", cfg.ServiceInstanceID),
		strKV("host.name", host),
	}
	if cfg.Version != "" {
		attrs = append(attrs, strKV("service.version", cfg.Version))
	}
	e.resource = &resourcepb.Resource{Attributes: attrs}
	e.sdkRes = sdkresource.NewSchemaless(semconv.ServiceName("voip_exporter"),
		semconv.ServiceInstanceID(cfg.ServiceInstanceID), semconv.HostName(host), semconv.ServiceVersion(cfg.Version))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		e.log.Debug("opentelemetry sdk", "err", err)
	}))
	return e, nil
}

func tlsConfig(c TLSConfig) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName, InsecureSkipVerify: c.InsecureSkipVerify} //nolint:gosec // operator's choice, documented
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("otlp: tls ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("otlp: tls ca_file %s: no PEM certificate", c.CAFile)
		}
		t.RootCAs = pool
	}
	if c.CertFile != "" || c.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("otlp: tls cert_file/key_file: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}

// QueuePath is the queue file of an instance.
func (e *Exporter) QueuePath(instance string) string {
	return filepath.Join(e.cfg.QueueDir, sanitizeFile(instance)+".queue")
}

func sanitizeFile(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Shutdown flushes and closes every pipeline (within ctx), then the connection.
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	ps := e.pipelines
	e.pipelines = nil
	e.mu.Unlock()
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, p := range ps {
		wg.Add(1)
		go func(p *Pipeline) {
			defer wg.Done()
			if err := p.Close(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}(p)
	}
	wg.Wait()
	if e.conn != nil {
		errs = append(errs, e.conn.Close())
	}
	if e.httpc != nil {
		e.httpc.CloseIdleConnections()
	}
	return errors.Join(errs...)
}

func strKV(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func intKV(k string, v int64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
}

func floatKV(k string, v float64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: v}}}
}
