package quality

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/voip-exporter/voip_exporter/esl"
)

const callsDir = "../testdata/freeswitch/calls"

// loadCall returns the captured events of a call, in arrival order.
func loadCall(tb testing.TB, call, format string) []*esl.Event {
	tb.Helper()
	dir := filepath.Join(callsDir, call, "events-"+format)
	names, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no events in %s: %v", dir, err)
	}
	sort.Strings(names)
	var out []*esl.Event
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			tb.Fatal(err)
		}
		ev, err := esl.NewReader(bytes.NewReader(b), esl.ReaderOptions{}).ReadEvent()
		if err != nil {
			tb.Fatalf("%s: %v", n, err)
		}
		out = append(out, ev)
	}
	return out
}

// memStore is a minimal quality.Store for tests of this package (the real
// ones live in store/, which imports this package).
type memStore struct {
	mu     sync.Mutex
	legs   map[string]*Leg
	claims map[string]bool
	shared bool // claims behave like a store shared with another agent
}

func newMemStore() *memStore { return &memStore{legs: map[string]*Leg{}, claims: map[string]bool{}} }

func (m *memStore) Get(id string) (Leg, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.legs[id]
	if !ok {
		return Leg{}, false
	}
	return *l, true
}

func (m *memStore) Put(l Leg) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := l
	m.legs[l.ChannelID] = &p
}

func (m *memStore) Delete(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.legs, id)
}

func (m *memStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.legs)
}

func (m *memStore) Range(fn func(*Leg) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.legs {
		if !fn(l) {
			return
		}
	}
}

func (m *memStore) Load(context.Context) (int, error) { return 0, nil }

func (m *memStore) Claim(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shared && m.claims[id] {
		return false, nil
	}
	m.claims[id] = true
	return true, nil
}

func (m *memStore) Flush(context.Context) error { return nil }
func (m *memStore) Close() error                { return nil }
func (m *memStore) Stats() StoreStats           { return StoreStats{Up: true} }

// sink records what the tracker hands out.
type sink struct {
	mu      sync.Mutex
	samples []sampleAt
	records []Record
	labels  []Labels
}

type sampleAt struct {
	ChannelID string
	Labels    Labels
	Sample
}

func (s *sink) Sample(l *Leg, lb Labels, x Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = append(s.samples, sampleAt{ChannelID: l.ChannelID, Labels: lb, Sample: x})
}

func (s *sink) Record(r *Record, lb Labels) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, *r)
	s.labels = append(s.labels, lb)
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
