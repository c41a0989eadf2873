package ami

import "github.com/voip-exporter/voip_exporter/reconnect"

// Backoff computes reconnect delays (see reconnect.Backoff).
type Backoff = reconnect.Backoff
