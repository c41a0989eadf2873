package store

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/voip-exporter/voip_exporter/quality"
)

// ErrFenced is returned when a fenced write finds that this agent no longer holds the instance's lease.
var ErrFenced = errors.New("fenced: another agent owns the instance now; write refused")

// Fence is the lease guarding an instance's writes (ha.Lease): every write is a Lua script that first
// compares the value at Key with the one this agent holds, so a paused former owner cannot write.
type Fence interface {
	// Fence returns the lease key and the value this agent holds; ok is false when it holds none.
	Fence() (key, value string, ok bool)
}

// Redis returns the go-redis client (for the lease manager and the record stream).
func (c *RedisClient) Redis() *redis.Client { return c.rdb }

// SetFence makes every later write of the store fenced by f (HA mode). Call before use. With claimByQueue
// Claim writes nothing (it only checks that the lease is held): the record's enqueue claims the leg in the
// same Redis script (ha.Stream.Add), so an agent dying between a claim and an enqueue cannot lose a record.
func (r *Redis) SetFence(f Fence, onFenced func(), claimByQueue bool) {
	r.mu.Lock()
	r.fence, r.onFenced, r.claimByQueue = f, onFenced, claimByQueue
	r.mu.Unlock()
}

// Reset forgets the legs held in memory without touching Redis: the agent stopped owning the instance,
// its state now belongs to the new owner.
func (r *Redis) Reset() {
	r.mu.Lock()
	clear(r.legs)
	clear(r.dirty)
	clear(r.deleted)
	r.resyncAll = false
	r.mu.Unlock()
	r.pending.Store(0)
}

// fencedWriteScript writes legs and deletions only while KEYS[1] (the lease) holds ARGV[1].
// KEYS[2] is the index set; ARGV: expected, ttl ms, puts, deletes, then per put: key id nfields f v…,
// then per delete: key id.
var fencedWriteScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
local ttl = tonumber(ARGV[2])
local np = tonumber(ARGV[3])
local nd = tonumber(ARGV[4])
local i = 5
local ids = {}
for p = 1, np do
  local key, id, nf = ARGV[i], ARGV[i+1], tonumber(ARGV[i+2])
  i = i + 3
  local hs = {}
  for f = 1, nf * 2 do hs[f] = ARGV[i + f - 1] end
  i = i + nf * 2
  redis.call('HSET', key, unpack(hs))
  redis.call('PEXPIRE', key, ttl)
  ids[p] = id
end
if np > 0 then
  redis.call('SADD', KEYS[2], unpack(ids))
  redis.call('PEXPIRE', KEYS[2], ttl)
end
for d = 1, nd do
  redis.call('DEL', ARGV[i])
  redis.call('SREM', KEYS[2], ARGV[i+1])
  i = i + 2
end
return 1`)

// fencedClaimScript is Claim's SET NX, fenced.
var fencedClaimScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 1 end
return 0`)

func isFenced(err error) bool { return err != nil && strings.Contains(err.Error(), "FENCED") }

const fencedChunk = 200

// writeFenced is write for a fenced store.
func (r *Redis) writeFenced(ctx context.Context, f Fence, legs []quality.Leg, deleted []string) error {
	key, val, ok := f.Fence()
	if !ok {
		return ErrFenced
	}
	ttl := strconv.FormatInt(r.c.opts.TTL.Milliseconds(), 10)
	index := r.c.IndexKey(r.instance)
	return inChunks(legs, deleted, fencedChunk, func(batch []quality.Leg, gone []string) error {
		args := make([]any, 0, 4+len(batch)*(3+2*len(legFields))+2*len(gone))
		args = append(args, val, ttl, len(batch), len(gone))
		for i := range batch {
			fields := encodeLeg(&batch[i])
			args = append(args, r.c.LegKey(r.instance, batch[i].ChannelID), batch[i].ChannelID, len(fields))
			for _, k := range legFields {
				if v, ok := fields[k]; ok {
					args = append(args, k, v)
				}
			}
		}
		for _, id := range gone {
			args = append(args, r.c.LegKey(r.instance, id), id)
		}
		wctx, cancel := context.WithTimeout(ctx, r.c.opts.OpTimeout)
		err := fencedWriteScript.Run(wctx, r.c.rdb, []string{key, index}, args...).Err()
		cancel()
		if isFenced(err) {
			return ErrFenced
		}
		return err
	})
}

// claimFenced is Claim for a fenced store.
func (r *Redis) claimFenced(ctx context.Context, f Fence, id string) (bool, error) {
	key, val, ok := f.Fence()
	if !ok {
		return false, ErrFenced
	}
	if r.claimByQueue {
		return true, nil
	}
	n, err := fencedClaimScript.Run(ctx, r.c.rdb, []string{key, r.c.DoneKey(r.instance, id)},
		val, r.c.agentID(), r.c.opts.TTL.Milliseconds()).Int64()
	if isFenced(err) {
		return false, ErrFenced
	}
	if err != nil {
		return true, err
	}
	return n == 1, nil
}
