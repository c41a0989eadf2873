package ha

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"
)

// StreamOptions configure the shared queue of QoS log records.
type StreamOptions struct {
	Client redis.UniversalClient // required
	// Key is the stream ({prefix}qos-stream); Group the consumer group every agent reads through.
	Key, Group string
	Consumer   string // this agent's consumer name (its agent id)
	// MaxLen bounds the backlog: records not yet acknowledged (default 100,000). A record that finds the
	// stream full is dropped and counted, never an older one silently trimmed; acknowledged records are
	// trimmed away (XTRIM MINID) as the group moves on.
	MaxLen int64
	// ClaimIdle is how long a record may stay unacknowledged with a consumer before another agent
	// claims it (XAUTOCLAIM; default 30s).
	ClaimIdle time.Duration
	// Send exports a batch (otlp.Exporter.SendLogs); Permanent tells errors the receiver would give again.
	Send      func(ctx context.Context, recs []*logspb.LogRecord) (rejected int64, err error)
	Permanent func(error) bool
	// RetryInitial and RetryMax bound the backoff after a failed export (1s, 30s).
	RetryInitial, RetryMax time.Duration
	Logger                 *slog.Logger
}

// StreamStats are the stream's counters (this agent's part).
type StreamStats struct {
	Added, Fenced, AddErrors uint64 // XADDs done, refused by fencing, failed (kept for retry)
	Duplicates               uint64 // not queued: the leg's record was queued before (a replayed hangup)
	Exported, Failures       uint64 // records the receiver accepted; failed exports
	Claimed                  uint64 // records claimed from another (dead) agent
	Dropped                  uint64 // refused by the receiver as invalid, or retry buffer full
	RetryBuffered            int    // records waiting in memory for Redis
	Up                       bool   // the last export succeeded
}

// Stream is the shared durable queue of QoS log records in Redis mode: owners XADD (fenced), every agent
// reads through one consumer group and acknowledges (XACK) a record only after the receiver accepted it;
// records left pending by a dead agent are claimed after ClaimIdle.
type Stream struct {
	o   StreamOptions
	rdb redis.UniversalClient
	log *slog.Logger

	mu    sync.Mutex
	retry []pendingRecord // waiting for Redis

	added, fenced, addErrs, exported, failures, claimed, dropped, duplicates atomic.Uint64
	up                                                                       atomic.Bool
	down                                                                     atomic.Bool // Redis failed an Add: later Adds buffer at once until flushRetry succeeds
	atBound                                                                  atomic.Bool // the last Add found the stream full (logged once per run)
	wake                                                                     chan struct{}
}

// maxRetryBuffer bounds records kept in memory while Redis is unreachable.
const maxRetryBuffer = 20000

// NewStream returns the stream; Run consumes it.
func NewStream(o StreamOptions) *Stream {
	if o.Group == "" {
		o.Group = "voip_exporter"
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 100000
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = 30 * time.Second
	}
	if o.RetryInitial <= 0 {
		o.RetryInitial = time.Second
	}
	if o.RetryMax < o.RetryInitial {
		o.RetryMax = max(30*time.Second, o.RetryInitial)
	}
	if o.Permanent == nil {
		o.Permanent = func(error) bool { return false }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Stream{o: o, rdb: o.Client, log: o.Logger.With("component", "ha-stream"), wake: make(chan struct{}, 1)}
	s.up.Store(true)
	return s
}

// addScript claims a finished leg and queues its record in one step: the lease must still be ours
// (KEYS[1] = ARGV[1]), the leg's done key (KEYS[3]) must be free (SET NX PX), then XADD. An agent that dies
// before the script leaves nothing claimed (the next owner replays the hangup); one that dies after it has
// queued the record (a live agent claims it from the group). Returns 1 when queued, 0 when already done.
var addScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
if redis.call('XLEN', KEYS[2]) >= tonumber(ARGV[2]) then return -1 end
if not redis.call('SET', KEYS[3], ARGV[5], 'NX', 'PX', ARGV[6]) then return 0 end
redis.call('XADD', KEYS[2], '*', 'id', ARGV[3], 'r', ARGV[4])
return 1`)

// retryScript is addScript without the lease check, for records produced while this agent owned the
// instance and kept in memory while Redis was unreachable.
var retryScript = redis.NewScript(`
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return -1 end
if not redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return 0 end
redis.call('XADD', KEYS[1], '*', 'id', ARGV[2], 'r', ARGV[5])
return 1`)

// Done names the claim of one finished leg: its key in Redis, the value written (the agent) and its expiry.
type Done struct {
	Key, Agent string
	TTL        time.Duration
}

// Fencer is what guards a write: the lease key and the value this agent holds (Lease implements it).
type Fencer interface {
	Fence() (key, value string, ok bool)
}

// ErrStreamFull is returned by Add when MaxLen records wait unacknowledged: the record is dropped.
var ErrStreamFull = errors.New("the shared QoS stream holds its maximum of unacknowledged records; record dropped")

// full counts a record dropped at the bound, logging the first of a run.
func (s *Stream) full() {
	s.dropped.Add(1)
	if !s.atBound.Swap(true) {
		s.log.Error("ha stream: full (ha.stream_max_len records not acknowledged: is the OTLP receiver down?); new QoS records are dropped", "max_len", s.o.MaxLen)
	}
}

// ErrFenced is returned by Add when the lease is no longer this agent's.
var ErrFenced = errors.New("fenced: this agent no longer owns the instance; record not queued")

// Add claims the finished leg d and queues its record (a serialised OTLP log record with its stable id) if
// l is still this agent's lease, all checked and written in Redis by one script. queued is false when the
// leg was claimed before (the record is already in the stream). When Redis is unreachable the record waits
// in memory (bounded) and is added by Run when Redis answers.
func (s *Stream) Add(ctx context.Context, l Fencer, d Done, id string, rec *logspb.LogRecord) (queued bool, err error) {
	b, err := proto.Marshal(rec)
	if err != nil {
		s.dropped.Add(1)
		return false, err
	}
	key, val, ok := l.Fence()
	if !ok {
		s.fenced.Add(1)
		return false, ErrFenced
	}
	if s.down.Load() {
		// Redis failed a moment ago: keep the record for Run instead of blocking the event reader on
		// every hangup. The lease is still ours (checked above), so the record is ours to export.
		s.buffer(d, id, b)
		return false, errRedisDown
	}
	n, err := addScript.Run(ctx, s.rdb, []string{key, s.o.Key, d.Key}, val, s.o.MaxLen, id, b, d.Agent,
		d.TTL.Milliseconds()).Int64()
	switch {
	case err == nil && n < 0:
		s.full()
		return false, ErrStreamFull
	case err == nil && n == 0:
		s.duplicates.Add(1)
		return false, nil
	case err == nil:
		s.added.Add(1)
		s.kick()
		return true, nil
	case strings.Contains(err.Error(), "FENCED"):
		s.fenced.Add(1)
		return false, ErrFenced
	}
	// Produced while this agent owned the instance: it must not be lost for want of Redis.
	if !s.down.Swap(true) {
		s.log.Warn("ha stream: cannot queue QoS records in Redis; they wait in memory", "err", err)
	}
	s.buffer(d, id, b)
	return false, err
}

// errRedisDown is Add's error while Redis is known to be unreachable.
var errRedisDown = errors.New("redis unreachable: record kept in memory until it answers")

// buffer keeps a record in memory (bounded: the oldest goes first) until flushRetry adds it.
func (s *Stream) buffer(d Done, id string, b []byte) {
	s.addErrs.Add(1)
	s.mu.Lock()
	if len(s.retry) >= maxRetryBuffer {
		s.retry = s.retry[1:]
		s.dropped.Add(1)
	}
	s.retry = append(s.retry, pendingRecord{done: d, id: id, payload: b})
	s.mu.Unlock()
}

type pendingRecord struct {
	done    Done
	id      string
	payload []byte
}

func (s *Stream) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// flushRetry adds the records kept in memory while Redis was unreachable; Adds go to Redis again once
// it succeeded.
func (s *Stream) flushRetry(ctx context.Context) error {
	s.mu.Lock()
	pend := s.retry
	s.retry = nil
	s.mu.Unlock()
	for i, r := range pend {
		n, err := retryScript.Run(ctx, s.rdb, []string{s.o.Key, r.done.Key}, s.o.MaxLen, r.id, r.done.Agent,
			r.done.TTL.Milliseconds(), r.payload).Int64()
		if err != nil {
			s.mu.Lock()
			s.retry = append(pend[i:], s.retry...)
			s.mu.Unlock()
			return err
		}
		switch {
		case n < 0:
			s.full()
			continue
		case n == 0:
			s.duplicates.Add(1)
			continue
		}
		s.added.Add(1)
	}
	if len(pend) > 0 {
		s.log.Info("ha stream: Redis answers again; the records kept in memory are queued", "records", len(pend))
	}
	return nil
}

func (s *Stream) ensureGroup(ctx context.Context) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.o.Key, s.o.Group, "0").Err()
	if err != nil && strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return nil
	}
	return err
}

const streamBatch = 256

// Run consumes the stream until ctx ends: its own pending records first, then new ones, and every
// ClaimIdle/2 the records idle too long with other consumers.
func (s *Stream) Run(ctx context.Context) {
	delay := time.Duration(0)
	lastClaim := time.Time{}
	grouped := false
	for ctx.Err() == nil {
		var err error
		if !grouped {
			if err = s.ensureGroup(ctx); err == nil {
				grouped = true
			}
		}
		if err == nil && s.down.Load() {
			if err = s.rdb.Ping(ctx).Err(); err == nil {
				s.down.Store(false) // new records go to Redis again; the older ones follow at once
			}
		}
		if err == nil {
			err = s.flushRetry(ctx)
		}
		if err == nil {
			if time.Since(lastClaim) >= s.o.ClaimIdle/2 {
				lastClaim = time.Now()
				if err = s.autoclaim(ctx); err == nil {
					err = s.trim(ctx)
				}
			}
		}
		if err == nil {
			err = s.consume(ctx)
		}
		if err == nil {
			delay = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if strings.HasPrefix(err.Error(), "NOGROUP") {
			grouped = false // the stream was deleted (Redis restarted without persistence)
		}
		delay = s.nextDelay(delay)
		s.log.Debug("ha stream: retrying", "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}

func (s *Stream) nextDelay(d time.Duration) time.Duration {
	if d == 0 {
		d = s.o.RetryInitial
	} else {
		d *= 2
	}
	d = min(d, s.o.RetryMax)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// consume sends this consumer's pending records, or else reads new ones (blocking up to a second).
func (s *Stream) consume(ctx context.Context) error {
	res, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: s.o.Group, Consumer: s.o.Consumer,
		Streams: []string{s.o.Key, "0"}, Count: streamBatch}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	if msgs := messages(res); len(msgs) > 0 {
		return s.process(ctx, msgs)
	}
	res, err = s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: s.o.Group, Consumer: s.o.Consumer,
		Streams: []string{s.o.Key, ">"}, Count: streamBatch, Block: time.Second}).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.process(ctx, messages(res))
}

func messages(res []redis.XStream) []redis.XMessage {
	if len(res) == 0 {
		return nil
	}
	return res[0].Messages
}

// autoclaim takes over the records idle for ClaimIdle with any consumer (a dead agent's) and sends them.
func (s *Stream) autoclaim(ctx context.Context) error {
	start := "0-0"
	for range 64 {
		msgs, next, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: s.o.Key, Group: s.o.Group,
			Consumer: s.o.Consumer, MinIdle: s.o.ClaimIdle, Start: start, Count: streamBatch}).Result()
		if err != nil {
			return err
		}
		if len(msgs) > 0 {
			s.claimed.Add(uint64(len(msgs)))
			s.log.Info("ha stream: claimed QoS records left pending by another agent", "records", len(msgs))
			if err := s.process(ctx, msgs); err != nil {
				return err
			}
		}
		if next == "0-0" || next == "" {
			return nil
		}
		start = next
	}
	return nil
}

// process sends a batch and acknowledges it once the receiver accepted it.
func (s *Stream) process(ctx context.Context, msgs []redis.XMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	recs := make([]*logspb.LogRecord, 0, len(msgs))
	ids := make([]string, 0, len(msgs))
	var bad []string
	for _, m := range msgs {
		raw, _ := m.Values["r"].(string)
		lr := new(logspb.LogRecord)
		if raw == "" || proto.Unmarshal([]byte(raw), lr) != nil {
			bad = append(bad, m.ID)
			continue
		}
		recs = append(recs, lr)
		ids = append(ids, m.ID)
	}
	if len(bad) > 0 {
		s.dropped.Add(uint64(len(bad)))
		_ = s.rdb.XAck(ctx, s.o.Key, s.o.Group, bad...).Err()
	}
	if len(recs) == 0 {
		return nil
	}
	rejected, err := s.o.Send(ctx, recs)
	if err != nil && s.o.Permanent(err) {
		s.dropped.Add(uint64(len(recs)))
		s.log.Error("ha stream: the receiver refused QoS records as invalid; they are dropped", "records", len(recs), "err", err)
		return s.rdb.XAck(ctx, s.o.Key, s.o.Group, ids...).Err()
	}
	if err != nil {
		s.failures.Add(1)
		if s.up.Swap(false) {
			s.log.Warn("ha stream: cannot deliver QoS records; they wait in the Redis stream", "err", err)
		}
		return err
	}
	if !s.up.Swap(true) {
		s.log.Info("ha stream: receiver reachable again")
	}
	if err := s.rdb.XAck(ctx, s.o.Key, s.o.Group, ids...).Err(); err != nil {
		return err // sent, not acknowledged: sent again later (the stable id lets the receiver drop it)
	}
	s.dropped.Add(uint64(min(rejected, int64(len(recs)))))
	s.exported.Add(uint64(int64(len(recs)) - min(rejected, int64(len(recs)))))
	return nil
}

// Stats returns the counters.
func (s *Stream) Stats() StreamStats {
	s.mu.Lock()
	n := len(s.retry)
	s.mu.Unlock()
	return StreamStats{Added: s.added.Load(), Fenced: s.fenced.Load(), AddErrors: s.addErrs.Load(),
		Exported: s.exported.Load(), Failures: s.failures.Load(), Claimed: s.claimed.Load(),
		Dropped: s.dropped.Load(), Duplicates: s.duplicates.Load(), RetryBuffered: n, Up: s.up.Load()}
}

// Pending is the number of records in the group not yet acknowledged (XPENDING summary).
func (s *Stream) Pending(ctx context.Context) (int64, error) {
	p, err := s.rdb.XPending(ctx, s.o.Key, s.o.Group).Result()
	if err != nil {
		return 0, err
	}
	return p.Count, nil
}

// trim removes the records every consumer acknowledged: those older than both the oldest pending one and
// the group's last delivered one (XTRIM MINID), so the stream holds the backlog only.
func (s *Stream) trim(ctx context.Context) error {
	groups, err := s.rdb.XInfoGroups(ctx, s.o.Key).Result()
	if err != nil {
		return err
	}
	minID := ""
	for _, g := range groups {
		if g.Name == s.o.Group {
			minID = g.LastDeliveredID
		}
	}
	if minID == "" || minID == "0-0" {
		return nil
	}
	p, err := s.rdb.XPending(ctx, s.o.Key, s.o.Group).Result()
	if err != nil {
		return err
	}
	if p.Count > 0 && streamIDLess(p.Lower, minID) {
		minID = p.Lower
	}
	if err := s.rdb.XTrimMinID(ctx, s.o.Key, minID).Err(); err != nil {
		return err
	}
	s.atBound.Store(false)
	return nil
}

// streamIDLess compares two stream ids "ms-seq".
func streamIDLess(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	ai, _ := strconv.ParseUint(am, 10, 64)
	bi, _ := strconv.ParseUint(bm, 10, 64)
	if ai != bi {
		return ai < bi
	}
	aj, _ := strconv.ParseUint(as, 10, 64)
	bj, _ := strconv.ParseUint(bs, 10, 64)
	return aj < bj
}
