package ha

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of Options.
const (
	DefaultLeaseTTL  = 15 * time.Second
	DefaultKeyPrefix = "voip_exporter:"
)

// Options configure a Manager.
type Options struct {
	Client    redis.UniversalClient // required
	KeyPrefix string                // DefaultKeyPrefix
	// AgentID names this agent in lease values and agent keys (default hostname-pid).
	AgentID string
	// LeaseTTL is the lease expiry (DefaultLeaseTTL); renewals run every LeaseTTL/3.
	LeaseTTL time.Duration
	// SafetyMargin: an owner stops LeaseTTL − SafetyMargin after the start of its last successful
	// renewal (default LeaseTTL/4).
	SafetyMargin time.Duration
	// AgentTTL is the expiry of the agent's heartbeat key (default 2×LeaseTTL/3: two ticks, so a dead
	// agent is known dead before its leases expire and the survivors are ready to take them at once).
	AgentTTL time.Duration
	Logger   *slog.Logger
}

// DefaultAgentID is hostname-pid.
func DefaultAgentID() string {
	h, _ := os.Hostname()
	if h == "" {
		h = "agent"
	}
	return h + "-" + strconv.Itoa(os.Getpid())
}

// Handler is what a lease guards: one event-driven instance.
type Handler interface {
	// Acquired runs (in its own goroutine) after this agent took the lease: the instance loads its state
	// and starts processing. It should check l.Owned() before it does.
	Acquired(l *Lease)
	// Lost runs synchronously when this agent stops owning the lease, before a voluntary release deletes
	// the key (so the instance can still write its state back, fenced): it must stop processing at once.
	Lost(l *Lease, reason string)
}

// Reasons given to Handler.Lost.
const (
	ReasonRebalance = "rebalance"      // released to even the load
	ReasonShutdown  = "shutdown"       // released on a clean shutdown
	ReasonTaken     = "taken"          // the key was no longer ours at renewal
	ReasonExpired   = "renewal_failed" // no successful renewal for LeaseTTL − SafetyMargin
	ReasonFenced    = "fenced_write"   // a fenced write was refused
)

// Lease is this agent's view of one instance's lease.
type Lease struct {
	m        *Manager
	instance string
	key      string
	fenceKey string
	h        Handler

	owned      atomic.Bool
	validUntil atomic.Int64 // unix ns
	token      atomic.Int64
	armed      atomic.Bool // a takeover is scheduled for the moment the dead owner's lease expires

	mu       sync.Mutex
	value    string    // "<token> <agent>" while owned
	acquired time.Time // when this agent took it
	owner    string    // last owner seen in Redis (this agent or another)
	ownerTok int64
	lastErr  string
}

// Instance is the instance's name.
func (l *Lease) Instance() string { return l.instance }

// Key is the lease key; Value the value this agent wrote (empty when not owned). Fenced writes compare them.
func (l *Lease) Key() string { return l.key }

// Value is the lease value this agent holds ("" when it does not).
func (l *Lease) Value() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.value
}

// Fence returns the key and value a fenced write must find in Redis; ok is false when not owned.
func (l *Lease) Fence() (key, value string, ok bool) {
	if !l.Owned() {
		return l.key, "", false
	}
	v := l.Value()
	return l.key, v, v != ""
}

// Owned reports whether this agent owns the lease now: acquired, and renewed recently enough that the key
// cannot have expired in Redis yet. It is cheap (two atomic loads and a clock read).
func (l *Lease) Owned() bool {
	return l.owned.Load() && time.Now().UnixNano() < l.validUntil.Load()
}

// Token is the fencing token of the current (or last) ownership.
func (l *Lease) Token() int64 { return l.token.Load() }

// Info is a lease's state for /health.
type Info struct {
	Owner   string        // agent id of the owner ("" when free or unknown)
	Owned   bool          // this agent owns it
	Age     time.Duration // since this agent acquired it (0 when not owned)
	Token   int64         // fencing token of the owner's lease
	LastErr string        // last renewal error
}

// Info returns the lease's state.
func (l *Lease) Info() Info {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := Info{Owner: l.owner, Token: l.ownerTok, LastErr: l.lastErr}
	if l.owned.Load() && l.value != "" {
		i.Owned, i.Owner, i.Token = true, l.m.opts.AgentID, l.token.Load()
		i.Age = time.Since(l.acquired)
	}
	return i
}

// Stats are a manager's counters.
type Stats struct {
	Held      int
	Agents    int // live agents seen at the last tick
	Quota     int
	Takeovers uint64 // leases acquired
	Lost      uint64 // leases lost without a voluntary release
	Released  uint64 // leases released (rebalance, shutdown)
}

// Manager runs this agent's side of the lease protocol for every registered instance.
type Manager struct {
	opts  Options
	rdb   redis.UniversalClient
	log   *slog.Logger
	agent string

	mu       sync.Mutex
	leases   []*Lease
	agents   int
	quota    int
	cooldown int // ticks without acquiring after a rebalance release (Tick only)

	decide sync.Mutex // serialises Tick and the scheduled takeovers

	takeovers, lost, released atomic.Uint64
	closed                    atomic.Bool
}

// New returns a manager; Register instances, then Run.
func New(o Options) *Manager {
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	if o.AgentID == "" {
		o.AgentID = DefaultAgentID()
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.SafetyMargin <= 0 || o.SafetyMargin >= o.LeaseTTL {
		o.SafetyMargin = o.LeaseTTL / 4
	}
	if o.AgentTTL <= 0 {
		o.AgentTTL = 2 * o.LeaseTTL / 3
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{opts: o, rdb: o.Client, log: o.Logger.With("component", "ha", "agent", o.AgentID), agent: o.AgentID, agents: 1}
}

// Agent is the id of the agent holding this view of the lease.
func (l *Lease) Agent() string { return l.m.agent }

// AgentID is this agent's id.
func (m *Manager) AgentID() string { return m.agent }

// Options returns the options with defaults.
func (m *Manager) Options() Options { return m.opts }

// Register adds an instance; call before Run.
func (m *Manager) Register(instance string, h Handler) *Lease {
	l := &Lease{m: m, instance: instance, h: h,
		key: m.opts.KeyPrefix + "lease:" + instance, fenceKey: m.opts.KeyPrefix + "fence:" + instance}
	m.mu.Lock()
	m.leases = append(m.leases, l)
	m.mu.Unlock()
	return l
}

// AgentKey is this agent's heartbeat key.
func (m *Manager) AgentKey() string { return m.opts.KeyPrefix + "agents:" + m.agent }

// Lua scripts. acquire: SET NX PX, then a new token from INCR, stored with the lease.
var (
	acquireScript = redis.NewScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local t = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], t .. ' ' .. ARGV[1], 'PX', ARGV[2])
return t`)
	renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
)

func (m *Manager) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, max(m.opts.LeaseTTL/4, 50*time.Millisecond))
}

// Run keeps the leases until ctx ends; then Close releases them.
func (m *Manager) Run(ctx context.Context) {
	tick := m.opts.LeaseTTL / 3
	m.heartbeat(ctx)
	// Let agents started at the same time announce themselves before anyone takes leases.
	select {
	case <-ctx.Done():
		return
	case <-time.After(tick):
	}
	go m.watchdog(ctx)
	go m.listen(ctx)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		m.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// watchdog steps down leases whose local validity ran out (Redis unreachable or slow) without waiting for
// a renewal to fail: Owned() is already false then, this makes it visible and calls Lost.
func (m *Manager) watchdog(ctx context.Context) {
	t := time.NewTicker(max(m.opts.LeaseTTL/20, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, l := range m.snapshot() {
			if l.owned.Load() && time.Now().UnixNano() >= l.validUntil.Load() {
				m.stepDown(l, ReasonExpired)
			}
		}
	}
}

func (m *Manager) snapshot() []*Lease {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Lease(nil), m.leases...)
}

func (m *Manager) heartbeat(ctx context.Context) error {
	c, cancel := m.opCtx(ctx)
	defer cancel()
	return m.rdb.Set(c, m.AgentKey(), time.Now().UTC().Format(time.RFC3339), m.opts.AgentTTL).Err()
}

// Tick runs one round: heartbeat, renewals, agent count, then at most one release or the acquisitions
// that bring this agent up to its quota. Run calls it every LeaseTTL/3.
func (m *Manager) Tick(ctx context.Context) {
	if m.closed.Load() {
		return
	}
	m.decide.Lock()
	defer m.decide.Unlock()
	if m.closed.Load() {
		return // closed while this tick waited
	}
	hbErr := m.heartbeat(ctx)
	leases := m.snapshot()
	held := 0
	for _, l := range leases {
		if l.owned.Load() {
			if m.renew(ctx, l) {
				held++
			}
		}
	}
	if hbErr != nil {
		return // Redis unreachable: renewals failed too; nothing to decide
	}
	ids, err := m.liveAgents(ctx)
	n := len(ids)
	if err != nil {
		m.log.Warn("ha: cannot count agents", "err", err)
		return
	}
	m.observe(ctx, leases)
	quota := quotaOf(len(leases), n)
	m.mu.Lock()
	m.agents, m.quota = n, quota
	m.mu.Unlock()
	// The least loaded live agent (leases seen per owner): holding two more than it is uneven too.
	per := make(map[string]int, n)
	for _, id := range ids {
		per[id] = 0
	}
	for _, l := range leases {
		if o := l.ownerSeen(); o != "" {
			if _, live := per[o]; live {
				per[o]++
			}
		}
	}
	least := held
	for _, c := range per {
		least = min(least, c)
	}
	if m.cooldown > 0 {
		m.cooldown--
	}
	if held > quota || held >= least+2 {
		m.cooldown = 2 // let the under-loaded agent take it rather than take it back

		// One at a time: the newest lease goes, another agent under quota takes it next tick.
		var newest *Lease
		for _, l := range leases {
			if l.owned.Load() && (newest == nil || l.acquiredAt().After(newest.acquiredAt())) {
				newest = l
			}
		}
		if newest != nil {
			m.log.Info("ha: releasing a lease to even the load", "instance", newest.instance, "held", held, "quota", quota, "agents", n)
			m.release(ctx, newest, ReasonRebalance)
		}
		return
	}
	live := make(map[string]bool, n)
	for _, id := range ids {
		live[id] = true
	}
	armed := 0
	for _, l := range m.rotated(leases) {
		if held+armed >= quota || m.cooldown > 0 {
			break
		}
		owner := l.ownerSeen()
		switch {
		case l.owned.Load():
		case owner == "":
			if m.acquire(ctx, l) {
				held++
			}
		case !live[owner]:
			// Its owner is dead (no heartbeat): take it the moment its lease expires, not at a later tick.
			if m.arm(ctx, l) {
				armed++
			}
		}
	}
}

// arm schedules the takeover of a dead agent's lease for when it expires in Redis (PTTL).
func (m *Manager) arm(ctx context.Context, l *Lease) bool {
	if l.armed.Load() {
		return true
	}
	c, cancel := m.opCtx(ctx)
	ttl, err := m.rdb.PTTL(c, l.key).Result()
	cancel()
	if err != nil || ttl < 0 {
		return false // gone already (the next tick takes it) or no expiry (not ours to guess)
	}
	l.armed.Store(true)
	time.AfterFunc(ttl+5*time.Millisecond, func() {
		defer l.armed.Store(false)
		m.decide.Lock()
		defer m.decide.Unlock()
		if ctx.Err() != nil || m.closed.Load() {
			return // Close holds decide while it releases: nothing is taken after it
		}
		m.mu.Lock()
		quota := m.quota
		m.mu.Unlock()
		if held(m.snapshot()) < quota && !l.owned.Load() {
			m.acquire(ctx, l)
		}
	})
	return true
}

func (l *Lease) acquiredAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acquired
}

func (l *Lease) ownerSeen() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.owner
}

// rotated orders the leases starting at a point that depends on the agent id, so agents starting together
// try different instances first.
func (m *Manager) rotated(ls []*Lease) []*Lease {
	if len(ls) == 0 {
		return ls
	}
	h := uint32(2166136261)
	for i := 0; i < len(m.agent); i++ {
		h = (h ^ uint32(m.agent[i])) * 16777619
	}
	k := int(h % uint32(len(ls)))
	return append(append([]*Lease(nil), ls[k:]...), ls[:k]...)
}

// observe reads every lease key (one MGET) to know the owners of the leases this agent does not hold.
func (m *Manager) observe(ctx context.Context, leases []*Lease) {
	if len(leases) == 0 {
		return
	}
	keys := make([]string, len(leases))
	for i, l := range leases {
		keys[i] = l.key
	}
	c, cancel := m.opCtx(ctx)
	defer cancel()
	vals, err := m.rdb.MGet(c, keys...).Result()
	if err != nil {
		return
	}
	for i, l := range leases {
		owner, tok := "", int64(0)
		if s, ok := vals[i].(string); ok {
			owner, tok = parseValue(s)
		}
		l.mu.Lock()
		l.owner, l.ownerTok = owner, tok
		l.mu.Unlock()
	}
}

func parseValue(v string) (agent string, token int64) {
	t, a, ok := strings.Cut(v, " ")
	if !ok {
		return v, 0
	}
	n, _ := strconv.ParseInt(t, 10, 64)
	return a, n
}

// liveAgents lists the agents whose heartbeat key exists (this one always included).
func (m *Manager) liveAgents(ctx context.Context) ([]string, error) {
	c, cancel := m.opCtx(ctx)
	defer cancel()
	prefix := m.opts.KeyPrefix + "agents:"
	ids := []string{m.agent}
	iter := m.rdb.Scan(c, 0, prefix+"*", 100).Iterator()
	for iter.Next(c) {
		if id := strings.TrimPrefix(iter.Val(), prefix); id != m.agent {
			ids = append(ids, id)
		}
		if len(ids) > 10000 {
			break
		}
	}
	if err := iter.Err(); err != nil {
		return nil, err
	}
	return ids, nil
}

func (m *Manager) acquire(ctx context.Context, l *Lease) bool {
	start := time.Now()
	c, cancel := m.opCtx(ctx)
	tok, err := acquireScript.Run(c, m.rdb, []string{l.key, l.fenceKey}, m.agent, m.opts.LeaseTTL.Milliseconds()).Int64()
	cancel()
	if err != nil || tok == 0 {
		if err != nil {
			m.log.Debug("ha: acquire failed", "instance", l.instance, "err", err)
		}
		return false
	}
	l.mu.Lock()
	l.value = strconv.FormatInt(tok, 10) + " " + m.agent
	l.acquired = start
	l.owner, l.ownerTok, l.lastErr = m.agent, tok, ""
	l.mu.Unlock()
	l.token.Store(tok)
	l.validUntil.Store(start.Add(m.opts.LeaseTTL - m.opts.SafetyMargin).UnixNano())
	l.owned.Store(true)
	m.takeovers.Add(1)
	m.log.Info("ha: lease acquired; taking the instance over", "instance", l.instance, "fencing_token", tok)
	go l.h.Acquired(l)
	return true
}

// renew extends an owned lease; it steps down when the key is no longer ours or the local validity ran out.
func (m *Manager) renew(ctx context.Context, l *Lease) bool {
	v := l.Value()
	start := time.Now()
	c, cancel := m.opCtx(ctx)
	n, err := renewScript.Run(c, m.rdb, []string{l.key}, v, m.opts.LeaseTTL.Milliseconds()).Int64()
	cancel()
	switch {
	case err != nil:
		l.mu.Lock()
		first := l.lastErr == ""
		l.lastErr = err.Error()
		l.mu.Unlock()
		if first {
			m.log.Warn("ha: cannot renew lease; the instance stops being processed if this lasts", "instance", l.instance,
				"deadline", time.Unix(0, l.validUntil.Load()).Format(time.RFC3339Nano), "err", err)
		}
		if time.Now().UnixNano() >= l.validUntil.Load() {
			m.stepDown(l, ReasonExpired)
			return false
		}
		return true
	case n == 0:
		m.stepDown(l, ReasonTaken)
		return false
	}
	l.mu.Lock()
	l.lastErr = ""
	l.mu.Unlock()
	l.validUntil.Store(start.Add(m.opts.LeaseTTL - m.opts.SafetyMargin).UnixNano())
	return true
}

// stepDown stops owning without touching Redis (the lease is lost or about to be).
func (m *Manager) stepDown(l *Lease, reason string) {
	if !l.owned.Swap(false) {
		return
	}
	l.mu.Lock()
	l.value = ""
	l.owner = ""
	if l.lastErr == "" {
		l.lastErr = reason // the watchdog may step down before a renewal reports its error
	} else {
		l.lastErr = reason + ": " + l.lastErr
	}
	l.mu.Unlock()
	m.lost.Add(1)
	m.log.Error("ha: lease lost; this agent stops processing the instance", "instance", l.instance, "reason", reason,
		"fencing_token", l.token.Load())
	l.h.Lost(l, reason)
}

// Fenced tells the manager a fenced write for the lease was refused: another agent took it.
func (m *Manager) Fenced(l *Lease) { m.stepDown(l, ReasonFenced) }

// release gives a lease up: the handler stops and writes back, then the key is deleted if still ours.
func (m *Manager) release(ctx context.Context, l *Lease, reason string) {
	v := l.Value()
	if !l.owned.Load() || v == "" {
		return
	}
	l.h.Lost(l, reason)
	l.owned.Store(false)
	l.mu.Lock()
	l.value = ""
	l.owner = ""
	l.mu.Unlock()
	c, cancel := m.opCtx(ctx)
	n, err := releaseScript.Run(c, m.rdb, []string{l.key}, v).Int64()
	if err == nil && n == 1 {
		// Tell the stand-bys now: one under quota takes it at once rather than at its next tick.
		err = m.rdb.Publish(c, m.releasedChannel(), l.instance).Err()
	}
	cancel()
	if err != nil && !errors.Is(err, redis.Nil) {
		m.log.Warn("ha: lease release failed; it expires by itself", "instance", l.instance, "err", err)
	}
	m.released.Add(1)
}

// releasedChannel is the Pub/Sub channel released leases are announced on.
func (m *Manager) releasedChannel() string { return m.opts.KeyPrefix + "ha-released" }

// listen takes announced released leases while this agent is under its quota (recounted then), so an
// instance moved by a rebalance or a clean shutdown waits for no tick.
func (m *Manager) listen(ctx context.Context) {
	ps := m.rdb.Subscribe(ctx, m.releasedChannel())
	defer ps.Close()
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-ch:
			if !ok {
				return
			}
			m.onReleased(ctx, msg.Payload)
		}
	}
}

func (m *Manager) onReleased(ctx context.Context, instance string) {
	m.decide.Lock()
	defer m.decide.Unlock()
	if m.closed.Load() || m.cooldown > 0 {
		return // closing, or the releaser itself: let another agent take it
	}
	leases := m.snapshot()
	var l *Lease
	for _, x := range leases {
		if x.instance == instance {
			l = x
		}
	}
	if l == nil || l.owned.Load() {
		return
	}
	ids, err := m.liveAgents(ctx)
	if err != nil || len(ids) == 0 {
		return
	}
	if held(leases) < quotaOf(len(leases), len(ids)) {
		m.acquire(ctx, l) // SET NX: another agent may have been quicker
	}
}

// Close releases every lease (clean shutdown) and removes the agent key.
func (m *Manager) Close(ctx context.Context) {
	if m.closed.Swap(true) {
		return
	}
	m.decide.Lock()
	defer m.decide.Unlock()
	// Leave the group first, so that the agents taking the released leases count one agent less.
	c, cancel := m.opCtx(ctx)
	_ = m.rdb.Del(c, m.AgentKey()).Err()
	cancel()
	for _, l := range m.snapshot() {
		if l.owned.Load() {
			m.release(ctx, l, ReasonShutdown)
		}
	}
	m.log.Info("ha: leases released")
}

// Leases lists the registered leases.
func (m *Manager) Leases() []*Lease { return m.snapshot() }

// Stats returns the counters.
func (m *Manager) Stats() Stats {
	s := Stats{Takeovers: m.takeovers.Load(), Lost: m.lost.Load(), Released: m.released.Load()}
	for _, l := range m.snapshot() {
		if l.Owned() {
			s.Held++
		}
	}
	m.mu.Lock()
	s.Agents, s.Quota = m.agents, m.quota
	m.mu.Unlock()
	return s
}

// String describes the manager for logs.
func (m *Manager) String() string {
	return fmt.Sprintf("ha agent %s (lease ttl %s)", m.agent, m.opts.LeaseTTL)
}

// quotaOf is the most leases one of agents may hold: ceil(instances / agents).
func quotaOf(instances, agents int) int { return (instances + agents - 1) / agents }

// held counts the leases this agent holds (acquired, whatever their local validity).
func held(ls []*Lease) int {
	n := 0
	for _, l := range ls {
		if l.owned.Load() {
			n++
		}
	}
	return n
}
