package ha_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/voip-exporter/voip_exporter/ha"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

type heldFence struct{ key, value string }

func (f heldFence) Fence() (string, string, bool) { return f.key, f.value, true }

// The stream bounds its backlog, not its history: with the receiver down, the record past MaxLen is
// dropped and counted (no queued record is trimmed); once the receiver accepts again, the acknowledged
// records are trimmed away and new records are queued.
func TestStreamBoundsTheBacklog(t *testing.T) {
	srv := redistest.Start(t)
	cl := client(t, srv.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fence := heldFence{"t:lease:fs1", "1 agent-a"}
	if err := cl.Set(ctx, fence.key, fence.value, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	var up atomic.Bool
	var sent atomic.Int64
	st := ha.NewStream(ha.StreamOptions{Client: cl, Key: "t:qos-stream", Consumer: "agent-a", MaxLen: 5,
		ClaimIdle: 200 * time.Millisecond, RetryInitial: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond,
		Send: func(_ context.Context, recs []*logspb.LogRecord) (int64, error) {
			if !up.Load() {
				return 0, errors.New("receiver down")
			}
			sent.Add(int64(len(recs)))
			return 0, nil
		}})
	go st.Run(ctx)
	add := func(i int) (bool, error) {
		return st.Add(ctx, fence, ha.Done{Key: fmt.Sprintf("t:done:fs1:leg-%d", i), Agent: "agent-a", TTL: time.Minute},
			fmt.Sprintf("fs1/leg-%d/1", i), &logspb.LogRecord{TimeUnixNano: uint64(i + 1)})
	}
	for i := range 5 {
		if q, err := add(i); !q || err != nil {
			t.Fatalf("record %d: queued=%v err=%v", i, q, err)
		}
	}
	if q, err := add(5); q || !errors.Is(err, ha.ErrStreamFull) {
		t.Fatalf("record past the bound: queued=%v err=%v, want ErrStreamFull", q, err)
	}
	if s := st.Stats(); s.Dropped != 1 || s.Added != 5 {
		t.Fatalf("stats %+v, want 5 added and 1 dropped", s)
	}
	up.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if n, _ := cl.XLen(ctx, "t:qos-stream").Result(); sent.Load() == 5 && n <= 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, _ := cl.XLen(ctx, "t:qos-stream").Result(); sent.Load() != 5 || n > 1 {
		t.Fatalf("after the receiver came back: %d sent, %d records left in the stream", sent.Load(), n)
	}
	if q, err := add(6); !q || err != nil {
		t.Fatalf("after the trim: queued=%v err=%v", q, err)
	}
}
