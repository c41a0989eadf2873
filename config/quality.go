package config

// Events toggles the event-driven FreeSWITCH call-quality path (seed 001's
// events: {rtcp, qos}). (Stub: the call-quality work fills it in.)
type Events struct {
	RTCP *bool `yaml:"rtcp"`
	QoS  *bool `yaml:"qos"`
}

// Storage chooses where live call-leg state is kept: memory or redis.
type Storage struct {
	Type string `yaml:"type"`
}

// OTLP configures the OpenTelemetry export.
type OTLP struct {
	Endpoint string `yaml:"endpoint"`
}

func (c *Config) defaultsQuality() {}

func (c *Config) validateQuality(bad badFunc) {}
