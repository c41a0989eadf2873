package asterisk

import "github.com/voip-exporter/voip_exporter/ha"

// SetLease makes the instance's event-derived series (asterisk_rtcp_*, from AMI RTCP events) follow an
// HA lease: every agent keeps tracking the latest reports (they are plain gauges of the last report,
// so a new owner has them at once), only the owner exports them, so sum() over agents never double
// counts. Polled series are exported by every agent. Call before Run; only AMI mode with RTCP has any.
func (i *Instance) SetLease(l *ha.Lease) { i.lease = l }

// HasEvents reports whether the instance has an event-derived path (AMI mode: RTCP and call outcomes).
func (i *Instance) HasEvents() bool { return i.rtcp != nil || i.outcomes != nil }

// owns reports whether this agent exports the event-derived series.
func (i *Instance) owns() bool { return i.lease == nil || i.lease.Owned() }
