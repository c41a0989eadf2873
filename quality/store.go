package quality

import "context"

// Store keeps the live legs of one FreeSWITCH instance: in memory
// (store.Memory) or in memory backed by Redis (store.Redis). It is declared
// here, where it is used, so that quality does not import store; store.Store
// is the same interface. Implementations are safe for concurrent use.
type Store interface {
	// Get returns a copy of the leg.
	Get(channelID string) (Leg, bool)
	// Put inserts or replaces the leg (copying it).
	Put(l Leg)
	// Delete forgets the leg.
	Delete(channelID string)
	// Len is the number of legs.
	Len() int
	// Range calls fn for each leg until it returns false. fn must not keep
	// the pointer nor call the store.
	Range(fn func(l *Leg) bool)
	// Load brings the legs a persistent store holds for the instance into
	// memory (after an agent restart) and returns how many; 0 for memory.
	Load(ctx context.Context) (int, error)
	// Claim records that this agent exports the record of a finished leg.
	// It returns false when another agent sharing the store already did.
	// When the store cannot tell (unreachable), it returns true and the
	// error: a record is never lost for want of a claim.
	Claim(ctx context.Context, channelID string) (bool, error)
	// Flush writes pending changes (persistent stores).
	Flush(ctx context.Context) error
	// Close flushes and releases the store.
	Close() error
	// Stats returns operation counters.
	Stats() StoreStats
}

// StoreStats are a store's counters.
type StoreStats struct {
	// Ops counts operations by kind ("put", "delete", "load", "claim",
	// "flush", "resync") and result ("ok", "error").
	Ops []OpCount
	// Up is false while a persistent backend is unreachable.
	Up bool
	// Pending is the number of legs waiting to be written.
	Pending int
}

// OpCount is the number of operations of one kind with one result.
type OpCount struct {
	Op, Result string
	N          uint64
}
