package ha_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/voip-exporter/voip_exporter/ha"
	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/store"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

func client(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { c.Close() })
	return c
}

// recorder is a Handler that remembers what happened.
type recorder struct {
	mu       sync.Mutex
	acquired int
	lost     []string
}

func (r *recorder) Acquired(*ha.Lease) { r.mu.Lock(); r.acquired++; r.mu.Unlock() }
func (r *recorder) Lost(_ *ha.Lease, reason string) {
	r.mu.Lock()
	r.lost = append(r.lost, reason)
	r.mu.Unlock()
}
func (r *recorder) reasons() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lost...)
}

func newManager(t *testing.T, addr, agent string, ttl time.Duration) *ha.Manager {
	return ha.New(ha.Options{Client: client(t, addr), AgentID: agent, LeaseTTL: ttl, KeyPrefix: "t:"})
}

// staleFence is a paused former owner: it still believes it holds the value it acquired.
type staleFence struct{ key, value string }

func (f staleFence) Fence() (string, string, bool) { return f.key, f.value, true }

// A paused owner (no renewals) loses its lease to a stand-by, which gets a greater fencing token; the
// old owner's leg writes, claims and record enqueues are then refused by Redis itself.
func TestPausedOwnerIsFenced(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	const ttl = 600 * time.Millisecond
	a, b := newManager(t, srv.Addr(), "agent-a", ttl), newManager(t, srv.Addr(), "agent-b", ttl)
	ra, rb := &recorder{}, &recorder{}
	la, lb := a.Register("fs1", ra), b.Register("fs1", rb)
	a.Tick(ctx)
	if !la.Owned() || la.Token() != 1 || la.Value() != "1 agent-a" {
		t.Fatalf("agent-a: owned=%v token=%d value=%q", la.Owned(), la.Token(), la.Value())
	}
	b.Tick(ctx)
	if lb.Owned() {
		t.Fatal("agent-b acquired a lease agent-a holds")
	}
	if in := lb.Info(); in.Owner != "agent-a" || in.Token != 1 {
		t.Fatalf("agent-b sees %+v, want owner agent-a token 1", in)
	}
	old := staleFence{la.Key(), la.Value()}

	// agent-a's writes pass while it holds the lease.
	rc := store.NewRedisClient(store.RedisOptions{Address: srv.Addr(), KeyPrefix: "t:", FlushInterval: time.Hour})
	defer rc.Close()
	sa := store.NewRedis(rc, "fs1")
	defer sa.Close()
	sa.SetFence(old, nil, false)
	sa.Put(quality.Leg{ChannelID: "leg-1", Domain: "example.com"})
	if err := sa.Flush(ctx); err != nil {
		t.Fatalf("owner's write refused: %v", err)
	}

	// agent-a pauses: no renewal. Its local view ends at ttl − margin, the key at ttl.
	time.Sleep(ttl - ttl/4 + 20*time.Millisecond)
	if la.Owned() {
		t.Fatal("agent-a still owns after ttl − safety margin without renewal")
	}
	deadline := time.Now().Add(3 * ttl)
	for !lb.Owned() && time.Now().Before(deadline) {
		b.Tick(ctx)
		time.Sleep(ttl / 10)
	}
	if !lb.Owned() || lb.Token() != 2 {
		t.Fatalf("agent-b did not take over: owned=%v token=%d", lb.Owned(), lb.Token())
	}

	// agent-a wakes up believing it still holds "1 agent-a".
	sa.Put(quality.Leg{ChannelID: "leg-2", Domain: "example.com"})
	if err := sa.Flush(ctx); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("paused owner's write: err=%v, want ErrFenced", err)
	}
	cl := client(t, srv.Addr())
	if n, _ := cl.Exists(ctx, rc.LegKey("fs1", "leg-2")).Result(); n != 0 {
		t.Fatal("the fenced write reached Redis")
	}
	if ok, err := sa.Claim(ctx, "leg-1"); ok || !errors.Is(err, store.ErrFenced) {
		t.Fatalf("paused owner's claim: ok=%v err=%v, want refused", ok, err)
	}
	st := ha.NewStream(ha.StreamOptions{Client: cl, Key: "t:qos-stream"})
	done := ha.Done{Key: rc.DoneKey("fs1", "leg-9"), Agent: "agent-a", TTL: time.Minute}
	if _, err := st.Add(ctx, old, done, "fs1/leg-9/1", &logspb.LogRecord{}); !errors.Is(err, ha.ErrFenced) {
		t.Fatalf("paused owner's enqueue: %v, want ErrFenced", err)
	}
	if n, _ := cl.XLen(ctx, "t:qos-stream").Result(); n != 0 {
		t.Fatalf("stream holds %d records after a fenced add", n)
	}
	if n, _ := cl.Exists(ctx, done.Key).Result(); n != 0 {
		t.Fatal("a fenced enqueue left the leg claimed: the new owner could not export it")
	}
	// The new owner claims and queues in one step, once: a replayed hangup is not queued twice.
	done.Agent = "agent-b"
	for i, want := range []bool{true, false} {
		if q, err := st.Add(ctx, lb, done, "fs1/leg-9/1", &logspb.LogRecord{}); q != want || err != nil {
			t.Fatalf("new owner's enqueue %d: queued=%v err=%v, want %v", i, q, err, want)
		}
	}
	if n, _ := cl.XLen(ctx, "t:qos-stream").Result(); n != 1 {
		t.Fatalf("stream holds %d records, want 1", n)
	}
	if s := st.Stats(); s.Added != 1 || s.Duplicates != 1 || s.Fenced != 1 {
		t.Fatalf("stream stats %+v", s)
	}
	// The new owner's state: leg-1 (written by agent-a while it owned) is there to resume from.
	sb := store.NewRedis(rc, "fs1")
	defer sb.Close()
	sb.SetFence(lb, nil, false)
	if n, err := sb.Load(ctx); err != nil || n != 1 {
		t.Fatalf("new owner loaded %d legs (%v), want 1", n, err)
	}
	if ok, err := sb.Claim(ctx, "leg-1"); !ok || err != nil {
		t.Fatalf("new owner's claim: ok=%v err=%v", ok, err)
	}
	// agent-a's next renewal finds the key taken.
	a.Tick(ctx)
	if got := ra.reasons(); len(got) != 1 || (got[0] != ha.ReasonTaken && got[0] != ha.ReasonExpired) {
		t.Fatalf("agent-a Lost reasons %v", got)
	}
	// A clean release deletes only the releaser's own lease.
	b.Close(ctx)
	if v, _ := cl.Get(ctx, lb.Key()).Result(); v != "" {
		t.Fatalf("lease after release = %q", v)
	}
}

func held(ls []*ha.Lease) int {
	n := 0
	for _, l := range ls {
		if l.Owned() {
			n++
		}
	}
	return n
}

// Six instances over three agents spread 2/2/2; an agent that dies has its instances taken within
// the lease TTL; a fourth agent makes the others give leases up one at a time down to ceil(6/4) = 2.
func TestSpreadAndRebalance(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	const ttl = 600 * time.Millisecond
	var ms []*ha.Manager
	var leases [][]*ha.Lease
	add := func(id string) {
		m := newManager(t, srv.Addr(), id, ttl)
		var ls []*ha.Lease
		for i := range 6 {
			ls = append(ls, m.Register(fmt.Sprintf("fs%d", i), &recorder{}))
		}
		ms, leases = append(ms, m), append(leases, ls)
	}
	for _, id := range []string{"a", "b", "c"} {
		add(id)
	}
	cl := client(t, srv.Addr())
	// every agent announces itself, then they tick in turn (as Run does after its first tick).
	round := func(alive ...int) {
		for _, i := range alive {
			ms[i].Tick(ctx)
		}
		owners := map[string]bool{}
		for inst := range 6 {
			n := 0
			for _, i := range alive {
				if leases[i][inst].Owned() {
					n++
				}
			}
			if n > 1 {
				t.Fatalf("fs%d owned by %d agents", inst, n)
			}
			owners[fmt.Sprint(inst)] = n == 1
		}
	}
	for _, m := range ms {
		_ = cl.Set(ctx, m.AgentKey(), "x", ttl).Err()
	}
	for range 3 {
		round(0, 1, 2)
	}
	for i := range 3 {
		if h := held(leases[i]); h != 2 {
			t.Fatalf("agent %d holds %d leases, want 2", i, h)
		}
	}
	// agent c dies: no ticks; its agent key and leases expire.
	start := time.Now()
	for time.Since(start) < 4*ttl && held(leases[0])+held(leases[1]) < 6 {
		round(0, 1)
		time.Sleep(ttl / 6)
	}
	took := time.Since(start)
	if h0, h1 := held(leases[0]), held(leases[1]); h0 != 3 || h1 != 3 {
		t.Fatalf("after agent c died: %d/%d, want 3/3", h0, h1)
	}
	t.Logf("takeover of a dead agent's instances: %v (lease ttl %v)", took, ttl)
	// a fourth agent joins: over-quota agents release one lease per tick.
	add("d")
	_ = cl.Set(ctx, ms[3].AgentKey(), "x", ttl).Err()
	for range 12 {
		round(0, 1, 3)
	}
	for _, i := range []int{0, 1, 3} {
		if h := held(leases[i]); h != 2 {
			t.Fatalf("agent %d holds %d leases after the fourth joined, want 2", i, h)
		}
	}
}

// An owner that cannot reach Redis stops processing at ttl − margin after its last renewal, before the
// key can expire, and says why.
func TestUnreachableRedisStepsDown(t *testing.T) {
	srv := redistest.Start(t)
	const ttl = 800 * time.Millisecond
	m := ha.New(ha.Options{Client: client(t, srv.Addr()), AgentID: "a", LeaseTTL: ttl, KeyPrefix: "t:",
		Logger: slog.New(slog.DiscardHandler)})
	r := &recorder{}
	l := m.Register("fs1", r)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Run(ctx)
	deadline := time.Now().Add(5 * ttl)
	for !l.Owned() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !l.Owned() {
		t.Fatal("lease not acquired")
	}
	srv.Kill()
	killed := time.Now()
	for l.Owned() && time.Since(killed) < 2*ttl {
		time.Sleep(5 * time.Millisecond)
	}
	if l.Owned() {
		t.Fatal("still owner long after Redis went away")
	}
	stopped := time.Since(killed)
	if stopped >= ttl {
		t.Fatalf("stepped down %v after the last renewal could have run; the key may have expired first (ttl %v)", stopped, ttl)
	}
	for time.Since(killed) < 2*ttl && len(r.reasons()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if got := r.reasons(); len(got) != 1 || got[0] != ha.ReasonExpired {
		t.Fatalf("Lost reasons %v, want [%s]", got, ha.ReasonExpired)
	}
	if s := m.Stats(); s.Lost != 1 || s.Held != 0 {
		t.Fatalf("stats %+v", s)
	}
	// Redis returns: the lease is taken again.
	srv.Restart()
	deadline = time.Now().Add(5 * ttl)
	for !l.Owned() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !l.Owned() {
		t.Fatal("lease not re-acquired after Redis returned")
	}
}
