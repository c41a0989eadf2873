package ng

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Dict is a decoded bencode dictionary. Values are Dict, List, string (byte
// strings: bencode has no other) or int64.
type Dict map[string]any

// List is a decoded bencode list.
type List []any

// MaxDepth bounds the nesting of decoded lists and dictionaries; rtpengine's
// deepest reply (query: tags → medias → streams → stats) is 6 deep.
const MaxDepth = 32

// ErrSyntax is returned (wrapped) for input that is not bencode.
var ErrSyntax = errors.New("ng: bencode syntax error")

// Decode reads one bencode value from b and returns it with the bytes that
// follow it.
func Decode(b []byte) (any, []byte, error) {
	d := decoder{b: b}
	v, err := d.value(0)
	if err != nil {
		return nil, nil, err
	}
	return v, d.b[d.i:], nil
}

// DecodeDict decodes b, which must hold exactly one dictionary.
func DecodeDict(b []byte) (Dict, error) {
	v, rest, err := Decode(b)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the value", ErrSyntax, len(rest))
	}
	d, ok := v.(Dict)
	if !ok {
		return nil, fmt.Errorf("%w: not a dictionary", ErrSyntax)
	}
	return d, nil
}

type decoder struct {
	b []byte
	i int
}

func (d *decoder) fail(what string) error {
	return fmt.Errorf("%w at byte %d: %s", ErrSyntax, d.i, what)
}

func (d *decoder) value(depth int) (any, error) {
	if d.i >= len(d.b) {
		return nil, d.fail("unexpected end")
	}
	switch c := d.b[d.i]; {
	case c == 'i':
		d.i++
		end := bytes.IndexByte(d.b[d.i:], 'e')
		if end < 0 {
			return nil, d.fail("unterminated integer")
		}
		s := string(d.b[d.i : d.i+end])
		// Canonical bencode: no leading zeros, no "-0", no "+".
		if s == "" || s == "-" || s[0] == '+' || (len(s) > 1 && s[0] == '0') || (len(s) > 1 && s[0] == '-' && s[1] == '0') {
			return nil, d.fail("malformed integer")
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, d.fail("malformed integer")
		}
		d.i += end + 1
		return n, nil
	case c >= '0' && c <= '9':
		return d.str()
	case c == 'l', c == 'd':
		if depth >= MaxDepth {
			return nil, d.fail("nested too deep")
		}
		d.i++
		if c == 'l' {
			l := List{}
			for {
				if d.i >= len(d.b) {
					return nil, d.fail("unterminated list")
				}
				if d.b[d.i] == 'e' {
					d.i++
					return l, nil
				}
				v, err := d.value(depth + 1)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
		}
		m := Dict{}
		for {
			if d.i >= len(d.b) {
				return nil, d.fail("unterminated dictionary")
			}
			if d.b[d.i] == 'e' {
				d.i++
				return m, nil
			}
			if d.b[d.i] < '0' || d.b[d.i] > '9' {
				return nil, d.fail("dictionary key is not a string")
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
	default:
		return nil, d.fail(fmt.Sprintf("unexpected %q", c))
	}
}

func (d *decoder) str() (string, error) {
	colon := bytes.IndexByte(d.b[d.i:], ':')
	if colon < 1 || colon > 10 {
		return "", d.fail("malformed string length")
	}
	ls := d.b[d.i : d.i+colon]
	if len(ls) > 1 && ls[0] == '0' {
		return "", d.fail("malformed string length")
	}
	n := 0
	for _, c := range ls {
		if c < '0' || c > '9' {
			return "", d.fail("malformed string length")
		}
		n = n*10 + int(c-'0')
	}
	start := d.i + colon + 1
	if n > len(d.b)-start {
		return "", d.fail("string runs past the end")
	}
	d.i = start + n
	return string(d.b[start:d.i]), nil
}

// Append encodes v (Dict, map[string]any, List, []any, []string, string,
// []byte, int, int64, uint64, bool as 0/1) to b. Dictionary keys are sorted, as
// bencode requires.
func Append(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		b = strconv.AppendInt(b, int64(len(x)), 10)
		b = append(b, ':')
		return append(b, x...), nil
	case []byte:
		b = strconv.AppendInt(b, int64(len(x)), 10)
		b = append(b, ':')
		return append(b, x...), nil
	case int:
		return appendInt(b, int64(x)), nil
	case int64:
		return appendInt(b, x), nil
	case uint64:
		b = append(b, 'i')
		b = strconv.AppendUint(b, x, 10)
		return append(b, 'e'), nil
	case bool:
		if x {
			return appendInt(b, 1), nil
		}
		return appendInt(b, 0), nil
	case []string:
		b = append(b, 'l')
		for _, s := range x {
			b, _ = Append(b, s)
		}
		return append(b, 'e'), nil
	case List:
		return appendList(b, x)
	case []any:
		return appendList(b, x)
	case Dict:
		return appendDict(b, x)
	case map[string]any:
		return appendDict(b, x)
	default:
		return nil, fmt.Errorf("ng: cannot encode %T", v)
	}
}

func appendInt(b []byte, n int64) []byte {
	b = append(b, 'i')
	b = strconv.AppendInt(b, n, 10)
	return append(b, 'e')
}

func appendList(b []byte, l []any) ([]byte, error) {
	b = append(b, 'l')
	var err error
	for _, v := range l {
		if b, err = Append(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, 'e'), nil
}

func appendDict(b []byte, m map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, 'd')
	var err error
	for _, k := range keys {
		b, _ = Append(b, k)
		if b, err = Append(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, 'e'), nil
}

// ---- typed access to decoded values ----

// Dict returns the dictionary under key (nil when absent or not one).
func (d Dict) Dict(key string) Dict { v, _ := d[key].(Dict); return v }

// List returns the list under key (nil when absent or not one).
func (d Dict) List(key string) List { v, _ := d[key].(List); return v }

// String returns the string under key ("" when absent or not one).
func (d Dict) String(key string) string { v, _ := d[key].(string); return v }

// Number returns the number under key: an integer, or a string holding a
// decimal number (rtpengine sends floats such as "%.6f" as strings). ok is
// false when the key is absent or holds no number.
func (d Dict) Number(key string) (v float64, ok bool) {
	switch x := d[key].(type) {
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}
