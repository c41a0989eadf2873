package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/store/redistest"
)

// heldFence holds a lease value that Redis has.
type heldFence struct{ key, value string }

func (f heldFence) Fence() (string, string, bool) { return f.key, f.value, true }

// A flush larger than one pipeline (1,000) or one fenced script (200) is written in chunks, legs and
// deletions alike, and Redis ends with exactly the live legs.
func TestFlushInChunks(t *testing.T) {
	srv := redistest.Start(t)
	rc := redisClient(t, srv.Addr())
	ctx := context.Background()
	c := NewRedisClient(RedisOptions{Address: srv.Addr(), KeyPrefix: "t:", TTL: time.Hour, FlushInterval: time.Hour, OpTimeout: 2 * time.Second})
	defer c.Close()
	if err := rc.Set(ctx, "t:lease:fs2", "1 a", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	for _, fenced := range []bool{false, true} {
		inst := map[bool]string{false: "fs1", true: "fs2"}[fenced]
		s := NewRedis(c, inst)
		if fenced {
			s.SetFence(heldFence{"t:lease:fs2", "1 a"}, nil, false)
		}
		for i := range 2500 {
			s.Put(testLeg(fmt.Sprintf("leg-%d", i)))
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 1300 {
			s.Delete(fmt.Sprintf("leg-%d", i))
		}
		for i := 2500; i < 2600; i++ {
			s.Put(testLeg(fmt.Sprintf("leg-%d", i)))
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := rc.SCard(ctx, "t:legs:"+inst).Result(); n != 1300 {
			t.Errorf("fenced=%v: index holds %d legs, want 1300", fenced, n)
		}
		keys, _ := rc.Keys(ctx, "t:leg:"+inst+":*").Result()
		if len(keys) != 1300 {
			t.Errorf("fenced=%v: %d leg hashes, want 1300", fenced, len(keys))
		}
		if n, _ := rc.Exists(ctx, "t:leg:"+inst+":leg-1299", "t:leg:"+inst+":leg-1300", "t:leg:"+inst+":leg-2599").Result(); n != 2 {
			t.Errorf("fenced=%v: %d of the boundary legs exist, want 2 (1300 and 2599)", fenced, n)
		}
		s.Close()
	}
}
