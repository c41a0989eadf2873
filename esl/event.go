package esl

import (
	"encoding/binary"
	"unsafe"
)

// Format is the encoding an event arrived in.
type Format uint8

// Event formats.
const (
	FormatPlain Format = iota + 1
	FormatJSON
	FormatXML
)

func (f Format) String() string {
	switch f {
	case FormatPlain:
		return "plain"
	case FormatJSON:
		return "json"
	case FormatXML:
		return "xml"
	}
	return "unknown"
}

// Event is one parsed FreeSWITCH event: its headers, decoded (URL escapes
// in plain and XML, JSON string escapes in JSON), in arrival order,
// duplicates kept, and its body (e.g. a BACKGROUND_JOB result).
//
// Storage is a single []byte: an index of offsets (16 bytes per header)
// followed by the text, decoded in place. Get, Lookup and Range return
// substrings of that buffer without allocating. An Event from ParseEvent or
// ReadEvent is never written again, so those strings stay valid forever. An
// Event that is refilled (ParseFrame, ReadEventInto) reuses its buffer:
// strings and slices obtained before the refill then change under you;
// clone them (strings.Clone) if they must outlive the next refill.
//
// Header keys are compared case-sensitively, as FreeSWITCH spells them
// (e.g. "Unique-ID", "variable_rtp_audio_in_mos"). Lookup is a linear scan;
// for the 30–250 headers of real events it is faster than building a map.
type Event struct {
	buf    []byte // [index: 16 bytes per header slot][text]
	str    string // read-only view of buf
	d      int    // start of text = 16 * index slots
	n      int    // headers
	b0, b1 int    // body, relative to d
	name   int    // header index of Event-Name, -1 if none
	format Format
}

const slotSize = 16

// Format returns the format the event was parsed from.
func (e *Event) Format() Format { return e.format }

// Len returns the number of headers (duplicates counted).
func (e *Event) Len() int { return e.n }

// Name returns the Event-Name header.
func (e *Event) Name() string {
	if e.name < 0 || e.name >= e.n {
		return ""
	}
	_, v := e.at(e.name)
	return v
}

// Body returns the event body (nil when empty). See the Event doc on reuse.
func (e *Event) Body() []byte {
	if e.b1 <= e.b0 {
		return nil
	}
	return e.buf[e.d+e.b0 : e.d+e.b1 : e.d+e.b1]
}

// BodyString returns the event body as a string without copying.
func (e *Event) BodyString() string {
	if e.b1 <= e.b0 {
		return ""
	}
	return e.str[e.d+e.b0 : e.d+e.b1]
}

func le32(b []byte) int { return int(binary.LittleEndian.Uint32(b)) }

// at returns header i.
func (e *Event) at(i int) (key, value string) {
	p := e.buf[slotSize*i : slotSize*i+slotSize]
	s := e.str[e.d:]
	return s[le32(p):le32(p[4:])], s[le32(p[8:]):le32(p[12:])]
}

// Header returns the i-th header, 0 <= i < Len().
func (e *Event) Header(i int) (key, value string) { return e.at(i) }

// Lookup returns the value of the first header named key.
func (e *Event) Lookup(key string) (string, bool) {
	s := e.str[e.d:]
	idx := e.buf[:slotSize*e.n]
	for i := 0; i+slotSize <= len(idx); i += slotSize {
		p := idx[i : i+slotSize]
		k0, k1 := le32(p), le32(p[4:])
		if k1-k0 == len(key) && s[k0:k1] == key {
			return s[le32(p[8:]):le32(p[12:])], true
		}
	}
	return "", false
}

// Get returns the value of the first header named key, or "".
func (e *Event) Get(key string) string {
	v, _ := e.Lookup(key)
	return v
}

// Range calls fn for every header in order until fn returns false.
func (e *Event) Range(fn func(key, value string) bool) {
	for i := 0; i < e.n; i++ {
		if !fn(e.at(i)) {
			return
		}
	}
}

// Clone returns a deep copy that owns its storage.
func (e *Event) Clone() *Event {
	c := *e
	c.buf = append([]byte(nil), e.buf...)
	c.setView()
	return &c
}

func (e *Event) setView() {
	if len(e.buf) == 0 {
		e.str = ""
		return
	}
	e.str = unsafe.String(unsafe.SliceData(e.buf), len(e.buf))
}

// ---- building ----

// begin prepares the buffer for up to slots headers and textHint bytes of
// text. With reuse the old buffer is recycled when big enough.
func (e *Event) begin(slots, textHint int, reuse bool, f Format) {
	if slots < 1 {
		slots = 1
	}
	need := slotSize*slots + textHint
	if reuse && cap(e.buf) >= need {
		e.buf = e.buf[:slotSize*slots]
	} else {
		e.buf = make([]byte, slotSize*slots, need)
	}
	e.d = slotSize * slots
	e.n, e.b0, e.b1, e.name, e.format = 0, 0, 0, -1, f
	e.str = ""
}

// pos returns the current text length.
func (e *Event) pos() int { return len(e.buf) - e.d }

// addHeader records a header by its text offsets.
func (e *Event) addHeader(k0, k1, v0, v1 int) {
	if slotSize*(e.n+1) > e.d {
		e.growIndex()
	}
	p := e.buf[slotSize*e.n : slotSize*e.n+slotSize]
	binary.LittleEndian.PutUint32(p, uint32(k0))
	binary.LittleEndian.PutUint32(p[4:], uint32(k1))
	binary.LittleEndian.PutUint32(p[8:], uint32(v0))
	binary.LittleEndian.PutUint32(p[12:], uint32(v1))
	e.n++
}

// growIndex doubles the index area (rare: only when the slot estimate was low).
func (e *Event) growIndex() {
	slots := 2 * (e.d / slotSize)
	nb := make([]byte, slotSize*slots, slotSize*slots+cap(e.buf)-e.d)
	copy(nb, e.buf[:slotSize*e.n])
	nb = append(nb, e.buf[e.d:]...)
	e.buf, e.d = nb, slotSize*slots
}

// finish publishes the read-only view.
func (e *Event) finish() { e.setView() }
