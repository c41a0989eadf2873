package quality

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ChannelRow is one row of FreeSWITCH's `show channels as json`: what an
// agent can learn of a call in progress when it (re)connects.
type ChannelRow struct {
	UUID         string `json:"uuid"`
	Direction    string `json:"direction"`
	CreatedEpoch string `json:"created_epoch"`
	Name         string `json:"name"`
	ReadCodec    string `json:"read_codec"`
	CallUUID     string `json:"call_uuid"`
	PresenceID   string `json:"presence_id"`
	IPAddr       string `json:"ip_addr"`
}

// MaxChannelsReply bounds the reply ParseChannels accepts.
const MaxChannelsReply = 64 << 20

// ParseChannels parses `show channels as json`: {"row_count":N,"rows":[…]},
// or {"row_count": 0} when there is none.
func ParseChannels(body []byte) ([]ChannelRow, error) {
	if len(body) > MaxChannelsReply {
		return nil, fmt.Errorf("show channels: reply of %d bytes is over the %d-byte limit", len(body), MaxChannelsReply)
	}
	b := bytes.TrimSpace(body)
	if bytes.HasPrefix(b, []byte("-ERR")) {
		line, _, _ := bytes.Cut(b, []byte("\n"))
		return nil, fmt.Errorf("show channels: %s", cleanText(string(line), 200))
	}
	var reply struct {
		RowCount *int         `json:"row_count"`
		Rows     []ChannelRow `json:"rows"`
	}
	if err := json.Unmarshal(b, &reply); err != nil {
		return nil, fmt.Errorf("show channels as json: %w", err)
	}
	if reply.RowCount == nil {
		return nil, fmt.Errorf("show channels as json: no row_count")
	}
	return reply.Rows, nil
}

// ResyncResult says what a resync changed.
type ResyncResult struct {
	Added, Kept, Vanished int
}

// Resync reconciles the tracked legs with the channels FreeSWITCH has up
// after a (re)connect: legs it has that we do not are added (Origin
// OriginResync: their first RTCP report is a baseline, not counted as new
// loss), and legs we have that it no longer has, and that no event touched
// since `since` (when the resync started), ended while we were not
// listening: they are dropped without a record (counted as vanished). A
// hangup event that still comes for one of them makes a record from the
// event alone.
func (t *Tracker) Resync(rows []ChannelRow, since time.Time) ResyncResult {
	return t.reconcile(rows, since, false)
}

// Reconcile is the periodic check on a connection that stayed up: it adds
// channels we missed, and drops a leg only when two checks in a row do not
// find it (a hangup event in flight must not lose its record); it catches
// legs whose hangup event was lost.
func (t *Tracker) Reconcile(rows []ChannelRow, since time.Time) ResyncResult {
	return t.reconcile(rows, since, true)
}

func (t *Tracker) reconcile(rows []ChannelRow, since time.Time, twoStrikes bool) ResyncResult {
	var res ResyncResult
	present := make(map[string]struct{}, len(rows))
	t.mu.Lock()
	now := t.now()
	for i := range rows {
		row := &rows[i]
		id := cleanID(row.UUID)
		if id == "" {
			continue
		}
		present[id] = struct{}{}
		if _, ok := t.store.Get(id); ok {
			res.Kept++
			continue
		}
		if t.finished.has(id) {
			continue
		}
		l := Leg{ChannelID: id, Origin: OriginResync, Seen: now}
		u := LegUpdate{ChannelID: id, CallUUID: cleanID(row.CallUUID), Direction: normDirection(row.Direction),
			Codec: cleanLabel(row.ReadCodec, maxCodecBytes), Domain: rowDomain(row)}
		if sec, ok := parseUint(row.CreatedEpoch, maxMicros/1e6); ok && sec > 0 {
			u.Created = int64(sec) * 1e6
		}
		l.Apply(&u, t.intern)
		t.store.Put(l)
		res.Added++
	}
	var gone []string
	cut := since.UnixNano()
	suspects := make(map[string]struct{})
	t.store.Range(func(l *Leg) bool {
		if _, ok := present[l.ChannelID]; ok || l.Seen >= cut {
			return true
		}
		if _, again := t.suspects[l.ChannelID]; twoStrikes && !again {
			suspects[l.ChannelID] = struct{}{}
			return true
		}
		gone = append(gone, l.ChannelID)
		return true
	})
	t.suspects = suspects
	for _, id := range gone {
		t.store.Delete(id)
	}
	res.Vanished = len(gone)
	t.mu.Unlock()
	t.resyncs.Add(1)
	t.vanished.Add(uint64(len(gone)))
	return res
}

// ResyncFailed counts a resync that could not run.
func (t *Tracker) ResyncFailed() { t.resyncErrs.Add(1) }

// rowDomain guesses a resynced leg's domain: the host of presence_id
// (user@domain), else of the channel name (sofia/profile/user@host).
func rowDomain(row *ChannelRow) string {
	for _, s := range []string{row.PresenceID, row.Name} {
		if i := strings.LastIndexByte(s, '@'); i >= 0 {
			if d := NormalizeDomain(s[i+1:]); d != "" {
				return d
			}
		}
	}
	return ""
}

// LiveLeg is a live leg's current quality, for a status page.
type LiveLeg struct {
	Labels
	Started   time.Time
	MOS       float64 // E-model MOS from the last reports; 0 while unknown
	Jitter    float64 // seconds, last report on the received media
	LossRatio float64 // last fraction lost of the received media
	RTT       float64 // seconds, last
}

// Live calls fn for each live leg (with the tracker's lock held: fn must be quick).
func (t *Tracker) Live(fn func(LiveLeg)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.store.Range(func(l *Leg) bool {
		v := LiveLeg{Labels: t.labelsLocked(l), Started: microsTime(l.Created)}
		if l.Answered > 0 {
			v.Started = microsTime(l.Answered)
		}
		if l.Received.Reports > 0 || l.Sent.Reports > 0 {
			v.Jitter = float64(l.Received.Jitter)
			v.LossRatio = float64(l.Received.Fraction)
			v.RTT = float64(l.RTTLast)
			if _, m := EModel(EModelInput{Codec: l.Codec, LossRatio: v.LossRatio, Jitter: v.Jitter, RTT: v.RTT}); Known(m) {
				v.MOS = m
			}
		}
		fn(v)
		return true
	})
}

// RangeLive calls fn for each live leg with its bounded labels, with the
// tracker's lock held: fn must be quick, must not keep l and must not call
// the tracker. A leg whose hangup was handled is no longer visited.
func (t *Tracker) RangeLive(fn func(l *Leg, lb Labels)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.store.Range(func(l *Leg) bool {
		fn(l, t.labelsLocked(l))
		return true
	})
}

// LiveCount is the number of live legs with some labels.
type LiveCount struct {
	Labels
	Legs  int
	Calls int // legs that own their call (Channel-Call-UUID = Unique-ID)
}

// LiveCounts counts the live legs by labels.
func (t *Tracker) LiveCounts() []LiveCount {
	t.mu.Lock()
	defer t.mu.Unlock()
	idx := map[Labels]int{}
	var out []LiveCount
	t.store.Range(func(l *Leg) bool {
		lb := t.labelsLocked(l)
		i, ok := idx[lb]
		if !ok {
			i = len(out)
			idx[lb] = i
			out = append(out, LiveCount{Labels: lb})
		}
		out[i].Legs++
		if l.CallUUID == "" || l.CallUUID == l.ChannelID {
			out[i].Calls++
		}
		return true
	})
	return out
}
