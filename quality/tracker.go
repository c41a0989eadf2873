package quality

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sink receives what the tracker derives from events. Sample is called for
// every accepted RTCP report (with the tracker's lock held: it must be fast
// and must not keep l); Record once per finished leg. Both must be safe for
// concurrent use.
type Sink interface {
	Sample(l *Leg, lb Labels, s Sample)
	Record(r *Record, lb Labels)
}

// Options configure a Tracker.
type Options struct {
	Instance string // the FreeSWITCH instance name (records' fs_instance)
	// RTCP and QoS are seed 001's events toggles: live RTCP metrics, and
	// end-of-call records.
	RTCP, QoS bool
	Store     Store // required
	Sinks     []Sink
	// MaxDomains caps distinct domain label values (DefaultMaxDomains).
	MaxDomains int
	Logger     *slog.Logger
	Now        func() time.Time
	// ClaimTimeout bounds a store claim at hangup (default 250ms).
	ClaimTimeout time.Duration
}

// Event kinds the tracker counts.
const (
	EvCreate = iota
	EvAnswer
	EvBridge
	EvHangupComplete
	EvRecvRTCP
	EvSendRTCP
	EvHeartbeat
	EvOther
	numEvents
)

// EventNames are the FreeSWITCH names of the counted event kinds.
var EventNames = [numEvents]string{"CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE",
	"RECV_RTCP_MESSAGE", "SEND_RTCP_MESSAGE", "HEARTBEAT", "other"}

// Rejection reasons (events that changed nothing).
const (
	RejMissingID = iota
	RejUnknownChannel
	RejLateEvent
	RejDuplicateHangup
	RejClaimed
	RejNoBlock
	RejInvalidBlock
	RejDuplicateReport
	RejStaleReport
	RejAbsurdReport
	numRejects
)

// RejectReasons name the rejection reasons.
var RejectReasons = [numRejects]string{"missing_unique_id", "unknown_channel", "late_event", "duplicate_hangup",
	"claimed_by_other_agent", "no_report_block", "invalid_report_block", "duplicate_report", "stale_report", "absurd_report"}

// Fields whose absurd values are counted.
var invalidFields = []string{"channel_id", "correlation_id", "codec_rate", "created", "answered",
	FieldMOS, FieldQuality, FieldJitter, FieldPackets, FieldBytes, FieldTimes, FieldHangup, FieldRTCPJitter, FieldRTCPRTT}

// Stats are a tracker's counters.
type Stats struct {
	Received, Processed [numEvents]uint64
	Rejected            [numEvents][numRejects]uint64
	RTCPProcessed       [2]uint64 // by StreamKind-1: received, sent
	Records             uint64
	Invalid             map[string]uint64 // by field
	Overflow            map[string]uint64 // label → values mapped to "other"
	Resyncs             uint64
	ResyncErrors        uint64
	Vanished            uint64 // legs that ended while the connection was down: no record
	Loaded              uint64 // legs loaded from a persistent store
}

// Tracker turns one instance's events into leg state, RTCP samples and
// records. It is safe for concurrent use; Handle is meant to be called from
// the connection's reader goroutine.
type Tracker struct {
	opts  Options
	store Store
	log   *slog.Logger

	mu       sync.Mutex
	intern   *Interner
	domains  *labelSet
	codecs   *labelSet
	causes   *labelSet
	finished *recentSet
	cur      Leg                 // scratch leg of rtcpEvent (t.mu)
	suspects map[string]struct{} // legs the last Reconcile did not find

	received, processed [numEvents]atomic.Uint64
	rejected            [numEvents][numRejects]atomic.Uint64
	rtcp                [2]atomic.Uint64
	records             atomic.Uint64
	invalid             sync.Map // field → *atomic.Uint64
	resyncs, resyncErrs atomic.Uint64
	vanished, loaded    atomic.Uint64
}

// recentFinished is how many finished channel ids are remembered, to spot
// duplicate hangups and late events.
const recentFinished = 8192

// NewTracker returns a tracker; opts.Store is required.
func NewTracker(opts Options) *Tracker {
	if opts.MaxDomains <= 0 {
		opts.MaxDomains = DefaultMaxDomains
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ClaimTimeout <= 0 {
		opts.ClaimTimeout = 250 * time.Millisecond
	}
	t := &Tracker{
		opts: opts, store: opts.Store, log: opts.Logger,
		intern:   NewInterner(8192),
		domains:  newLabelSet(opts.MaxDomains),
		codecs:   newLabelSet(maxCodecs),
		causes:   newLabelSet(maxCauses),
		finished: newRecentSet(recentFinished),
	}
	for _, f := range invalidFields {
		t.invalid.Store(f, new(atomic.Uint64))
	}
	return t
}

// Store returns the tracker's store.
func (t *Tracker) Store() Store { return t.store }

// Options returns the tracker's options.
func (t *Tracker) Options() Options { return t.opts }

// Subscriptions lists the events to subscribe to for the options: channel
// events always (they carry the labels and end legs), RTCP events with RTCP.
func (t *Tracker) Subscriptions() []string {
	ev := []string{"CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE"}
	if t.opts.RTCP {
		ev = append(ev, "RECV_RTCP_MESSAGE", "SEND_RTCP_MESSAGE")
	}
	return ev
}

func eventIndex(name string) int {
	switch name {
	case "CHANNEL_CREATE":
		return EvCreate
	case "CHANNEL_ANSWER":
		return EvAnswer
	case "CHANNEL_BRIDGE":
		return EvBridge
	case "CHANNEL_HANGUP_COMPLETE":
		return EvHangupComplete
	case "RECV_RTCP_MESSAGE":
		return EvRecvRTCP
	case "SEND_RTCP_MESSAGE":
		return EvSendRTCP
	case "HEARTBEAT":
		return EvHeartbeat
	}
	return EvOther
}

func (t *Tracker) reject(ev, reason int) { t.rejected[ev][reason].Add(1) }

func (t *Tracker) badFields(fields []string) {
	for _, f := range fields {
		if c, ok := t.invalid.Load(f); ok {
			c.(*atomic.Uint64).Add(1)
		}
	}
}

// Handle processes one event. It never panics on input: what it cannot use
// is counted and dropped.
func (t *Tracker) Handle(f Fields) {
	ev := eventIndex(get(f, "Event-Name"))
	t.received[ev].Add(1)
	switch ev {
	case EvCreate, EvAnswer, EvBridge:
		t.channelEvent(f, ev)
	case EvHangupComplete:
		t.hangup(f)
	case EvRecvRTCP, EvSendRTCP:
		if t.opts.RTCP {
			t.rtcpEvent(f, ev)
		}
	case EvHeartbeat:
		t.processed[ev].Add(1)
	}
}

func (t *Tracker) now() int64 { return t.opts.Now().UnixNano() }

func (t *Tracker) channelEvent(f Fields, ev int) {
	u := ExtractLeg(f)
	if len(u.Invalid) > 0 {
		t.badFields(u.Invalid)
	}
	if u.ChannelID == "" {
		t.reject(ev, RejMissingID)
		return
	}
	t.mu.Lock()
	if t.finished.has(u.ChannelID) {
		t.mu.Unlock()
		t.reject(ev, RejLateEvent)
		return
	}
	l, ok := t.store.Get(u.ChannelID)
	if !ok {
		l = Leg{Origin: OriginEvent}
	}
	l.Apply(&u, t.intern)
	if ev == EvBridge {
		l.Bridged = true
	}
	l.Seen = t.now()
	t.store.Put(l)
	t.mu.Unlock()
	t.processed[ev].Add(1)
}

func (t *Tracker) rtcpEvent(f Fields, ev int) {
	kind := StreamSent
	if ev == EvSendRTCP {
		kind = StreamReceived
	}
	r, reason := ParseReport(f, kind)
	switch reason {
	case RejectMissingID:
		t.reject(ev, RejMissingID)
		return
	case RejectNoBlock:
		t.reject(ev, RejNoBlock)
		return
	case RejectInvalidBlock:
		t.reject(ev, RejInvalidBlock)
		return
	}
	t.mu.Lock()
	var ok bool
	t.cur, ok = t.store.Get(r.ChannelID)
	l := &t.cur // reused under t.mu: a local would escape to the heap through the sinks
	if !ok {
		late := t.finished.has(r.ChannelID)
		t.mu.Unlock()
		if late {
			t.reject(ev, RejLateEvent)
		} else {
			t.reject(ev, RejUnknownChannel)
		}
		return
	}
	if r.ClockRate > 0 {
		l.ClockRate = r.ClockRate
	}
	st := &l.Received
	if kind == StreamSent {
		st = &l.Sent
	}
	delta, res := st.Update(r.Block, l.Origin == OriginEvent)
	switch res {
	case UpdateDuplicate:
		t.mu.Unlock()
		t.reject(ev, RejDuplicateReport)
		return
	case UpdateStale:
		t.mu.Unlock()
		t.reject(ev, RejStaleReport)
		return
	}
	s := Sample{Kind: kind, FractionLost: float64(r.Block.Fraction) / 256, LostDelta: delta, RTT: Unknown}
	s.Jitter = jitterSeconds(r.Block.Jitter, l.ClockRate)
	if Known(s.Jitter) {
		st.Jitter = float32(s.Jitter)
		st.JitSum += s.Jitter
		st.JitN++
	} else {
		t.badFields([]string{FieldRTCPJitter})
	}
	st.Fraction = float32(s.FractionLost)
	st.Reports++
	if kind == StreamSent {
		if rtt, ok := r.ReportRTT(); ok {
			s.RTT = rtt
			l.RTTSum += rtt
			l.RTTCount++
			l.RTTLast = float32(rtt)
		} else if r.Block.LSR != 0 {
			t.badFields([]string{FieldRTCPRTT})
		}
	}
	l.Seen = t.now()
	t.store.Put(*l)
	if res == UpdateAbsurd {
		t.mu.Unlock()
		t.reject(ev, RejAbsurdReport)
		return
	}
	lb := t.labelsLocked(l)
	for _, sk := range t.opts.Sinks {
		sk.Sample(l, lb, s)
	}
	t.mu.Unlock()
	t.rtcp[kind-1].Add(1)
	t.processed[ev].Add(1)
}

func (t *Tracker) labelsLocked(l *Leg) Labels {
	return Labels{
		Domain:    t.domains.value(l.Domain),
		Codec:     t.codecs.value(l.Codec),
		Direction: directionLabel(l.Direction),
	}
}

func (t *Tracker) hangup(f Fields) {
	const ev = EvHangupComplete
	id := cleanID(get(f, "Unique-ID"))
	if id == "" {
		t.reject(ev, RejMissingID)
		return
	}
	t.mu.Lock()
	if t.finished.has(id) {
		t.mu.Unlock()
		t.reject(ev, RejDuplicateHangup)
		return
	}
	leg, known := t.store.Get(id)
	if known {
		t.store.Delete(id)
	}
	t.finished.add(strings.Clone(id))
	if !t.opts.QoS {
		t.mu.Unlock()
		t.processed[ev].Add(1)
		return
	}
	var lp *Leg
	if known {
		lp = &leg
	}
	rec, invalid, ok := BuildRecord(t.opts.Instance, f, lp, t.intern)
	var lb Labels
	if ok {
		lb = Labels{Domain: t.domains.value(rec.Domain), Codec: t.codecs.value(rec.Codec),
			Direction: directionLabel(rec.Direction), Cause: t.causes.value(rec.HangupCause)}
		if rec.Domain == UnknownDomain {
			lb.Domain = UnknownLabel
		}
	}
	t.mu.Unlock()
	t.badFields(invalid)
	if !ok {
		t.reject(ev, RejMissingID)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.opts.ClaimTimeout)
	claimed, err := t.store.Claim(ctx, id)
	cancel()
	if err != nil {
		t.log.Debug("claim failed; exporting the record anyway", "channel_id", id, "err", err)
	}
	if !claimed {
		t.reject(ev, RejClaimed)
		return
	}
	for _, sk := range t.opts.Sinks {
		sk.Record(&rec, lb)
	}
	t.records.Add(1)
	t.processed[ev].Add(1)
}

// Load brings the legs a persistent store holds into memory (after an agent
// restart). Loaded legs keep their RTCP history.
func (t *Tracker) Load(ctx context.Context) (int, error) {
	n, err := t.store.Load(ctx)
	t.loaded.Add(uint64(n))
	return n, err
}

// Stats returns the counters.
func (t *Tracker) Stats() Stats {
	var s Stats
	for i := range numEvents {
		s.Received[i] = t.received[i].Load()
		s.Processed[i] = t.processed[i].Load()
		for j := range numRejects {
			s.Rejected[i][j] = t.rejected[i][j].Load()
		}
	}
	s.RTCPProcessed[0], s.RTCPProcessed[1] = t.rtcp[0].Load(), t.rtcp[1].Load()
	s.Records = t.records.Load()
	s.Invalid = map[string]uint64{}
	for _, f := range invalidFields {
		c, _ := t.invalid.Load(f)
		s.Invalid[f] = c.(*atomic.Uint64).Load()
	}
	t.mu.Lock()
	s.Overflow = map[string]uint64{"domain": t.domains.overflow, "codec": t.codecs.overflow, "hangup_cause": t.causes.overflow}
	t.mu.Unlock()
	s.Resyncs, s.ResyncErrors = t.resyncs.Load(), t.resyncErrs.Load()
	s.Vanished, s.Loaded = t.vanished.Load(), t.loaded.Load()
	return s
}

// recentSet remembers the last n strings added.
type recentSet struct {
	m    map[string]struct{}
	ring []string
	n    int
	next int
}

func newRecentSet(n int) *recentSet { return &recentSet{m: make(map[string]struct{}), n: n} }

func (r *recentSet) has(s string) bool {
	_, ok := r.m[s]
	return ok
}

func (r *recentSet) add(s string) {
	if len(r.ring) < r.n {
		r.ring = append(r.ring, s)
		r.m[s] = struct{}{}
		return
	}
	delete(r.m, r.ring[r.next])
	r.ring[r.next] = s
	r.m[s] = struct{}{}
	r.next = (r.next + 1) % r.n
}
