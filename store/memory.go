package store

import (
	"context"
	"sync"

	"github.com/voip-exporter/voip_exporter/quality"
)

// Memory keeps legs in a map: fast, private to the process, lost on restart
// (the agent relearns calls in progress from FreeSWITCH on connect).
type Memory struct {
	mu   sync.RWMutex
	legs map[string]*quality.Leg
	ops  *opCounter
}

// NewMemory returns an empty memory store.
func NewMemory() *Memory {
	return &Memory{legs: make(map[string]*quality.Leg), ops: newOpCounter(opPut, opDelete)}
}

// Get implements quality.Store.
func (m *Memory) Get(id string) (quality.Leg, bool) {
	m.mu.RLock()
	l, ok := m.legs[id]
	var v quality.Leg
	if ok {
		v = *l
	}
	m.mu.RUnlock()
	return v, ok
}

// Put implements quality.Store.
func (m *Memory) Put(l quality.Leg) {
	m.mu.Lock()
	if p, ok := m.legs[l.ChannelID]; ok {
		*p = l
	} else {
		p := new(quality.Leg)
		*p = l
		m.legs[p.ChannelID] = p
	}
	m.mu.Unlock()
	m.ops.add(opPut, nil)
}

// Delete implements quality.Store.
func (m *Memory) Delete(id string) {
	m.mu.Lock()
	delete(m.legs, id)
	m.mu.Unlock()
	m.ops.add(opDelete, nil)
}

// Len implements quality.Store.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.legs)
}

// Range implements quality.Store.
func (m *Memory) Range(fn func(*quality.Leg) bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, l := range m.legs {
		if !fn(l) {
			return
		}
	}
}

// Load implements quality.Store: memory holds nothing across restarts.
func (m *Memory) Load(context.Context) (int, error) { return 0, nil }

// Claim implements quality.Store: a single agent always exports.
func (m *Memory) Claim(context.Context, string) (bool, error) { return true, nil }

// Flush implements quality.Store.
func (m *Memory) Flush(context.Context) error { return nil }

// Close implements quality.Store.
func (m *Memory) Close() error { return nil }

// Stats implements quality.Store.
func (m *Memory) Stats() quality.StoreStats {
	return quality.StoreStats{Ops: m.ops.snapshot(), Up: true}
}
