// Package ha makes several voip_exporter agents sharing one configuration and one Redis behave as one system:
// each event-driven instance is owned by exactly one agent through a fenced Redis lease, spread evenly.
//
// Why Redis: the call-quality path already keeps its live legs there, so Redis is the one component every
// agent must reach anyway; a lease is a key written with SET NX PX (atomic set-if-absent with expiry), renewed
// and released by Lua scripts that first compare the owner, so no home-made consensus is involved.
//
// Lease: {prefix}lease:{instance} holds "<token> <agent>" with a PX expiry of LeaseTTL. A takeover (acquire
// script: SET NX PX, then INCR {prefix}fence:{instance}, then the value with the token) yields a fencing token
// greater than every earlier one. The owner renews every LeaseTTL/3 (compare-and-PEXPIRE) and releases on a
// clean shutdown (compare-and-delete). Every state write and record enqueue of the owner runs in a Lua script
// that first compares the lease value with the one the owner acquired (see store.Fence and Stream.Add): an
// owner paused past its lease (GC, SIGSTOP, a slow VM) cannot write after a takeover, whatever its clock says.
//
// Stepping down: an owner whose last successful renewal started at t considers the lease valid until
// t + LeaseTTL − SafetyMargin only. Past that (Redis unreachable, renewals failing) it stops processing the
// instance before the key can expire in Redis and another agent take it, logs it, shows it on /health and
// counts it in voip_exporter_ha_leases_lost_total.
//
// Spread: agents announce themselves with {prefix}agents:{id} (PX AgentTTL, two ticks, refreshed every tick).
// With N live agents and M instances an agent holds at most ceil(M/N) leases: over quota it releases one
// lease per tick, under quota it acquires free ones, so instances move one at a time when agents join or
// leave. A lease whose owner has no heartbeat any more is taken at the moment it expires (a timer on its
// PTTL), so a dead agent's instances are owned again within LeaseTTL of its death. A released lease is
// announced on {prefix}ha-released (Pub/Sub), and an agent under quota takes it at once.
package ha
