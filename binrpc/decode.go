package binrpc

import (
	"strconv"
	"unsafe"
)

// Header is a parsed packet header.
type Header struct {
	Type    PacketType
	BodyLen int    // payload bytes after the header
	Cookie  uint32 // echoed by Kamailio in its reply
	Size    int    // header bytes (2 + length bytes + cookie bytes)
}

// HeaderSize returns the full header size announced by the first two
// bytes of a packet, or an error if they are not a BINRPC header.
func HeaderSize(b0, b1 byte) (int, error) {
	if b0 != magicVersion {
		return 0, malformed("bad magic/version byte 0x%02x (want 0xa1)", b0)
	}
	return 2 + int((b1>>2)&3) + 1 + int(b1&3) + 1, nil
}

// ParseHeader parses the header at the start of b, which must hold at
// least the full header (see HeaderSize).
func ParseHeader(b []byte) (Header, error) {
	if len(b) < 2 {
		return Header{}, malformed("short header")
	}
	size, err := HeaderSize(b[0], b[1])
	if err != nil {
		return Header{}, err
	}
	if len(b) < size {
		return Header{}, malformed("short header: %d of %d bytes", len(b), size)
	}
	h := Header{Type: PacketType(b[1] >> 4), Size: size}
	switch h.Type {
	case PacketRequest, PacketReply, PacketFault:
	default:
		return Header{}, malformed("unknown packet type %d", h.Type)
	}
	ll := int((b[1]>>2)&3) + 1
	var n uint32
	for _, c := range b[2 : 2+ll] {
		n = n<<8 | uint32(c)
	}
	h.BodyLen = int(n)
	for _, c := range b[2+ll : size] {
		h.Cookie = h.Cookie<<8 | uint32(c)
	}
	return h, nil
}

// span is a substring of the reply body.
type span struct{ off, n uint32 }

// node is one value of a decoded body, in pre-order. Struct members carry
// their name; end is the index just past the node's subtree.
type node struct {
	name    span
	str     span
	num     int32
	end     int32
	typ     Type
	hasName bool
}

// Reply is a decoded BINRPC body: the top-level values of a reply (or the
// method name and parameters of a request). Strings in it share one
// buffer; a Reply is immutable and safe for concurrent reads.
type Reply struct {
	body  string
	nodes []node
}

// Decode parses a packet body (without its header). It copies body once.
func Decode(body []byte) (*Reply, error) {
	return decode(string(body))
}

// decodeOwned parses a body the caller will never modify again: no copy.
func decodeOwned(body []byte) (*Reply, error) {
	if len(body) == 0 {
		return &Reply{}, nil
	}
	return decode(unsafe.String(&body[0], len(body)))
}

type frame struct {
	idx     int32
	typ     Type
	pending bool // struct: a member name was read, its value is next
	name    span
}

func decode(b string) (*Reply, error) {
	r := &Reply{body: b}
	if len(b) == 0 {
		return r, nil
	}
	// Kamailio replies average over 12 bytes a value: one allocation mostly.
	r.nodes = make([]node, 0, len(b)/12+4)
	var (
		stackBuf [16]frame
		stack    = stackBuf[:0]
	)
	pos := 0
	for pos < len(b) {
		start := pos
		h := b[pos]
		pos++
		typ := Type(h & 0x0f)
		size := int(h>>4) & 7
		length := size
		if h&0x80 != 0 {
			if size == 0 {
				// end tag of a struct or array
				if typ != TypeStruct && typ != TypeArray {
					return nil, malformed("end tag of %s at offset %d", typ, start)
				}
				if len(stack) == 0 || stack[len(stack)-1].typ != typ {
					return nil, malformed("unexpected %s end at offset %d", typ, start)
				}
				top := stack[len(stack)-1]
				if top.pending {
					return nil, malformed("struct member %q has no value (offset %d)", b[top.name.off:top.name.off+top.name.n], start)
				}
				r.nodes[top.idx].end = int32(len(r.nodes))
				stack = stack[:len(stack)-1]
				continue
			}
			if size > 4 || pos+size > len(b) {
				return nil, malformed("bad length field at offset %d", start)
			}
			length = 0
			for i := 0; i < size; i++ {
				length = length<<8 | int(b[pos+i])
			}
			pos += size
		}
		if length > len(b)-pos {
			return nil, malformed("%s record of %d bytes at offset %d runs past the end of the body", typ, length, start)
		}
		val := b[pos : pos+length]
		pos += length

		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if top != nil && top.typ == TypeStruct && !top.pending {
			// a struct holds name/value pairs: a name first
			if typ != TypeAVP {
				return nil, malformed("%s where a struct member name was expected (offset %d)", typ, start)
			}
			top.pending = true
			top.name = span{uint32(pos - length), uint32(trimNUL(val))}
			continue
		}
		n := node{typ: typ, end: int32(len(r.nodes) + 1)}
		if top != nil && top.typ == TypeStruct {
			n.name, n.hasName = top.name, true
			top.pending = false
		}
		switch typ {
		case TypeInt, TypeDouble:
			if length > 4 {
				return nil, malformed("%s of %d bytes at offset %d", typ, length, start)
			}
			var u uint32
			for i := 0; i < length; i++ {
				u = u<<8 | uint32(val[i])
			}
			n.num = int32(u)
		case TypeStr:
			n.str = span{uint32(pos - length), uint32(trimNUL(val))}
		case TypeBytes:
			n.str = span{uint32(pos - length), uint32(length)}
		case TypeStruct, TypeArray:
			if length != 0 {
				return nil, malformed("%s start tag with a %d-byte value at offset %d", typ, length, start)
			}
			if len(stack) >= MaxDepth {
				return nil, ErrTooDeep
			}
			stack = append(stack, frame{idx: int32(len(r.nodes)), typ: typ})
		case TypeAVP:
			return nil, malformed("struct member name outside a struct (offset %d)", start)
		default:
			return nil, malformed("unknown record type %d at offset %d", typ, start)
		}
		r.nodes = append(r.nodes, n)
	}
	if len(stack) > 0 {
		return nil, malformed("body ends inside a %s", stack[len(stack)-1].typ)
	}
	return r, nil
}

// trimNUL returns the length of a NUL-terminated wire string without its
// terminator (strings and member names carry one; tolerate its absence).
func trimNUL(s string) int {
	if len(s) > 0 && s[len(s)-1] == 0 {
		return len(s) - 1
	}
	return len(s)
}

func (r *Reply) sub(s span) string { return r.body[s.off : s.off+s.n] }

// Len is the number of top-level values.
func (r *Reply) Len() int {
	n := 0
	for i := int32(0); i < int32(len(r.nodes)); i = r.nodes[i].end {
		n++
	}
	return n
}

// First is the first top-level value (invalid when the reply is empty).
func (r *Reply) First() Value {
	if len(r.nodes) == 0 {
		return Value{}
	}
	return Value{r: r, i: 0}
}

// All yields the top-level values in order.
func (r *Reply) All() func(yield func(Value) bool) {
	return func(yield func(Value) bool) {
		for i := int32(0); i < int32(len(r.nodes)); i = r.nodes[i].end {
			if !yield(Value{r: r, i: i}) {
				return
			}
		}
	}
}

// Nodes is the number of values in the reply, nested ones included.
func (r *Reply) Nodes() int { return len(r.nodes) }

// Value is one value of a Reply. The zero Value is invalid: it is what a
// lookup of a missing member returns, and every accessor on it fails.
type Value struct {
	r *Reply
	i int32
}

// Valid reports whether v refers to a value.
func (v Value) Valid() bool { return v.r != nil }

func (v Value) n() *node { return &v.r.nodes[v.i] }

// Type is the value's type (TypeInt for an invalid Value: check Valid).
func (v Value) Type() Type {
	if v.r == nil {
		return TypeInt
	}
	return v.n().typ
}

// Name is the member name of a struct member ("" otherwise).
func (v Value) Name() string {
	if v.r == nil || !v.n().hasName {
		return ""
	}
	return v.r.sub(v.n().name)
}

// Int returns an int (or a double truncated to an int).
func (v Value) Int() (int, bool) {
	if v.r == nil {
		return 0, false
	}
	switch n := v.n(); n.typ {
	case TypeInt:
		return int(n.num), true
	case TypeDouble:
		return int(n.num / 1000), true
	}
	return 0, false
}

// Float returns the value as a number: an int, a double, or a string that
// holds a number (stats.fetch sends its numbers as strings).
func (v Value) Float() (float64, bool) {
	if v.r == nil {
		return 0, false
	}
	switch n := v.n(); n.typ {
	case TypeInt:
		return float64(n.num), true
	case TypeDouble:
		return float64(n.num) / 1000, true
	case TypeStr:
		f, err := strconv.ParseFloat(v.r.sub(n.str), 64)
		return f, err == nil
	}
	return 0, false
}

// Str returns a string or bytes value as is; other scalars are formatted
// as kamcmd prints them; structs and arrays give "".
func (v Value) Str() string {
	if v.r == nil {
		return ""
	}
	switch n := v.n(); n.typ {
	case TypeStr, TypeBytes:
		return v.r.sub(n.str)
	case TypeInt:
		return strconv.Itoa(int(n.num))
	case TypeDouble:
		return strconv.FormatFloat(float64(n.num)/1000, 'f', -1, 64)
	}
	return ""
}

// Field returns the first member called name of a struct (invalid if v is
// not a struct or has no such member).
func (v Value) Field(name string) Value {
	if v.r == nil || v.n().typ != TypeStruct {
		return Value{}
	}
	nodes := v.r.nodes
	for c := v.i + 1; c < nodes[v.i].end; c = nodes[c].end {
		if nodes[c].name.n == uint32(len(name)) && v.r.sub(nodes[c].name) == name {
			return Value{r: v.r, i: c}
		}
	}
	return Value{}
}

// Items yields the elements of an array or the member values of a struct
// (their names through Name).
func (v Value) Items() func(yield func(Value) bool) {
	return func(yield func(Value) bool) {
		if v.r == nil {
			return
		}
		nodes := v.r.nodes
		if t := nodes[v.i].typ; t != TypeStruct && t != TypeArray {
			return
		}
		for c := v.i + 1; c < nodes[v.i].end; c = nodes[c].end {
			if !yield(Value{r: v.r, i: c}) {
				return
			}
		}
	}
}

// Len is the number of elements or members of an array or struct.
func (v Value) Len() int {
	n := 0
	for range v.Items() {
		n++
	}
	return n
}
