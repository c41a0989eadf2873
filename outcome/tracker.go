package outcome

import (
	"math"
	"strings"
	"sync"
	"time"
)

// Label values for what is missing or over a cap.
const (
	UnknownLabel = "unknown"
	OtherLabel   = "other"
	// NoGateway is the gateway of a leg that went through none (a phone, a local extension).
	NoGateway = "none"
)

// Default caps on distinct label values per instance.
const (
	DefaultMaxGateways = 100
	DefaultMaxDomains  = 100
	// DefaultMaxSeries caps the gateway × direction × domain combinations; past it new combinations
	// go to gateway="other", domain="other".
	DefaultMaxSeries = 2000
)

// Attempt is the outcome of one call attempt (one leg). Strings may alias an event's storage: Record
// copies what it keeps.
type Attempt struct {
	Gateway   string // gateway or trunk; "" = NoGateway
	Direction string // "inbound", "outbound" or ""
	Domain    string
	Answered  bool
	// Cause is the hangup cause code: Q.850 (1-127) or FreeSWITCH's own above; -1 unknown.
	Cause int
	// SIPCode is the final response to the INVITE (200-699), 0 unknown.
	SIPCode int
	// PDD is the post-dial delay in seconds (to the first 180/183, early media, or the answer); NaN unknown.
	PDD float64
	// Billsec is the answered duration in seconds (answered attempts).
	Billsec float64
	// Outcome is set by Record (Classify, unless the source decided it: Asterisk's DialStatus).
	Outcome Outcome
	decided bool
}

// Options configure a Tracker.
type Options struct {
	// Source is the const "source" label: "freeswitch" or "asterisk".
	Source                             string
	MaxGateways, MaxDomains, MaxSeries int
	// Now is the clock of the Asterisk path (AMI events carry no time of their own); default time.Now.
	Now func() time.Time
	// OnAttempt, when set, is called with every recorded attempt (under the tracker's lock: it must be
	// fast and must not keep a). For OTLP and the status page.
	OnAttempt func(a *Attempt)
}

// Tracker aggregates the attempts of one instance. Its Handle methods are meant for the connection's
// reader goroutine; Collect may run concurrently.
type Tracker struct {
	opts Options

	mu       sync.Mutex
	gateways *labelSet
	domains  *labelSet
	series   map[seriesKey]*series
	overflow uint64 // combinations mapped to other/other
	invalid  [numInvalid]uint64
	recorded uint64
	dups     uint64
	finished *recentSet
	recent   map[string]*recentRing // by gateway label (recent.go)

	ast asteriskState

	last struct { // the last counted FreeSWITCH hangup (LastAttempt)
		id uint64
		a  Attempt
		ok bool
	}

	descOnce sync.Once
	d        *descs
}

type seriesKey struct{ gateway, direction, domain string }

// Buckets of the histograms, in seconds.
var (
	PDDBuckets      = []float64{0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 20, 30}
	DurationBuckets = []float64{5, 10, 30, 60, 120, 180, 300, 600, 1200, 1800, 3600, 7200}
)

type hist struct {
	counts []uint64 // per bucket (not cumulative)
	sum    float64
	n      uint64
}

func (h *hist) observe(b []float64, v float64) {
	for i, ub := range b {
		if v <= ub {
			h.counts[i]++
			break
		}
	}
	h.sum += v
	h.n++
}

type series struct {
	outcomes [numOutcomes]uint64
	causes   []uint64 // by cause slot, unanswered attempts
	sip      []uint64 // by SIP slot
	pdd, dur hist
}

func newSeries() *series {
	return &series{causes: make([]uint64, numSlots), sip: make([]uint64, numSIPSlots),
		pdd: hist{counts: make([]uint64, len(PDDBuckets))}, dur: hist{counts: make([]uint64, len(DurationBuckets))}}
}

// Invalid values counted (voip_exporter_outcome_invalid_values_total).
const (
	invCause = iota
	invSIPCode
	invTime
	numInvalid
)

var invalidNames = [numInvalid]string{"hangup_cause", "sip_code", "time"}

// New returns a tracker.
func New(o Options) *Tracker {
	if o.MaxGateways <= 0 {
		o.MaxGateways = DefaultMaxGateways
	}
	if o.MaxDomains <= 0 {
		o.MaxDomains = DefaultMaxDomains
	}
	if o.MaxSeries <= 0 {
		o.MaxSeries = DefaultMaxSeries
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Source == "" {
		o.Source = "freeswitch"
	}
	t := &Tracker{opts: o, gateways: newLabelSet(o.MaxGateways), domains: newLabelSet(o.MaxDomains),
		series: map[seriesKey]*series{}, finished: newRecentSet(recentFinished), recent: map[string]*recentRing{}}
	t.ast.init()
	return t
}

// Record aggregates one attempt.
func (t *Tracker) Record(a *Attempt) {
	t.mu.Lock()
	t.recordLocked(a)
	t.mu.Unlock()
}

func (t *Tracker) recordLocked(a *Attempt) {
	if !a.decided {
		a.Outcome = Classify(a.Answered, a.Cause)
	}
	g := a.Gateway
	if g == "" {
		g = NoGateway
	}
	k := seriesKey{t.gateways.value(g), directionLabel(a.Direction), t.domains.value(a.Domain)}
	s := t.series[k]
	if s == nil {
		if len(t.series) >= t.opts.MaxSeries {
			t.overflow++
			k.gateway, k.domain = OtherLabel, OtherLabel
			s = t.series[k]
		}
		if s == nil {
			s = newSeries()
			t.series[k] = s
		}
	}
	s.outcomes[a.Outcome]++
	if a.Outcome != Answered {
		s.causes[slotOf(a.Cause)]++
	}
	code := a.SIPCode
	if a.Answered && code == 0 {
		code = 200 // an answered INVITE had a 2xx final response
	}
	if sl := sipSlotOf(code); sl >= 0 {
		s.sip[sl]++
	} else if code != 0 {
		t.invalid[invSIPCode]++
	}
	if !math.IsNaN(a.PDD) && a.PDD >= 0 {
		s.pdd.observe(PDDBuckets, a.PDD)
	}
	if a.Answered && a.Billsec >= 0 && !math.IsNaN(a.Billsec) {
		s.dur.observe(DurationBuckets, a.Billsec)
	}
	t.recorded++
	t.recentAdd(k.gateway, a)
	a.Gateway, a.Direction, a.Domain = k.gateway, k.direction, k.domain // bounded, owned copies
	if t.opts.OnAttempt != nil {
		t.opts.OnAttempt(a)
	}
}

// LastAttempt returns the attempt of the last hangup Handle counted when it was the leg channelID's
// (FreeSWITCH Unique-ID): for the consumer that runs after the tracker on the same event (the OTLP
// log record of the leg). Its strings are the bounded label values.
func (t *Tracker) LastAttempt(channelID string) (Attempt, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.last.ok || t.last.id != hash64(channelID) {
		return Attempt{}, false
	}
	return t.last.a, true
}

// Snapshot is one aggregated series, for tests and the status page.
type Snapshot struct {
	Gateway, Direction, Domain string
	Outcomes                   map[string]uint64
	Causes                     map[string]uint64 // unanswered attempts by cause name
	SIPCodes                   map[string]uint64 // by code ("486", "other")
	PDDCount, DurationCount    uint64
	PDDSum, DurationSum        float64
}

// Snapshots returns every series.
func (t *Tracker) Snapshots() []Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Snapshot, 0, len(t.series))
	for k, s := range t.series {
		sn := Snapshot{Gateway: k.gateway, Direction: k.direction, Domain: k.domain,
			Outcomes: map[string]uint64{}, Causes: map[string]uint64{}, SIPCodes: map[string]uint64{},
			PDDCount: s.pdd.n, PDDSum: s.pdd.sum, DurationCount: s.dur.n, DurationSum: s.dur.sum}
		for o, n := range s.outcomes {
			if n > 0 {
				sn.Outcomes[outcomeNames[o]] = n
			}
		}
		for sl, n := range s.causes {
			if n > 0 {
				sn.Causes[slotNames[sl]] += n
			}
		}
		for sl, n := range s.sip {
			if n > 0 {
				sn.SIPCodes[sipSlotName[sl]] += n
			}
		}
		out = append(out, sn)
	}
	return out
}

// Stats are the tracker's own counters.
type Stats struct {
	Recorded, Duplicates uint64
	Overflow             map[string]uint64 // label → values mapped to "other"
	Invalid              map[string]uint64
}

// Stats returns the counters.
func (t *Tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := Stats{Recorded: t.recorded, Duplicates: t.dups,
		Overflow: map[string]uint64{"gateway": t.gateways.overflow, "domain": t.domains.overflow, "series": t.overflow},
		Invalid:  map[string]uint64{}}
	for i, n := range t.invalid {
		s.Invalid[invalidNames[i]] = n
	}
	return s
}

// labelSet admits the first max distinct values (copied); later new values map to OtherLabel.
type labelSet struct {
	seen     map[string]string
	max      int
	overflow uint64
}

func newLabelSet(max int) *labelSet { return &labelSet{seen: map[string]string{}, max: max} }

func (s *labelSet) value(v string) string {
	if v == "" {
		return UnknownLabel
	}
	if c, ok := s.seen[v]; ok {
		return c
	}
	if len(s.seen) < s.max {
		c := strings.Clone(v)
		s.seen[c] = c
		return c
	}
	s.overflow++
	return OtherLabel
}

// directionLabel returns a constant, never d itself: d may alias a reused event's buffer.
func directionLabel(d string) string {
	switch d {
	case "inbound":
		return "inbound"
	case "outbound":
		return "outbound"
	}
	return UnknownLabel
}

// recentFinished is how many finished legs are remembered to drop a repeated hangup (a replay after an
// HA takeover or a reconnect).
const recentFinished = 8192

// recentSet remembers the last n 64-bit ids; once full it never allocates.
type recentSet struct {
	m    map[uint64]struct{}
	ring []uint64
	next int
}

func newRecentSet(n int) *recentSet {
	return &recentSet{m: make(map[uint64]struct{}, n), ring: make([]uint64, 0, n)}
}

// add returns false when id is already there.
func (r *recentSet) add(id uint64) bool {
	if _, ok := r.m[id]; ok {
		return false
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, id)
	} else {
		delete(r.m, r.ring[r.next])
		r.ring[r.next] = id
		r.next = (r.next + 1) % len(r.ring)
	}
	r.m[id] = struct{}{}
	return true
}

// hash64 is FNV-1a.
func hash64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
