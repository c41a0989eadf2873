package esl

import "bytes"

// Content types of outer ESL frames.
const (
	TypeAuthRequest   = "auth/request"
	TypeCommandReply  = "command/reply"
	TypeAPIResponse   = "api/response"
	TypeEventPlain    = "text/event-plain"
	TypeEventJSON     = "text/event-json"
	TypeEventXML      = "text/event-xml"
	TypeDisconnect    = "text/disconnect-notice"
	TypeLogData       = "log/data"
	TypeRudeRejection = "text/rude-rejection"
)

// Kind is the content type of a frame as a small enum (no string compare).
type Kind uint8

// Frame kinds.
const (
	KindUnknown Kind = iota
	KindAuthRequest
	KindCommandReply
	KindAPIResponse
	KindEventPlain
	KindEventJSON
	KindEventXML
	KindDisconnect
	KindLogData
	KindRudeRejection
)

var kindNames = [...]string{
	KindUnknown:       "",
	KindAuthRequest:   TypeAuthRequest,
	KindCommandReply:  TypeCommandReply,
	KindAPIResponse:   TypeAPIResponse,
	KindEventPlain:    TypeEventPlain,
	KindEventJSON:     TypeEventJSON,
	KindEventXML:      TypeEventXML,
	KindDisconnect:    TypeDisconnect,
	KindLogData:       TypeLogData,
	KindRudeRejection: TypeRudeRejection,
}

// IsEvent reports whether the kind is one of the text/event-* types.
func (k Kind) IsEvent() bool { return k == KindEventPlain || k == KindEventJSON || k == KindEventXML }

func kindOf(ct []byte) Kind {
	for k := KindAuthRequest; int(k) < len(kindNames); k++ {
		if string(ct) == kindNames[k] {
			return k
		}
	}
	return KindUnknown
}

// span locates one header line inside Frame.data.
type span struct{ k0, k1, v0, v1 int32 }

// Frame is one ESL frame: outer headers and an optional body. A Frame
// returned by Reader.ReadFrame is owned by the Reader and valid only until
// the next read; copy what you keep.
type Frame struct {
	data []byte // header block bytes
	hdrs []span
	body []byte
	kind Kind
	ct   []byte // Content-Type value (inside data)
}

// Kind returns the content type as an enum.
func (f *Frame) Kind() Kind { return f.kind }

// ContentType returns the Content-Type header (allocation-free for known types).
func (f *Frame) ContentType() string {
	if f.kind != KindUnknown {
		return kindNames[f.kind]
	}
	return string(f.ct)
}

// Body returns the frame body (Content-Length bytes), nil when there is none.
func (f *Frame) Body() []byte { return f.body }

// Len returns the number of header lines.
func (f *Frame) Len() int { return len(f.hdrs) }

// HeaderBytes returns the value of the first header named key (ASCII
// case-insensitive), without allocating. The slice is valid until the next read.
func (f *Frame) HeaderBytes(key string) ([]byte, bool) {
	for _, h := range f.hdrs {
		k := f.data[h.k0:h.k1]
		if len(k) == len(key) && equalFoldASCII(k, key) {
			return f.data[h.v0:h.v1], true
		}
	}
	return nil, false
}

// Header returns the value of the first header named key, or "".
func (f *Frame) Header(key string) string {
	v, _ := f.HeaderBytes(key)
	return string(v)
}

// Range calls fn for each header line in order until fn returns false.
// The slices are valid until the next read.
func (f *Frame) Range(fn func(key, value []byte) bool) {
	for _, h := range f.hdrs {
		if !fn(f.data[h.k0:h.k1], f.data[h.v0:h.v1]) {
			return
		}
	}
}

func equalFoldASCII(b []byte, s string) bool {
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c == d {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// parseHeaderLine splits "Key: Value" (value's leading spaces trimmed).
// Offsets are relative to line's start plus base.
func parseHeaderLine(line []byte, base int32) span {
	c := bytes.IndexByte(line, ':')
	if c < 0 {
		n := base + int32(len(line))
		return span{base, n, n, n}
	}
	v := c + 1
	for v < len(line) && (line[v] == ' ' || line[v] == '\t') {
		v++
	}
	return span{base, base + int32(c), base + int32(v), base + int32(len(line))}
}
