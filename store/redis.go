package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voip-exporter/voip_exporter/quality"
)

// Redis key schema (KeyPrefix defaults to "voip_exporter:"; every key has
// the TTL, refreshed on every write):
//
//	{prefix}leg:{instance}:{channel_id}   HASH    one live leg (fields: see legFields)
//	{prefix}legs:{instance}               SET     channel ids of the instance's live legs
//	{prefix}done:{instance}:{channel_id}  STRING  agent id that exported the leg's record (SET NX)
//
// Several agents may share one Redis: agents watching different FreeSWITCH
// instances use disjoint keys; agents watching the same instance (a
// redundant pair) keep the same leg hashes up to date and the done key lets
// exactly one of them export each record.

// DefaultKeyPrefix and DefaultTTL are the Redis defaults.
const (
	DefaultKeyPrefix = "voip_exporter:"
	DefaultTTL       = 24 * time.Hour
)

// ErrRedisDown is returned while Redis is unreachable.
var ErrRedisDown = errors.New("redis unreachable: leg state kept in memory, written back when it returns")

// RedisOptions configure the connection shared by the instances' stores.
type RedisOptions struct {
	Address   string // host:port
	Password  string
	DB        int
	KeyPrefix string        // DefaultKeyPrefix
	TTL       time.Duration // DefaultTTL
	// FlushInterval is the write-behind period (default 100ms): changes are
	// coalesced per leg and written in one pipeline per period.
	FlushInterval time.Duration
	// OpTimeout bounds one pipeline or command (default 2s).
	OpTimeout time.Duration
	// SentinelMaster and SentinelAddrs find the primary through Redis Sentinel instead of Address, and
	// follow its failovers; SentinelPassword is the sentinels' own.
	SentinelMaster   string
	SentinelAddrs    []string
	SentinelPassword string
	// AgentID names this agent in done keys (default hostname:pid).
	AgentID string
	Logger  *slog.Logger
}

// RedisClient is one go-redis client (with its connection pool) shared by
// every instance's Redis store.
type RedisClient struct {
	rdb  *redis.Client
	opts RedisOptions
}

// NewRedisClient returns a client; it connects lazily.
func NewRedisClient(o RedisOptions) *RedisClient {
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 100 * time.Millisecond
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SentinelMaster != "" {
		rdb := redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: o.SentinelMaster, SentinelAddrs: o.SentinelAddrs, SentinelPassword: o.SentinelPassword,
			Password: o.Password, DB: o.DB,
			Protocol: 2, DisableIdentity: true,
			DialTimeout: o.OpTimeout, ReadTimeout: o.OpTimeout, WriteTimeout: o.OpTimeout,
			MaxRetries: -1,
			PoolSize:   8,
		})
		return &RedisClient{rdb: rdb, opts: o}
	}
	rdb := redis.NewClient(&redis.Options{
		Addr: o.Address, Password: o.Password, DB: o.DB,
		Protocol: 2, DisableIdentity: true,
		DialTimeout: o.OpTimeout, ReadTimeout: o.OpTimeout, WriteTimeout: o.OpTimeout,
		MaxRetries: -1, // our own write-behind retries; a command fails fast
		PoolSize:   8,
	})
	return &RedisClient{rdb: rdb, opts: o}
}

// Ping checks that Redis answers.
func (c *RedisClient) Ping(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }

// Close closes the connections.
func (c *RedisClient) Close() error { return c.rdb.Close() }

// Options returns the client's options (with defaults).
func (c *RedisClient) Options() RedisOptions { return c.opts }

// LegKey, IndexKey and DoneKey build the keys of the schema.
func (c *RedisClient) LegKey(instance, id string) string {
	return c.opts.KeyPrefix + "leg:" + instance + ":" + id
}

// IndexKey is the set of an instance's live channel ids.
func (c *RedisClient) IndexKey(instance string) string { return c.opts.KeyPrefix + "legs:" + instance }

// DoneKey marks a finished leg whose record an agent exported.
func (c *RedisClient) DoneKey(instance, id string) string {
	return c.opts.KeyPrefix + "done:" + instance + ":" + id
}

// Redis is one instance's legs: an in-memory map (every read is local, so
// the event path never waits on the network) written behind to Redis.
// While Redis is unreachable it keeps working from memory, counts the
// failures, and rewrites the whole state once Redis answers again.
type Redis struct {
	c        *RedisClient
	instance string
	log      *slog.Logger

	mu        sync.Mutex
	legs      map[string]*quality.Leg
	dirty     map[string]struct{}
	deleted   map[string]struct{}
	resyncAll bool
	flushMu   sync.Mutex // serialises flushes (flush)
	fence     Fence      // HA mode: writes are fenced (fence.go)
	onFenced  func()     // called when a fenced write is refused
	// claimByQueue: the record's fenced enqueue claims the leg (fence.go)
	claimByQueue bool

	up       atomic.Bool
	lastPing time.Time
	ops      *opCounter
	pending  atomic.Int64

	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// NewRedis returns the store of one instance and starts its writer.
func NewRedis(c *RedisClient, instance string) *Redis {
	r := &Redis{
		c: c, instance: instance, log: c.opts.Logger.With("store", "redis", "instance", instance),
		legs: make(map[string]*quality.Leg), dirty: make(map[string]struct{}), deleted: make(map[string]struct{}),
		ops:  newOpCounter(opPut, opDelete, opLoad, opClaim, opFlush, opResync),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	r.up.Store(true)
	go r.writer()
	return r
}

// flushBatch wakes the writer early when this many legs wait.
const flushBatch = 2048

// Get implements quality.Store.
func (r *Redis) Get(id string) (quality.Leg, bool) {
	r.mu.Lock()
	l, ok := r.legs[id]
	var v quality.Leg
	if ok {
		v = *l
	}
	r.mu.Unlock()
	return v, ok
}

// Put implements quality.Store.
func (r *Redis) Put(l quality.Leg) {
	r.mu.Lock()
	if p, ok := r.legs[l.ChannelID]; ok {
		*p = l
	} else {
		p := new(quality.Leg)
		*p = l
		r.legs[p.ChannelID] = p
	}
	r.dirty[l.ChannelID] = struct{}{}
	delete(r.deleted, l.ChannelID)
	n := len(r.dirty)
	r.mu.Unlock()
	r.pending.Store(int64(n))
	if n >= flushBatch {
		r.kick()
	}
}

// Delete implements quality.Store.
func (r *Redis) Delete(id string) {
	r.mu.Lock()
	if l, ok := r.legs[id]; ok {
		delete(r.legs, id)
		delete(r.dirty, id)
		r.deleted[l.ChannelID] = struct{}{}
	}
	r.mu.Unlock()
}

func (r *Redis) kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Len implements quality.Store.
func (r *Redis) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.legs)
}

// Range implements quality.Store.
func (r *Redis) Range(fn func(*quality.Leg) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.legs {
		if !fn(l) {
			return
		}
	}
}

// Load implements quality.Store: it reads the instance's legs from Redis.
func (r *Redis) Load(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*r.c.opts.OpTimeout)
	defer cancel()
	ids, err := r.c.rdb.SMembers(ctx, r.c.IndexKey(r.instance)).Result()
	if err != nil {
		r.ops.add(opLoad, err)
		r.markDown(err)
		return 0, fmt.Errorf("redis load: %w", err)
	}
	n := 0
	var stale []string
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		cmds := make([]*redis.MapStringStringCmd, len(chunk))
		_, err := r.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range chunk {
				cmds[i] = p.HGetAll(ctx, r.c.LegKey(r.instance, id))
			}
			return nil
		})
		if err != nil {
			r.ops.add(opLoad, err)
			r.markDown(err)
			return n, fmt.Errorf("redis load: %w", err)
		}
		r.mu.Lock()
		for i, cmd := range cmds {
			m := cmd.Val()
			if len(m) == 0 {
				stale = append(stale, chunk[i]) // expired hash, index entry left over
				continue
			}
			l, ok := decodeLeg(m)
			if !ok || l.ChannelID != chunk[i] {
				stale = append(stale, chunk[i])
				continue
			}
			l.Origin = quality.OriginStore
			if _, have := r.legs[l.ChannelID]; !have {
				p := l
				r.legs[l.ChannelID] = &p
				n++
			}
		}
		r.mu.Unlock()
	}
	if len(stale) > 0 {
		r.mu.Lock()
		for _, id := range stale {
			r.deleted[id] = struct{}{}
		}
		r.mu.Unlock()
	}
	r.ops.add(opLoad, nil)
	return n, nil
}

// Claim implements quality.Store with SET NX on the done key.
func (r *Redis) Claim(ctx context.Context, id string) (bool, error) {
	r.mu.Lock()
	f, byQueue := r.fence, r.claimByQueue
	r.mu.Unlock()
	if f != nil {
		ok, err := r.claimFenced(ctx, f, id)
		if !byQueue { // else no Redis operation was made
			r.ops.add(opClaim, err)
		}
		if errors.Is(err, ErrFenced) && r.onFenced != nil {
			r.onFenced()
		}
		return ok, err
	}
	if !r.up.Load() {
		r.ops.add(opClaim, ErrRedisDown)
		return true, ErrRedisDown
	}
	ok, err := r.c.rdb.SetArgs(ctx, r.c.DoneKey(r.instance, id), r.c.agentID(), redis.SetArgs{Mode: "NX", TTL: r.c.opts.TTL}).Result()
	if errors.Is(err, redis.Nil) {
		r.ops.add(opClaim, nil)
		return false, nil
	}
	r.ops.add(opClaim, err)
	if err != nil {
		r.markDown(err)
		return true, err
	}
	return ok == "OK", nil
}

var hostID = func() string {
	h, _ := osHostname()
	return h + ":" + strconv.Itoa(osGetpid())
}()

func (c *RedisClient) agentID() string {
	if c.opts.AgentID != "" {
		return c.opts.AgentID
	}
	return hostID
}

// Flush implements quality.Store: it writes what is pending now.
func (r *Redis) Flush(ctx context.Context) error { return r.flush(ctx) }

// Close implements quality.Store: it stops the writer after a last flush.
func (r *Redis) Close() error {
	r.closeOnce.Do(func() {
		close(r.stop)
		<-r.done
	})
	return nil
}

// Stats implements quality.Store.
func (r *Redis) Stats() quality.StoreStats {
	return quality.StoreStats{Ops: r.ops.snapshot(), Up: r.up.Load(), Pending: int(r.pending.Load())}
}

func (r *Redis) writer() {
	defer close(r.done)
	t := time.NewTicker(r.c.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			ctx, cancel := context.WithTimeout(context.Background(), 2*r.c.opts.OpTimeout)
			_ = r.flush(ctx)
			cancel()
			return
		case <-t.C:
		case <-r.wake:
		}
		_ = r.flush(context.Background())
	}
}

func (r *Redis) markDown(err error) {
	if r.up.Swap(false) {
		r.log.Error("redis unreachable: leg state is kept in memory and written back when it returns", "address", r.c.opts.Address, "err", err)
	}
	r.mu.Lock()
	r.resyncAll = true
	r.lastPing = time.Now()
	r.mu.Unlock()
}

// flush writes dirty and deleted legs in one pipeline; after an outage it
// rewrites every leg and removes from Redis what ended meanwhile.
func (r *Redis) flush(ctx context.Context) error {
	// One flush at a time, from snapshot to write: the writer's and an explicit Flush (StepDown, Close,
	// tests) must reach Redis in the order they took their snapshots, or an older write lands last.
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	if !r.up.Load() {
		if time.Since(r.lastPing) < time.Second {
			r.mu.Unlock()
			return ErrRedisDown
		}
		r.lastPing = time.Now()
		r.mu.Unlock()
		pctx, cancel := context.WithTimeout(ctx, r.c.opts.OpTimeout)
		err := r.c.rdb.Ping(pctx).Err()
		cancel()
		if err != nil {
			return ErrRedisDown
		}
		r.mu.Lock()
	}
	full := r.resyncAll
	var legs []quality.Leg
	if full {
		legs = make([]quality.Leg, 0, len(r.legs))
		for _, l := range r.legs {
			legs = append(legs, *l)
		}
	} else {
		legs = make([]quality.Leg, 0, len(r.dirty))
		for id := range r.dirty {
			if l, ok := r.legs[id]; ok {
				legs = append(legs, *l)
			}
		}
	}
	deleted := make([]string, 0, len(r.deleted))
	for id := range r.deleted {
		deleted = append(deleted, id)
	}
	clear(r.dirty)
	clear(r.deleted)
	r.resyncAll = false
	fence, onFenced := r.fence, r.onFenced
	r.mu.Unlock()
	r.pending.Store(0)
	if len(legs) == 0 && len(deleted) == 0 && !full {
		return nil
	}
	var err error
	if fence != nil {
		err = r.writeFenced(ctx, fence, legs, deleted)
	} else {
		err = r.write(ctx, legs, deleted, full)
	}
	op := opFlush
	if full {
		op = opResync
	}
	r.ops.add(op, err)
	if errors.Is(err, ErrFenced) {
		// Not ours any more: the pending changes are dropped, the new owner has the state.
		r.log.Warn("redis: leg state write refused by the fencing token; this agent no longer owns the instance")
		if onFenced != nil {
			onFenced()
		}
		return err
	}
	if err != nil {
		r.markDown(err)
		return err
	}
	if !r.up.Swap(true) {
		r.log.Info("redis reachable again: leg state rewritten", "address", r.c.opts.Address, "legs", len(legs))
	}
	r.ops.addN(opPut, len(legs))
	r.ops.addN(opDelete, len(deleted))
	return nil
}

const pipelineChunk = 1000

// inChunks calls write with at most size legs and deletions at a time, legs first, until an error.
func inChunks(legs []quality.Leg, deleted []string, size int, write func(batch []quality.Leg, gone []string) error) error {
	for len(legs) > 0 || len(deleted) > 0 {
		n := min(len(legs), size)
		m := min(len(deleted), size-n)
		if err := write(legs[:n], deleted[:m]); err != nil {
			return err
		}
		legs, deleted = legs[n:], deleted[m:]
	}
	return nil
}

func (r *Redis) write(ctx context.Context, legs []quality.Leg, deleted []string, full bool) error {
	ttl := r.c.opts.TTL
	index := r.c.IndexKey(r.instance)
	err := inChunks(legs, deleted, pipelineChunk, func(batch []quality.Leg, gone []string) error {
		wctx, cancel := context.WithTimeout(ctx, r.c.opts.OpTimeout)
		_, err := r.c.rdb.Pipelined(wctx, func(p redis.Pipeliner) error {
			ids := make([]any, 0, len(batch))
			for i := range batch {
				key := r.c.LegKey(r.instance, batch[i].ChannelID)
				p.HSet(wctx, key, encodeLeg(&batch[i]))
				p.Expire(wctx, key, ttl)
				ids = append(ids, batch[i].ChannelID)
			}
			if len(ids) > 0 {
				p.SAdd(wctx, index, ids...)
				p.Expire(wctx, index, ttl)
			}
			for _, id := range gone {
				p.Del(wctx, r.c.LegKey(r.instance, id))
				p.SRem(wctx, index, id)
			}
			return nil
		})
		cancel()
		return err
	})
	if err != nil {
		return err
	}
	if full {
		return r.dropStale(ctx)
	}
	return nil
}

// dropStale removes from Redis the legs of this instance that are no longer
// live here (they ended while Redis was unreachable).
func (r *Redis) dropStale(ctx context.Context) error {
	wctx, cancel := context.WithTimeout(ctx, r.c.opts.OpTimeout)
	defer cancel()
	index := r.c.IndexKey(r.instance)
	ids, err := r.c.rdb.SMembers(wctx, index).Result()
	if err != nil {
		return err
	}
	var gone []string
	r.mu.Lock()
	for _, id := range ids {
		if _, ok := r.legs[id]; !ok {
			gone = append(gone, id)
		}
	}
	r.mu.Unlock()
	if len(gone) == 0 {
		return nil
	}
	_, err = r.c.rdb.Pipelined(wctx, func(p redis.Pipeliner) error {
		for _, id := range gone {
			p.Del(wctx, r.c.LegKey(r.instance, id))
			p.SRem(wctx, index, id)
		}
		return nil
	})
	return err
}

// Leg hash fields. Stream fields (rx: FreeSWITCH's report on the media it
// receives; tx: the far end's report on the media FreeSWITCH sends) hold,
// space-separated: ssrc raw_lost high_seq lost counted reports jitter
// jitter_sum fraction init.
var legFields = []string{"channel_id", "correlation_id", "call_uuid", "domain", "direction", "codec",
	"local_media_ip", "remote_media_ip", "created_us", "answered_us", "bridged", "seen_ns", "clock_rate",
	"origin", "rtt_sum", "rtt_count", "rtt_last", "rx", "tx"}

func encodeLeg(l *quality.Leg) map[string]any {
	b2s := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	return map[string]any{
		"channel_id": l.ChannelID, "correlation_id": l.CorrelationID, "call_uuid": l.CallUUID,
		"domain": l.Domain, "direction": l.Direction, "codec": l.Codec,
		"local_media_ip": l.LocalMediaIP, "remote_media_ip": l.RemoteMediaIP,
		"created_us": strconv.FormatInt(l.Created, 10), "answered_us": strconv.FormatInt(l.Answered, 10),
		"bridged": b2s(l.Bridged), "seen_ns": strconv.FormatInt(l.Seen, 10),
		"clock_rate": strconv.FormatUint(uint64(l.ClockRate), 10), "origin": strconv.Itoa(int(l.Origin)),
		"rtt_sum": strconv.FormatFloat(l.RTTSum, 'g', -1, 64), "rtt_count": strconv.FormatUint(uint64(l.RTTCount), 10),
		"rtt_last": strconv.FormatFloat(float64(l.RTTLast), 'g', -1, 32),
		"rx":       encodeStream(&l.Received), "tx": encodeStream(&l.Sent),
	}
}

func encodeStream(s *quality.Stream) string {
	init := 0
	if s.Init {
		init = 1
	}
	return fmt.Sprintf("%d %d %d %d %d %d %g %g %g %d %d %d %d", s.SSRC, s.RawLost, s.HighSeq, s.Lost, s.Counted, s.Reports,
		s.Jitter, s.JitSum, s.Fraction, init, s.BaseSeq, s.BaseLost, s.JitN)
}

func decodeStream(v string) (quality.Stream, bool) {
	var s quality.Stream
	if v == "" {
		return s, true
	}
	f := strings.Fields(v)
	if len(f) != 10 && len(f) != 13 { // 10: written before BaseSeq/BaseLost/JitN (the loss span then starts at the last report)
		return s, false
	}
	ok := true
	u32 := func(x string) uint32 {
		n, err := strconv.ParseUint(x, 10, 32)
		ok = ok && err == nil
		return uint32(n)
	}
	i64 := func(x string) int64 {
		n, err := strconv.ParseInt(x, 10, 64)
		ok = ok && err == nil
		return n
	}
	f64 := func(x string) float64 {
		n, err := strconv.ParseFloat(x, 64)
		ok = ok && err == nil && !math.IsNaN(n) && !math.IsInf(n, 0) && n >= 0
		return n
	}
	s.SSRC, s.RawLost, s.HighSeq = u32(f[0]), u32(f[1]), u32(f[2])
	s.Lost, s.Counted, s.Reports = i64(f[3]), i64(f[4]), u32(f[5])
	s.Jitter, s.JitSum, s.Fraction = float32(f64(f[6])), f64(f[7]), float32(f64(f[8]))
	s.Init = f[9] == "1"
	s.BaseSeq, s.BaseLost, s.JitN = s.HighSeq, s.Lost, s.Reports
	if len(f) == 13 {
		s.BaseSeq, s.BaseLost, s.JitN = u32(f[10]), i64(f[11]), u32(f[12])
	}
	if !ok || s.RawLost > 0xFFFFFF || s.Counted < 0 || s.Fraction > 1 || float64(s.Jitter) > quality.MaxJitter || (f[9] != "0" && f[9] != "1") {
		return quality.Stream{}, false
	}
	return s, true
}

func decodeLeg(m map[string]string) (quality.Leg, bool) {
	var l quality.Leg
	l.ChannelID = m["channel_id"]
	if l.ChannelID == "" {
		return l, false
	}
	l.CorrelationID, l.CallUUID = m["correlation_id"], m["call_uuid"]
	l.Domain, l.Direction, l.Codec = m["domain"], m["direction"], m["codec"]
	l.LocalMediaIP, l.RemoteMediaIP = m["local_media_ip"], m["remote_media_ip"]
	l.Created, _ = strconv.ParseInt(m["created_us"], 10, 64)
	l.Answered, _ = strconv.ParseInt(m["answered_us"], 10, 64)
	l.Bridged = m["bridged"] == "1"
	l.Seen, _ = strconv.ParseInt(m["seen_ns"], 10, 64)
	cr, _ := strconv.ParseUint(m["clock_rate"], 10, 32)
	l.ClockRate = uint32(cr)
	l.RTTSum, _ = strconv.ParseFloat(m["rtt_sum"], 64)
	if math.IsNaN(l.RTTSum) || math.IsInf(l.RTTSum, 0) || l.RTTSum < 0 {
		l.RTTSum, l.RTTCount = 0, 0
	}
	rc, _ := strconv.ParseUint(m["rtt_count"], 10, 32)
	l.RTTCount = uint32(rc)
	if rl, err := strconv.ParseFloat(m["rtt_last"], 32); err == nil && rl >= 0 && rl <= quality.MaxRTT {
		l.RTTLast = float32(rl)
	}
	if l.RTTSum == 0 {
		l.RTTCount = 0
	}
	var ok1, ok2 bool
	l.Received, ok1 = decodeStream(m["rx"])
	l.Sent, ok2 = decodeStream(m["tx"])
	return l, ok1 && ok2
}
