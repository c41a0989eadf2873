package config

import (
	"time"

	"gopkg.in/yaml.v3"
)

// HA runs several agents with one configuration and one Redis as one system (docs/ha.md): each
// event-driven instance is owned by one agent through a fenced Redis lease.
type HA struct {
	Enabled bool `yaml:"enabled"`
	// AgentID names this agent (default hostname-pid; in Kubernetes the pod name).
	AgentID string `yaml:"agent_id"`
	// LeaseTTL is the lease expiry (default 15s): a dead agent's instances are taken over within it.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// SafetyMargin: an owner that could not renew stops lease_ttl − safety_margin after its last
	// successful renewal (default lease_ttl/4).
	SafetyMargin time.Duration `yaml:"safety_margin"`
	// ClaimIdle is how long a QoS record may stay unacknowledged with an agent before another claims it
	// (default 30s).
	ClaimIdle time.Duration `yaml:"claim_idle"`
	// StreamMaxLen bounds the QoS records waiting unacknowledged in the shared Redis stream (default 100000):
	// past it new records are dropped and counted.
	StreamMaxLen int64 `yaml:"stream_max_len"`

	Line int `yaml:"-"`
}

// DefaultLeaseTTL is ha.lease_ttl's default.
const DefaultLeaseTTL = 15 * time.Second

// UnmarshalYAML records the section's line.
func (h *HA) UnmarshalYAML(n *yaml.Node) error {
	type plain HA
	if err := n.Decode((*plain)(h)); err != nil {
		return err
	}
	h.Line = n.Line
	return nil
}

func (c *Config) defaultsHA() {
	h := &c.HA
	if !h.Enabled {
		return
	}
	if h.LeaseTTL == 0 {
		h.LeaseTTL = DefaultLeaseTTL
	}
	if h.SafetyMargin == 0 {
		h.SafetyMargin = h.LeaseTTL / 4
	}
	if h.ClaimIdle == 0 {
		h.ClaimIdle = 30 * time.Second
	}
	if h.StreamMaxLen == 0 {
		h.StreamMaxLen = 100000
	}
}

func (c *Config) validateHA(bad badFunc) {
	h := c.HA
	if !h.Enabled {
		return
	}
	if c.Storage.Type != "redis" {
		bad(h.Line, "ha.enabled needs storage.type: redis (the leases and the shared state live there)")
	}
	if h.LeaseTTL < 500*time.Millisecond || h.LeaseTTL > 10*time.Minute {
		bad(h.Line, "ha.lease_ttl: %s is not between 500ms and 10m", h.LeaseTTL)
	}
	if h.SafetyMargin <= 0 || h.SafetyMargin >= h.LeaseTTL/2 {
		bad(h.Line, "ha.safety_margin: %s must be above 0 and below half of lease_ttl (%s)", h.SafetyMargin, h.LeaseTTL)
	}
	if h.ClaimIdle < time.Second {
		bad(h.Line, "ha.claim_idle: %s is below 1s", h.ClaimIdle)
	}
	if h.StreamMaxLen < 1000 {
		bad(h.Line, "ha.stream_max_len: %d is below 1000", h.StreamMaxLen)
	}
	if len(h.AgentID) > 200 {
		bad(h.Line, "ha.agent_id: longer than 200 characters")
	}
}
