package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestQualityDefaults(t *testing.T) {
	cfg, err := Parse("c.yml", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Events.RTCPOn() || !cfg.Events.QoSOn() || cfg.Events.MaxDomains != 100 || cfg.Storage.Type != "memory" || cfg.OTLP.Endpoint != "" {
		t.Errorf("defaults: %+v %+v %+v", cfg.Events, cfg.Storage, cfg.OTLP)
	}
	cfg, err = Parse("c.yml", []byte("storage:\n  type: redis\notlp:\n  endpoint: collector:4317\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Storage.Redis
	if r.Address != "127.0.0.1:6379" || r.TTL != 24*time.Hour || r.KeyPrefix != "voip_exporter:" {
		t.Errorf("redis defaults: %+v", r)
	}
	o := cfg.OTLP
	if o.Protocol != "grpc" || o.Timeout != 10*time.Second || o.Queue.Dir == "" || o.Queue.MaxBytes != 256<<20 ||
		o.Queue.MaxAge != 168*time.Hour || o.MetricInterval != 30*time.Second || o.PerCallAttributes ||
		o.Retry.InitialInterval != time.Second || o.Retry.MaxInterval != 30*time.Second {
		t.Errorf("otlp defaults: %+v", o)
	}
}

func TestQualityFull(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `events:
  rtcp: false
  qos: true
  max_domains: 20
storage:
  type: redis
  redis:
    address: redis.internal:6380
    password: ${REDIS_PW}
    db: 2
    key_prefix: "fsq:"
    ttl: 12h
otlp:
  endpoint: https://otel.example:4318/base
  protocol: http
  tls:
    ca_file: ` + ca + `
    server_name: otel.example
  headers:
    x-api-key: ${OTLP_KEY}
  timeout: 5s
  queue:
    dir: ` + dir + `
    max_bytes: 64MiB
    max_age: 48h
  per_call_attributes: true
  metric_interval: 15s
  retry: {initial_interval: 2s, max_interval: 1m}
`
	cfg, err := Parse("c.yml", []byte(src), env(map[string]string{"REDIS_PW": "rpw", "OTLP_KEY": "k-123"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Events.RTCPOn() || !cfg.Events.QoSOn() || cfg.Events.MaxDomains != 20 || cfg.Events.Line != 2 {
		t.Errorf("events %+v", cfg.Events)
	}
	r := cfg.Storage.Redis
	if r.Address != "redis.internal:6380" || r.Password != "rpw" || r.DB != 2 || r.KeyPrefix != "fsq:" || r.TTL != 12*time.Hour {
		t.Errorf("redis %+v", r)
	}
	o := cfg.OTLP
	if o.Protocol != "http" || o.Headers["x-api-key"] != "k-123" || o.Queue.MaxBytes != 64<<20 || o.Queue.MaxAge != 48*time.Hour ||
		!o.PerCallAttributes || o.TLS.ServerName != "otel.example" || o.Retry.MaxInterval != time.Minute || o.Line != 14 {
		t.Errorf("otlp %+v", o)
	}
	// Secrets stay hidden when printed.
	if s := r.Password.String() + o.Headers["x-api-key"].String(); strings.Contains(s, "rpw") || strings.Contains(s, "k-123") {
		t.Error("secret printed")
	}
}

func TestQualityEnvOverrides(t *testing.T) {
	src := "storage:\n  type: memory\notlp:\n  endpoint: a:1\n"
	cfg, err := Parse("c.yml", []byte(src), env(map[string]string{
		"VOIP_EXPORTER_STORAGE_TYPE":   "redis",
		"VOIP_EXPORTER_REDIS_ADDRESS":  "10.1.1.1:6379",
		"VOIP_EXPORTER_REDIS_PASSWORD": "pw",
		"VOIP_EXPORTER_REDIS_DB":       "3",
		"VOIP_EXPORTER_OTLP_ENDPOINT":  "collector:4317",
		"VOIP_EXPORTER_OTLP_INSECURE":  "true",
		"VOIP_EXPORTER_EVENTS_RTCP":    "false",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Type != "redis" || cfg.Storage.Redis.Address != "10.1.1.1:6379" || cfg.Storage.Redis.Password != "pw" ||
		cfg.Storage.Redis.DB != 3 || cfg.OTLP.Endpoint != "collector:4317" || !cfg.OTLP.Insecure || cfg.Events.RTCPOn() {
		t.Errorf("overrides: %+v %+v %+v", cfg.Storage, cfg.OTLP, cfg.Events)
	}
	// The whole-key override still works and the finer ones apply on top.
	cfg, err = Parse("c.yml", nil, env(map[string]string{
		"VOIP_EXPORTER_OTLP":          `{"endpoint": "x:1", "protocol": "http"}`,
		"VOIP_EXPORTER_OTLP_ENDPOINT": "y:2",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OTLP.Endpoint != "y:2" || cfg.OTLP.Protocol != "http" {
		t.Errorf("otlp %+v", cfg.OTLP)
	}
}

func TestQualityErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"storage:\n  type: mongo\n", "c.yml:2: storage.type: \"mongo\" is not memory or redis"},
		{"storage:\n  type: redis\n  redis:\n    address: nope\n", "storage.redis.address \"nope\""},
		{"storage:\n  type: redis\n  redis:\n    ttl: 1s\n", "storage.redis.ttl: 1s is not between"},
		{"storage:\n  redis:\n    adress: x\n", "unknown key \"adress\" in storage.redis"},
		{"otlp:\n  endpoint: nohost\n", "c.yml:2: otlp.endpoint \"nohost\""},
		{"otlp:\n  endpoint: ftp://x:1\n", "must start with http:// or https://"},
		{"otlp:\n  endpoint: a:1\n  protocol: udp\n", "otlp.protocol: \"udp\" is not grpc or http"},
		{"otlp:\n  endpoint: a:1\n  queue:\n    max_bytes: 12 parsecs\n", "is not a size"},
		{"otlp:\n  endpoint: a:1\n  queue:\n    max_bytes: 1000\n", "otlp.queue.max_bytes: 1000 is under 1MiB"},
		{"otlp:\n  endpoint: a:1\n  insecure: true\n  tls:\n    ca_file: /x\n", "contradictory"},
		{"otlp:\n  endpoint: a:1\n  tls:\n    ca_file: /does/not/exist\n", "otlp.tls.ca_file"},
		{"otlp:\n  endpoint: a:1\n  tls:\n    cert_file: /x\n", "cert_file and key_file go together"},
		{"otlp:\n  endpoint: a:1\n  headers:\n    \"bad header\": v\n", "not a valid header name"},
		{"otlp:\n  endpoint: a:1\n  retry:\n    initial_interval: 10s\n    max_interval: 1s\n", "otlp.retry"},
		{"events:\n  max_domains: 0\n", ""},
		{"events:\n  max_domains: 20000\n", "events.max_domains: 20000"},
	} {
		_, err := Parse("c.yml", []byte(c.src), env(nil))
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v", c.src, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}
