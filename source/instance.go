package source

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Instance is one configured server of one source (a FreeSWITCH, a Kamailio…).
// The web side collects every Instance concurrently, each under its own
// deadline, and reads its Health for /health and /ready.
type Instance interface {
	// Source is the kind of system: "freeswitch", "kamailio", "asterisk"…
	Source() string
	// Name is the configured instance name; it becomes the "server" label.
	Name() string
	// Address is where the instance is reached (never with credentials).
	Address() string
	// Timeout bounds one collection of this instance.
	Timeout() time.Duration
	// Collect sends the instance's metrics, without the server label.
	Collect(ctx context.Context, ch chan<- prometheus.Metric)
	// Health is the connection state shown on /health.
	Health() Health
	// Run keeps the instance's connection up until ctx is done.
	Run(ctx context.Context)
}

// Health is the state of one instance's connection, as /health shows it.
// It never holds a credential.
type Health struct {
	Source         string    `json:"source"`
	Name           string    `json:"name"`
	Address        string    `json:"address"`
	Connected      bool      `json:"connected"`
	ConnectedSince time.Time `json:"connected_since,omitzero"`
	LastEvent      time.Time `json:"last_event,omitzero"`
	LastError      string    `json:"last_error,omitempty"`
	LastErrorTime  time.Time `json:"last_error_time,omitzero"`
	Reconnects     uint64    `json:"reconnects"`
	// HA (several agents, one Redis): the lease of an event-driven instance.
	HAOwner           string  `json:"ha_owner,omitempty"`             // agent owning the instance
	HAState           string  `json:"ha_state,omitempty"`             // owner, standby, stepped_down: …
	HALeaseAgeSeconds float64 `json:"ha_lease_age_seconds,omitempty"` // since this agent acquired it
	HAFencingToken    int64   `json:"ha_fencing_token,omitempty"`     // the owner's fencing token
}
