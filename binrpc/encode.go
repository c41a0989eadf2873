package binrpc

import (
	"errors"
	"fmt"
	"math"
)

// Encoder builds a packet body record by record, the way Kamailio's
// binrpc.h writes them (minimal integer lengths, NUL-terminated strings).
// The zero Encoder is ready to use.
type Encoder struct {
	buf   []byte
	depth []Type
	err   error
}

// Reset empties the encoder, keeping its buffer.
func (e *Encoder) Reset() { e.buf, e.depth, e.err = e.buf[:0], e.depth[:0], nil }

// Body returns the encoded body, or the first misuse error (unbalanced
// struct/array, value out of range).
func (e *Encoder) Body() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	if len(e.depth) > 0 {
		return nil, fmt.Errorf("binrpc: encoder: %d unclosed struct/array", len(e.depth))
	}
	return e.buf, nil
}

func intLen(u uint32) int {
	n := 4
	for n > 0 && u&0xff000000 == 0 {
		u <<= 8
		n--
	}
	return n
}

func (e *Encoder) appendInt(u uint32, typ Type) {
	n := intLen(u)
	e.buf = append(e.buf, byte(n<<4)|byte(typ))
	for i := n - 1; i >= 0; i-- {
		e.buf = append(e.buf, byte(u>>(8*i)))
	}
}

// Int adds an int.
func (e *Encoder) Int(v int32) *Encoder { e.appendInt(uint32(v), TypeInt); return e }

// Double adds a double, as Kamailio does: value×1000 in an int.
func (e *Encoder) Double(f float64) *Encoder {
	x := f * 1000
	if math.IsNaN(x) || x > math.MaxInt32 || x < math.MinInt32 {
		e.fail(fmt.Errorf("binrpc: encoder: double %v out of range", f))
		return e
	}
	e.appendInt(uint32(int32(x)), TypeDouble)
	return e
}

func (e *Encoder) appendStr(s string, typ Type, nul bool) {
	l := len(s)
	if nul {
		l++
	}
	if l < 8 {
		e.buf = append(e.buf, byte(l<<4)|byte(typ))
	} else {
		n := intLen(uint32(l))
		e.buf = append(e.buf, 0x80|byte(n<<4)|byte(typ))
		for i := n - 1; i >= 0; i-- {
			e.buf = append(e.buf, byte(l>>(8*i)))
		}
	}
	e.buf = append(e.buf, s...)
	if nul {
		e.buf = append(e.buf, 0)
	}
}

// Str adds a string.
func (e *Encoder) Str(s string) *Encoder { e.appendStr(s, TypeStr, true); return e }

// Bytes adds a byte string (not NUL terminated).
func (e *Encoder) Bytes(b []byte) *Encoder { e.appendStr(string(b), TypeBytes, false); return e }

// Member adds a struct member name; the next value is its value.
func (e *Encoder) Member(name string) *Encoder {
	if len(e.depth) == 0 || e.depth[len(e.depth)-1] != TypeStruct {
		e.fail(errors.New("binrpc: encoder: member name outside a struct"))
	}
	e.appendStr(name, TypeAVP, true)
	return e
}

// StructStart opens a struct; close it with StructEnd.
func (e *Encoder) StructStart() *Encoder {
	e.buf = append(e.buf, byte(TypeStruct))
	e.depth = append(e.depth, TypeStruct)
	return e
}

// StructEnd closes the innermost struct.
func (e *Encoder) StructEnd() *Encoder { return e.end(TypeStruct) }

// ArrayStart opens an array; close it with ArrayEnd.
func (e *Encoder) ArrayStart() *Encoder {
	e.buf = append(e.buf, byte(TypeArray))
	e.depth = append(e.depth, TypeArray)
	return e
}

// ArrayEnd closes the innermost array.
func (e *Encoder) ArrayEnd() *Encoder { return e.end(TypeArray) }

func (e *Encoder) end(t Type) *Encoder {
	if len(e.depth) == 0 || e.depth[len(e.depth)-1] != t {
		e.fail(fmt.Errorf("binrpc: encoder: %s end without a start", t))
		return e
	}
	e.depth = e.depth[:len(e.depth)-1]
	e.buf = append(e.buf, 0x80|byte(t))
	return e
}

// Arg adds one call argument: string, int types, float64 or []byte.
func (e *Encoder) Arg(a any) *Encoder {
	switch v := a.(type) {
	case string:
		e.Str(v)
	case int:
		if v > math.MaxInt32 || v < math.MinInt32 {
			e.fail(fmt.Errorf("binrpc: encoder: int %d out of range", v))
			return e
		}
		e.Int(int32(v))
	case int32:
		e.Int(v)
	case int64:
		if v > math.MaxInt32 || v < math.MinInt32 {
			e.fail(fmt.Errorf("binrpc: encoder: int %d out of range", v))
			return e
		}
		e.Int(int32(v))
	case uint32:
		e.appendInt(v, TypeInt)
	case float64:
		e.Double(v)
	case []byte:
		e.Bytes(v)
	default:
		e.fail(fmt.Errorf("binrpc: encoder: unsupported argument type %T", a))
	}
	return e
}

// Fault writes a fault body: the code and the message.
func (e *Encoder) Fault(code int32, msg string) *Encoder { return e.Int(code).Str(msg) }

func (e *Encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// AppendHeader appends a packet header for a body of bodyLen bytes, with
// the minimal length and cookie sizes Kamailio itself writes.
func AppendHeader(dst []byte, t PacketType, bodyLen int, cookie uint32) []byte {
	ll := max(intLen(uint32(bodyLen)), 1)
	cl := max(intLen(cookie), 1)
	dst = append(dst, magicVersion, byte(t)<<4|byte(ll-1)<<2|byte(cl-1))
	for i := ll - 1; i >= 0; i-- {
		dst = append(dst, byte(bodyLen>>(8*i)))
	}
	for i := cl - 1; i >= 0; i-- {
		dst = append(dst, byte(cookie>>(8*i)))
	}
	return dst
}

// AppendRequest appends a whole request packet: the method then its args.
func AppendRequest(dst []byte, cookie uint32, method string, args ...any) ([]byte, error) {
	var e Encoder
	e.Str(method)
	for _, a := range args {
		e.Arg(a)
	}
	body, err := e.Body()
	if err != nil {
		return dst, err
	}
	dst = AppendHeader(dst, PacketRequest, len(body), cookie)
	return append(dst, body...), nil
}
