package otlp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/grpc/credentials"

	"github.com/voip-exporter/voip_exporter/otlp/otlptest"
	"github.com/voip-exporter/voip_exporter/quality"
)

func testRecord(id string) *quality.Record {
	return &quality.Record{
		ID: "fs1/" + id + "/1795373452355180", Instance: "fs1", ChannelID: id, CorrelationID: "call-" + id,
		Domain: "example.com", Direction: "inbound", Codec: "PCMU", LocalMediaIP: "10.0.0.1", RemoteMediaIP: "10.0.0.2",
		HangupCause: "NORMAL_CLEARING", Created: 1795373426235161, Answered: 1795373426255160, Hungup: 1795373452355180,
		Duration: 26.12, BillSec: 26.1, MOS: 4.5, QualityPercentage: 100, JitterMinVariance: 2.64, JitterMaxVariance: 8.60,
		PacketsIn: 1304, LostIn: 1, SkipPackets: 3, BytesIn: 224116, FlawTotal: 0, PacketsOut: 1302, BytesOut: 223944,
		JitterAvg: 0.001, LossRatio: 3.0 / 1307, RTTAvg: 0.065, SentLost: 65, RTCPReports: 10, EModelR: 92.3, EModelMOS: 4.39,
	}
}

func attrs(lr *logspb.LogRecord) map[string]any {
	out := map[string]any{}
	for _, kv := range lr.GetAttributes() {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			out[kv.GetKey()] = v.StringValue
		case *commonpb.AnyValue_DoubleValue:
			out[kv.GetKey()] = v.DoubleValue
		case *commonpb.AnyValue_IntValue:
			out[kv.GetKey()] = v.IntValue
		}
	}
	return out
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newTestExporter(t *testing.T, cfg Config) *Exporter {
	t.Helper()
	if cfg.QueueDir == "" {
		cfg.QueueDir = t.TempDir()
	}
	if cfg.MetricInterval == 0 {
		cfg.MetricInterval = 100 * time.Millisecond
	}
	cfg.RetryInitial, cfg.RetryMax = 20*time.Millisecond, 100*time.Millisecond
	cfg.Timeout = 2 * time.Second
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestPipelineGRPC: a real OTLP/gRPC receiver gets every field of a record,
// the seed's metric instruments, the headers; a receiver outage and a
// restart of the pipeline lose nothing and duplicate nothing.
func TestPipelineGRPC(t *testing.T) {
	rec := &otlptest.Received{}
	recv, err := otlptest.StartGRPC("127.0.0.1:0", rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := recv.Addr()
	dir := t.TempDir()
	cfg := Config{Endpoint: addr, Insecure: true, QueueDir: dir, Headers: map[string]string{"x-api-key": "k1"}, Version: "test"}
	e := newTestExporter(t, cfg)
	p, err := e.Pipeline("fs1")
	if err != nil {
		t.Fatal(err)
	}
	leg := &quality.Leg{ChannelID: "a", CorrelationID: "call-a"}
	lb := quality.Labels{Domain: "example.com", Codec: "PCMU", Direction: "inbound", Cause: "NORMAL_CLEARING"}
	p.Sample(leg, lb, quality.Sample{Kind: quality.StreamSent, Jitter: 0.005, FractionLost: 0.01, LostDelta: 3, RTT: 0.05})
	p.Record(testRecord("a"), lb)
	waitFor(t, 5*time.Second, "the first record", func() bool { return len(rec.Logs()) == 1 })
	lr := rec.Logs()[0]
	a := attrs(lr)
	for k, want := range map[string]any{"record_id": "fs1/a/1795373452355180", "channel_id": "a", "correlation_id": "call-a",
		"domain_name": "example.com", "codec_name": "PCMU", "src_ip": "10.0.0.1", "dst_ip": "10.0.0.2", "hangup_cause": "NORMAL_CLEARING",
		"packets_in": int64(1304), "packets_lost_in": int64(1), "skip_packets_in": int64(3), "mos_score": 4.5, "emodel_mos": 4.39, "total_packets": int64(2606),
		"end_time_unix_us": int64(1795373452355180), "rtt_avg_seconds": 0.065} {
		if a[k] != want {
			t.Errorf("attribute %s = %v (%T), want %v", k, a[k], a[k], want)
		}
	}
	if len(a) != len(testRecord("a").Fields()) {
		t.Errorf("%d attributes, want every field (%d)", len(a), len(testRecord("a").Fields()))
	}
	if lr.GetTimeUnixNano() != 1795373452355180000 || lr.GetEventName() != EventName || lr.GetBody().GetStringValue() == "" {
		t.Errorf("log record %v", lr)
	}
	rl := rec.ResourceLogs()[0]
	if rl.GetResource() == nil || rl.GetScopeLogs()[0].GetScope().GetName() != scopeName {
		t.Errorf("resource/scope %v", rl)
	}
	waitFor(t, 5*time.Second, "metrics", func() bool {
		n := rec.MetricNames()
		return n["freeswitch.rtcp.packets_lost"] && n["freeswitch.qos.mos_score"] && n["freeswitch.qos.bytes"] && n["freeswitch.qos.legs"]
	})
	for _, md := range rec.Headers() {
		if got := md.Get("x-api-key"); len(got) != 1 || got[0] != "k1" {
			t.Fatalf("headers %v", md)
		}
	}
	// No per-call id on metric attributes by default.
	for _, pt := range points(rec.Metrics()) {
		for _, kv := range pt.attrs {
			if kv.GetKey() == "channel_id" || kv.GetKey() == "correlation_id" {
				t.Fatalf("%s has %s", pt.name, kv.GetKey())
			}
		}
	}

	// Receiver down: records wait on disk, failures are counted.
	recv.Stop()
	p.Record(testRecord("b"), lb)
	p.Record(testRecord("c"), lb)
	waitFor(t, 5*time.Second, "failed exports", func() bool { s := p.Stats(); return s.LogFailures > 0 && s.QueueRecords == 2 && !s.Up })
	// The agent restarts meanwhile: pipeline closed and opened again.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	if err := e.Shutdown(ctx); err != nil {
		t.Logf("shutdown: %v", err)
	}
	cancel()
	e = newTestExporter(t, cfg)
	p, err = e.Pipeline("fs1")
	if err != nil {
		t.Fatal(err)
	}
	p.Record(testRecord("d"), lb)
	waitFor(t, 5*time.Second, "3 queued", func() bool { return p.Stats().QueueRecords == 3 })
	// The receiver comes back where it was.
	recv, err = otlptest.StartGRPC(addr, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Stop()
	waitFor(t, 10*time.Second, "all records", func() bool { return len(rec.Logs()) == 4 })
	seen := map[string]int{}
	for _, lr := range rec.Logs() {
		seen[attrs(lr)["record_id"].(string)]++
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		if n := seen["fs1/"+id+"/1795373452355180"]; n != 1 {
			t.Errorf("record %s arrived %d times", id, n)
		}
	}
	waitFor(t, 5*time.Second, "empty queue", func() bool { s := p.Stats(); return s.QueueRecords == 0 && s.Up && s.OldestAge == 0 })
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestPipelineHTTP exports over OTLP/HTTP with per-call metric attributes on.
func TestPipelineHTTP(t *testing.T) {
	rec := &otlptest.Received{}
	srv := httptest.NewServer(otlptest.HTTPHandler(rec))
	defer srv.Close()
	e := newTestExporter(t, Config{Endpoint: srv.URL, Protocol: ProtocolHTTP, PerCallAttributes: true, Headers: map[string]string{"Authorization": "Bearer t"}})
	p, err := e.Pipeline("fs2")
	if err != nil {
		t.Fatal(err)
	}
	lb := quality.Labels{Domain: "d", Codec: "PCMA", Direction: "outbound"}
	p.Record(testRecord("h"), lb)
	waitFor(t, 5*time.Second, "record over HTTP", func() bool { return len(rec.Logs()) == 1 })
	waitFor(t, 5*time.Second, "metrics over HTTP", func() bool { return rec.MetricNames()["freeswitch.qos.mos_score"] })
	found := false
	for _, pt := range points(rec.Metrics()) {
		for _, kv := range pt.attrs {
			if kv.GetKey() == "channel_id" && kv.GetValue().GetStringValue() == "h" {
				found = true
			}
		}
	}
	if !found {
		t.Error("per_call_attributes: no channel_id attribute")
	}
	if h := rec.Headers()[0].Get("authorization"); len(h) == 0 || h[0] != "Bearer t" {
		t.Errorf("headers %v", rec.Headers()[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestPipelineTLS exports over gRPC with TLS to a receiver whose
// certificate is checked against ca_file.
func TestPipelineTLS(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	rec := &otlptest.Received{}
	recv, err := otlptest.StartGRPC("127.0.0.1:0", rec, credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Stop()
	e := newTestExporter(t, Config{Endpoint: recv.Addr(), TLS: TLSConfig{CAFile: caFile, ServerName: "receiver.test"}})
	p, err := e.Pipeline("fs3")
	if err != nil {
		t.Fatal(err)
	}
	p.Record(testRecord("t"), quality.Labels{})
	waitFor(t, 5*time.Second, "record over TLS", func() bool { return len(rec.Logs()) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = e.Shutdown(ctx)

	// A wrong CA file is a clear error.
	if _, err := New(Config{Endpoint: "127.0.0.1:1", QueueDir: dir, TLS: TLSConfig{CAFile: filepath.Join(dir, "nope")}}); err == nil {
		t.Error("missing CA file accepted")
	}
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "receiver.test"},
		DNSNames: []string{"receiver.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}
