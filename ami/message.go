package ami

import (
	"strings"
)

// Header is one "Key: Value" line of an action or a message.
type Header struct {
	Key, Value string
}

// span locates one header in a Message's raw text.
type span struct {
	k0, k1, v0, v1 int32
}

// Message is one response or event from Asterisk: its header lines in wire
// order. Keys are matched without regard to case, as Asterisk does. A
// Message is immutable and safe to share between goroutines.
type Message struct {
	raw    string // the message's lines, each followed by '\n'
	hdrs   []span
	output string // Command output of a legacy "Response: Follows" message
	legacy bool
}

// Len returns the number of header lines.
func (m *Message) Len() int { return len(m.hdrs) }

// Header returns the i-th header line (0 ≤ i < Len()).
func (m *Message) Header(i int) (key, value string) {
	h := m.hdrs[i]
	return m.raw[h.k0:h.k1], m.raw[h.v0:h.v1]
}

// Lookup returns the value of the first header named key (any case).
func (m *Message) Lookup(key string) (string, bool) {
	for _, h := range m.hdrs {
		if int(h.k1-h.k0) == len(key) && strings.EqualFold(m.raw[h.k0:h.k1], key) {
			return m.raw[h.v0:h.v1], true
		}
	}
	return "", false
}

// Get returns the value of the first header named key, or "".
func (m *Message) Get(key string) string {
	v, _ := m.Lookup(key)
	return v
}

// Event returns the Event header ("" for a response).
func (m *Message) Event() string { return m.Get("Event") }

// IsEvent reports whether the message is an event (it has an Event header
// and no Response header).
func (m *Message) IsEvent() bool {
	if len(m.hdrs) == 0 {
		return false
	}
	k, _ := m.Header(0)
	if strings.EqualFold(k, "Response") {
		return false
	}
	_, ok := m.Lookup("Event")
	return ok
}

// Response returns the Response header: "Success", "Error", "Goodbye",
// "Follows" (Command in Asterisk ≤13)… or "" for an event.
func (m *Message) Response() string { return m.Get("Response") }

// ActionID returns the ActionID header, wherever it is in the message
// (Asterisk puts it last in QueueMember and similar events).
func (m *Message) ActionID() string { return m.Get("ActionID") }

// IsListStart reports whether a response announces an event list
// ("EventList: start", or an old-style "Message: … will follow").
func (m *Message) IsListStart() bool {
	if strings.EqualFold(m.Get("EventList"), "start") {
		return true
	}
	return strings.HasSuffix(strings.ToLower(m.Get("Message")), "will follow")
}

// IsListComplete reports whether an event ends an event list
// ("EventList: Complete", or an event named …Complete).
func (m *Message) IsListComplete() bool {
	if strings.EqualFold(m.Get("EventList"), "Complete") {
		return true
	}
	return strings.HasSuffix(m.Event(), "Complete")
}

// Output returns the output of a Command action as `asterisk -rx` prints it:
// each "Output:" header (Asterisk ≥14) as one line ending in '\n', or the
// text of a legacy "Response: Follows" message (Asterisk ≤13).
func (m *Message) Output() string {
	if m.legacy {
		return m.output
	}
	n := 0
	for _, h := range m.hdrs {
		if h.k1-h.k0 == 6 && strings.EqualFold(m.raw[h.k0:h.k1], "Output") {
			n += int(h.v1-h.v0) + 1
		}
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n)
	for _, h := range m.hdrs {
		if h.k1-h.k0 == 6 && strings.EqualFold(m.raw[h.k0:h.k1], "Output") {
			b.WriteString(m.raw[h.v0:h.v1])
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Raw returns the message's header lines, each ending in '\n' (CR removed),
// without the legacy Command output.
func (m *Message) Raw() string { return m.raw }

// String renders the message for logs and test failures.
func (m *Message) String() string {
	if m.legacy {
		return m.raw + m.output + "--END COMMAND--\n"
	}
	return m.raw
}

// NewMessage builds a Message from headers (for tests and simulators).
func NewMessage(headers ...Header) *Message {
	var b strings.Builder
	hdrs := make([]span, 0, len(headers))
	for _, h := range headers {
		k0 := b.Len()
		b.WriteString(h.Key)
		k1 := b.Len()
		b.WriteString(": ")
		v0 := b.Len()
		b.WriteString(h.Value)
		v1 := b.Len()
		b.WriteByte('\n')
		hdrs = append(hdrs, span{int32(k0), int32(k1), int32(v0), int32(v1)})
	}
	return &Message{raw: b.String(), hdrs: hdrs}
}
