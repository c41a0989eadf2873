package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voip-exporter/voip_exporter/quality"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

func redisClient(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

func testLeg(id string) quality.Leg {
	return quality.Leg{ChannelID: id, CorrelationID: "sip-" + id, CallUUID: id, Domain: "example.com", Direction: "inbound",
		Codec: "PCMU", LocalMediaIP: "10.0.0.1", RemoteMediaIP: "198.51.100.7", Created: 1795373426235161, Answered: 1795373426255160,
		Seen: 42, ClockRate: 8000, Origin: quality.OriginEvent, RTTSum: 0.13, RTTCount: 2, RTTLast: 0.07,
		Received: quality.Stream{SSRC: 0xf728b0fa, RawLost: 0xFFFFFF, HighSeq: 30670, Lost: 65, Counted: 65, Reports: 5, Jitter: 0.001, JitSum: 0.03, JitN: 4, Fraction: 0.0859375, Init: true,
			BaseSeq: 29816, BaseLost: 12},
		Sent: quality.Stream{SSRC: 7, RawLost: 1, HighSeq: 9561, Lost: 1, Counted: 1, Reports: 5, Init: true}}
}

func waitUp(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRedisStore(t *testing.T) {
	srv := redistest.Start(t)
	rc := redisClient(t, srv.Addr())
	ctx := context.Background()
	c := NewRedisClient(RedisOptions{Address: srv.Addr(), KeyPrefix: "t:", TTL: time.Hour, FlushInterval: 20 * time.Millisecond, OpTimeout: 500 * time.Millisecond})
	defer c.Close()
	s := NewRedis(c, "fs1")
	for i := range 3 {
		s.Put(testLeg(fmt.Sprintf("leg-%d", i)))
	}
	s.Delete("leg-2")
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// Key schema and TTL.
	ids, err := rc.SMembers(ctx, "t:legs:fs1").Result()
	if err != nil || len(ids) != 2 {
		t.Fatalf("index %v %v", ids, err)
	}
	h, err := rc.HGetAll(ctx, "t:leg:fs1:leg-1").Result()
	if err != nil || h["domain"] != "example.com" || h["correlation_id"] != "sip-leg-1" || h["rx"] == "" {
		t.Fatalf("hash %v %v", h, err)
	}
	for _, k := range []string{"t:leg:fs1:leg-0", "t:legs:fs1"} {
		if ttl := rc.TTL(ctx, k).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
			t.Errorf("TTL of %s = %v, want about 1h", k, ttl)
		}
	}
	if rc.Exists(ctx, "t:leg:fs1:leg-2").Val() != 0 {
		t.Error("deleted leg still in redis")
	}
	for _, f := range legFields {
		if _, ok := h[f]; !ok {
			t.Errorf("hash lacks documented field %s", f)
		}
	}

	// Another agent (another client) loads the same state, RTCP history included.
	c2 := NewRedisClient(RedisOptions{Address: srv.Addr(), KeyPrefix: "t:", TTL: time.Hour, FlushInterval: 20 * time.Millisecond, AgentID: "agent-2"})
	defer c2.Close()
	s2 := NewRedis(c2, "fs1")
	n, err := s2.Load(ctx)
	if err != nil || n != 2 {
		t.Fatalf("load %d %v", n, err)
	}
	got, ok := s2.Get("leg-1")
	want := testLeg("leg-1")
	want.Origin = quality.OriginStore
	if !ok || got != want {
		t.Fatalf("loaded leg\n got %+v\nwant %+v", got, want)
	}
	// Claims: the first agent to finish a leg exports it.
	if ok, err := s.Claim(ctx, "leg-0"); !ok || err != nil {
		t.Fatalf("first claim %v %v", ok, err)
	}
	if ok, err := s2.Claim(ctx, "leg-0"); ok || err != nil {
		t.Fatalf("second claim %v %v", ok, err)
	}
	if v := rc.Get(ctx, "t:done:fs1:leg-0").Val(); v == "" || v == "agent-2" {
		t.Errorf("done key holds %q", v)
	}
	if ttl := rc.TTL(ctx, "t:done:fs1:leg-0").Val(); ttl <= 59*time.Minute {
		t.Errorf("done key TTL %v", ttl)
	}
	s2.Close()

	// Redis dies: the store keeps working from memory, says so, counts errors.
	srv.Kill()
	s.Put(testLeg("leg-5"))
	s.Delete("leg-0")
	waitUp(t, "store down", func() bool { return !s.Stats().Up })
	if ok, err := s.Claim(ctx, "leg-9"); !ok || err == nil {
		t.Errorf("claim while down: %v %v (want true and an error)", ok, err)
	}
	if l, ok := s.Get("leg-5"); !ok || l.Domain != "example.com" {
		t.Error("memory lost while redis is down")
	}
	errs := uint64(0)
	for _, op := range s.Stats().Ops {
		if op.Result == "error" {
			errs += op.N
		}
	}
	if errs == 0 {
		t.Errorf("no error counted: %+v", s.Stats().Ops)
	}
	// Redis returns (empty, like a restarted cache): the state is rewritten.
	srv.Restart()
	waitUp(t, "store back up with the state rewritten", func() bool {
		ids := rc.SMembers(ctx, "t:legs:fs1").Val()
		return s.Stats().Up && len(ids) == 2 && strings.Contains(strings.Join(ids, ","), "leg-5")
	})
	if rc.Exists(ctx, "t:leg:fs1:leg-0").Val() != 0 {
		t.Error("leg deleted during the outage came back")
	}
	s.Close()
}

func TestMemoryStore(t *testing.T) {
	m := NewMemory()
	m.Put(testLeg("a"))
	l := testLeg("a")
	l.Codec = "PCMA"
	m.Put(l)
	if got, _ := m.Get("a"); got.Codec != "PCMA" || m.Len() != 1 {
		t.Fatalf("%+v", got)
	}
	m.Delete("a")
	if _, ok := m.Get("a"); ok || m.Len() != 0 {
		t.Fatal("not deleted")
	}
	if ok, _ := m.Claim(context.Background(), "a"); !ok {
		t.Fatal("memory claim")
	}
}
