package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Call quality (the event-driven FreeSWITCH path; see docs/quality.md):
//
//	events:  {rtcp: true, qos: true, max_domains: 100}
//	storage: {type: memory | redis, redis: {address, password, db, key_prefix, ttl, sentinel: {master_name, addresses, password}}}
//	otlp:    {endpoint, protocol: grpc | http, insecure, tls: {…}, headers: {…}, timeout,
//	          queue: {dir, max_bytes, max_age}, per_call_attributes: false, metric_interval,
//	          retry: {initial_interval, max_interval}}
//
// Besides VOIP_EXPORTER_EVENTS / _STORAGE / _OTLP (a whole key as YAML or
// JSON), single settings can be overridden as seed 001 allows, e.g.
// VOIP_EXPORTER_STORAGE_TYPE=redis, VOIP_EXPORTER_REDIS_ADDRESS=redis:6379,
// VOIP_EXPORTER_OTLP_ENDPOINT=collector:4317 (see QualityEnv).

// Events toggles the event-driven call-quality path (seed 001's events).
type Events struct {
	// RTCP: live RTCP metrics during calls (RECV/SEND_RTCP_MESSAGE). Default true.
	RTCP *bool `yaml:"rtcp"`
	// QoS: end-of-call records at CHANNEL_HANGUP_COMPLETE. Default true.
	QoS *bool `yaml:"qos"`
	// Outcomes: per-attempt call outcomes (ASR/NER/ACD/PDD per gateway) from the same
	// CHANNEL_HANGUP_COMPLETE events; needs the event path (rtcp or qos on). Default true.
	Outcomes *bool `yaml:"outcomes"`
	// MaxDomains caps distinct domain label values per instance; later
	// domains are counted as "other". Default 100.
	MaxDomains int `yaml:"max_domains"`

	Line int `yaml:"-"`
}

// RTCPOn and QoSOn resolve the toggles (both default to true).
func (e Events) RTCPOn() bool { return e.RTCP == nil || *e.RTCP }

// QoSOn reports whether end-of-call records are on.
func (e Events) QoSOn() bool { return e.QoS == nil || *e.QoS }

// OutcomesOn reports whether call outcomes are tracked (default true; only when the event path runs).
func (e Events) OutcomesOn() bool { return e.On() && (e.Outcomes == nil || *e.Outcomes) }

// On reports whether the event path runs at all.
func (e Events) On() bool { return e.RTCPOn() || e.QoSOn() }

// Storage chooses where live call-leg state is kept.
type Storage struct {
	Type  string `yaml:"type"` // "memory" (default) or "redis"
	Redis Redis  `yaml:"redis"`

	Line int `yaml:"-"`
}

// Redis is the Redis server shared by agents (storage.type: redis).
type Redis struct {
	Address   string        `yaml:"address"` // host:port, default 127.0.0.1:6379
	Password  Secret        `yaml:"password"`
	DB        int           `yaml:"db"`
	KeyPrefix string        `yaml:"key_prefix"` // default "voip_exporter:"
	TTL       time.Duration `yaml:"ttl"`        // default 24h
	// Sentinel finds the primary through Redis Sentinel (address is then not used): no single Redis
	// to lose, the agents follow a failover.
	Sentinel RedisSentinel `yaml:"sentinel"`
}

// RedisSentinel names the monitored primary and the sentinels that know it.
type RedisSentinel struct {
	MasterName string   `yaml:"master_name"`
	Addresses  []string `yaml:"addresses"` // host:port of the sentinels
	Password   Secret   `yaml:"password"`  // the sentinels' own (requirepass in sentinel.conf)
}

// OTLP configures the OpenTelemetry export (off while endpoint is empty).
type OTLP struct {
	Endpoint          string            `yaml:"endpoint"` // host:port or http(s)://host:port[/path]
	Protocol          string            `yaml:"protocol"` // grpc (default) or http
	Insecure          bool              `yaml:"insecure"` // plaintext to a host:port endpoint
	TLS               OTLPTLS           `yaml:"tls"`
	Headers           map[string]Secret `yaml:"headers"` // e.g. x-api-key
	Timeout           time.Duration     `yaml:"timeout"` // one export, default 10s
	Queue             OTLPQueue         `yaml:"queue"`
	PerCallAttributes bool              `yaml:"per_call_attributes"` // channel_id/correlation_id on metrics: high cardinality
	MetricInterval    time.Duration     `yaml:"metric_interval"`     // default 30s
	Retry             OTLPRetry         `yaml:"retry"`

	Line int `yaml:"-"`
}

// OTLPTLS is the TLS client setup.
type OTLPTLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// OTLPQueue bounds the on-disk queue of QoS records.
type OTLPQueue struct {
	Dir      string        `yaml:"dir"`       // default $STATE_DIRECTORY/otlp-queue, else ./otlp-queue
	MaxBytes ByteSize      `yaml:"max_bytes"` // per instance, default 256MiB
	MaxAge   time.Duration `yaml:"max_age"`   // default 168h
}

// OTLPRetry is the backoff of log record exports.
type OTLPRetry struct {
	InitialInterval time.Duration `yaml:"initial_interval"` // default 1s
	MaxInterval     time.Duration `yaml:"max_interval"`     // default 30s
}

// ByteSize is a size in bytes, written as a number or with a unit
// (KB, MB, GB, KiB, MiB, GiB).
type ByteSize int64

var byteUnits = map[string]int64{"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30}

var byteSizeRe = regexp.MustCompile(`^\s*([0-9]+)\s*([A-Za-z]*)\s*$`)

// UnmarshalYAML reads 1048576, "1MiB" or "1 MB".
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	m := byteSizeRe.FindStringSubmatch(n.Value)
	if m == nil {
		return fmt.Errorf("line %d: %q is not a size (e.g. 268435456, 256MiB, 1GB)", n.Line, n.Value)
	}
	unit, ok := byteUnits[strings.ToLower(m[2])]
	v, err := strconv.ParseInt(m[1], 10, 64)
	if !ok || err != nil || v > (1<<62)/unit {
		return fmt.Errorf("line %d: %q is not a size (e.g. 268435456, 256MiB, 1GB)", n.Line, n.Value)
	}
	*b = ByteSize(v * unit)
	return nil
}

// UnmarshalYAML records where the section is.
func (e *Events) UnmarshalYAML(n *yaml.Node) error {
	type plain Events
	if err := n.Decode((*plain)(e)); err != nil {
		return err
	}
	e.Line = n.Line
	return nil
}

// UnmarshalYAML records where the section is.
func (s *Storage) UnmarshalYAML(n *yaml.Node) error {
	type plain Storage
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.Line = n.Line
	return nil
}

// UnmarshalYAML records where the section is.
func (o *OTLP) UnmarshalYAML(n *yaml.Node) error {
	type plain OTLP
	if err := n.Decode((*plain)(o)); err != nil {
		return err
	}
	o.Line = n.Line
	return nil
}

// Defaults of the call-quality settings.
const (
	DefaultRedisAddress   = "127.0.0.1:6379"
	DefaultRedisKeyPrefix = "voip_exporter:"
	DefaultRedisTTL       = 24 * time.Hour
	DefaultMaxDomains     = 100
	DefaultOTLPTimeout    = 10 * time.Second
	DefaultQueueMaxBytes  = 256 << 20
	DefaultQueueMaxAge    = 7 * 24 * time.Hour
	DefaultMetricInterval = 30 * time.Second
)

// QualityEnv maps seed-001-style environment variables to the settings they
// override (after VOIP_EXPORTER_EVENTS/_STORAGE/_OTLP).
var QualityEnv = map[string][]string{
	EnvPrefix + "EVENTS_RTCP":              {"events", "rtcp"},
	EnvPrefix + "EVENTS_QOS":               {"events", "qos"},
	EnvPrefix + "EVENTS_OUTCOMES":          {"events", "outcomes"},
	EnvPrefix + "STORAGE_TYPE":             {"storage", "type"},
	EnvPrefix + "REDIS_ADDRESS":            {"storage", "redis", "address"},
	EnvPrefix + "REDIS_PASSWORD":           {"storage", "redis", "password"},
	EnvPrefix + "REDIS_DB":                 {"storage", "redis", "db"},
	EnvPrefix + "OTLP_ENDPOINT":            {"otlp", "endpoint"},
	EnvPrefix + "OTLP_PROTOCOL":            {"otlp", "protocol"},
	EnvPrefix + "OTLP_INSECURE":            {"otlp", "insecure"},
	EnvPrefix + "OTLP_QUEUE_DIR":           {"otlp", "queue", "dir"},
	EnvPrefix + "OTLP_PER_CALL_ATTRIBUTES": {"otlp", "per_call_attributes"},
}

func init() { overrideHooks = append(overrideHooks, qualityEnvOverrides) }

// qualityEnvOverrides applies QualityEnv to the document.
func qualityEnvOverrides(root *yaml.Node, lookup func(string) (string, bool)) error {
	keys := make([]string, 0, len(QualityEnv))
	for k := range QualityEnv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, env := range keys {
		v, ok := lookup(env)
		if !ok {
			continue
		}
		setPath(root, QualityEnv[env], &yaml.Node{Kind: yaml.ScalarNode, Value: v})
	}
	return nil
}

// setPath sets a nested key, creating (or replacing non-mapping) parents.
func setPath(m *yaml.Node, path []string, val *yaml.Node) {
	for i, key := range path {
		last := i == len(path)-1
		var child *yaml.Node
		for j := 0; j+1 < len(m.Content); j += 2 {
			if m.Content[j].Value == key {
				child = m.Content[j+1]
				if last {
					m.Content[j+1] = val
					return
				}
				if child.Kind != yaml.MappingNode {
					child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
					m.Content[j+1] = child
				}
				break
			}
		}
		if child == nil {
			if last {
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
				return
			}
			child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, child)
		}
		m = child
	}
}

func (c *Config) defaultsQuality() {
	if c.Events.MaxDomains == 0 {
		c.Events.MaxDomains = DefaultMaxDomains
	}
	s := &c.Storage
	s.Type = strings.ToLower(strings.TrimSpace(s.Type))
	if s.Type == "" {
		s.Type = "memory"
	}
	if s.Type == "redis" {
		if s.Redis.Address == "" {
			s.Redis.Address = DefaultRedisAddress
		}
		if s.Redis.KeyPrefix == "" {
			s.Redis.KeyPrefix = DefaultRedisKeyPrefix
		}
		if s.Redis.TTL == 0 {
			s.Redis.TTL = DefaultRedisTTL
		}
	}
	o := &c.OTLP
	if o.Endpoint == "" {
		return
	}
	o.Protocol = strings.ToLower(strings.TrimSpace(o.Protocol))
	if o.Protocol == "" {
		o.Protocol = "grpc"
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultOTLPTimeout
	}
	if o.Queue.Dir == "" {
		o.Queue.Dir = "otlp-queue"
		if d := os.Getenv("STATE_DIRECTORY"); d != "" { // systemd StateDirectory=
			o.Queue.Dir = filepath.Join(strings.Split(d, ":")[0], "otlp-queue")
		}
	}
	if o.Queue.MaxBytes == 0 {
		o.Queue.MaxBytes = DefaultQueueMaxBytes
	}
	if o.Queue.MaxAge == 0 {
		o.Queue.MaxAge = DefaultQueueMaxAge
	}
	if o.MetricInterval == 0 {
		o.MetricInterval = DefaultMetricInterval
	}
	if o.Retry.InitialInterval == 0 {
		o.Retry.InitialInterval = time.Second
	}
	if o.Retry.MaxInterval == 0 {
		o.Retry.MaxInterval = max(30*time.Second, o.Retry.InitialInterval)
	}
}

var headerName = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_` + "`" + `|~-]+$`)

func (c *Config) validateQuality(bad badFunc) {
	if n := c.Events.MaxDomains; n < 1 || n > 10000 {
		bad(c.Events.Line, "events.max_domains: %d is not between 1 and 10000", n)
	}
	s := c.Storage
	switch s.Type {
	case "memory":
	case "redis":
		if err := checkAddress(s.Redis.Address); err != nil {
			bad(s.Line, "storage.redis.address %q: %v", s.Redis.Address, err)
		}
		if sn := s.Redis.Sentinel; sn.MasterName != "" || len(sn.Addresses) > 0 {
			if sn.MasterName == "" || len(sn.Addresses) == 0 {
				bad(s.Line, "storage.redis.sentinel: master_name and addresses go together")
			}
			for _, a := range sn.Addresses {
				if err := checkAddress(a); err != nil {
					bad(s.Line, "storage.redis.sentinel.addresses %q: %v", a, err)
				}
			}
		}
		if s.Redis.DB < 0 || s.Redis.DB > 1000 {
			bad(s.Line, "storage.redis.db: %d is not between 0 and 1000", s.Redis.DB)
		}
		if s.Redis.TTL < time.Minute || s.Redis.TTL > 30*24*time.Hour {
			bad(s.Line, "storage.redis.ttl: %s is not between 1m and 720h", s.Redis.TTL)
		}
		if strings.ContainsAny(s.Redis.KeyPrefix, " \t\r\n") {
			bad(s.Line, "storage.redis.key_prefix %q: no spaces or line breaks", s.Redis.KeyPrefix)
		}
	default:
		bad(s.Line, "storage.type: %q is not memory or redis", s.Type)
	}
	o := c.OTLP
	if o.Endpoint == "" {
		return
	}
	if strings.Contains(o.Endpoint, "://") {
		if !strings.HasPrefix(o.Endpoint, "http://") && !strings.HasPrefix(o.Endpoint, "https://") {
			bad(o.Line, "otlp.endpoint %q: a URL must start with http:// or https://", o.Endpoint)
		}
	} else if err := checkAddress(o.Endpoint); err != nil {
		bad(o.Line, "otlp.endpoint %q: %v (host:port, or an http(s):// URL)", o.Endpoint, err)
	}
	if o.Protocol != "grpc" && o.Protocol != "http" {
		bad(o.Line, "otlp.protocol: %q is not grpc or http", o.Protocol)
	}
	if err := checkTimeout(o.Timeout); err != nil {
		bad(o.Line, "otlp.timeout: %v", err)
	}
	tlsSet := o.TLS.CAFile != "" || o.TLS.CertFile != "" || o.TLS.KeyFile != ""
	if o.Insecure && tlsSet {
		bad(o.Line, "otlp: insecure: true and tls files are contradictory")
	}
	if (o.TLS.CertFile == "") != (o.TLS.KeyFile == "") {
		bad(o.Line, "otlp.tls: cert_file and key_file go together")
	}
	for _, f := range []struct{ key, path string }{{"ca_file", o.TLS.CAFile}, {"cert_file", o.TLS.CertFile}, {"key_file", o.TLS.KeyFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			bad(o.Line, "otlp.tls.%s: %v", f.key, err)
		}
	}
	for k, v := range o.Headers {
		if !headerName.MatchString(k) {
			bad(o.Line, "otlp.headers: %q is not a valid header name", k)
		}
		if strings.ContainsAny(string(v), "\r\n") {
			bad(o.Line, "otlp.headers.%s: the value contains a line break", k)
		}
	}
	if o.Queue.MaxBytes < 1<<20 {
		bad(o.Line, "otlp.queue.max_bytes: %d is under 1MiB", o.Queue.MaxBytes)
	}
	if o.Queue.MaxAge < time.Minute {
		bad(o.Line, "otlp.queue.max_age: %s is under 1m", o.Queue.MaxAge)
	}
	if o.MetricInterval < time.Second || o.MetricInterval > time.Hour {
		bad(o.Line, "otlp.metric_interval: %s is not between 1s and 1h", o.MetricInterval)
	}
	if o.Retry.InitialInterval <= 0 || o.Retry.MaxInterval < o.Retry.InitialInterval || o.Retry.MaxInterval > time.Hour {
		bad(o.Line, "otlp.retry: initial_interval %s and max_interval %s: want 0 < initial ≤ max ≤ 1h", o.Retry.InitialInterval, o.Retry.MaxInterval)
	}
}
