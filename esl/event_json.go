package esl

import (
	"bytes"
	"unicode/utf8"
)

// maxJSONDepth bounds nesting inside a skipped (non-string) JSON value.
const maxJSONDepth = 64

// ParseEventJSON parses the body of a text/event-json frame into a new Event.
func ParseEventJSON(body []byte) (*Event, error) {
	e := new(Event)
	if err := e.parseJSON(body, false); err != nil {
		return nil, err
	}
	return e, nil
}

// parseJSON reads one flat JSON object. String values are decoded; an array
// becomes "ARRAY::a|:b" (FreeSWITCH's plain form of a multi-value header);
// other values are kept as their JSON text. The "_body" member becomes Body().
func (e *Event) parseJSON(body []byte, reuse bool) error {
	e.begin(bytes.Count(body, []byte{':'})+1, len(body), reuse, FormatJSON)
	err := e.jsonObject(body)
	if err != nil {
		e.begin(1, 0, true, FormatJSON)
	}
	e.finish()
	return err
}

func (e *Event) jsonObject(b []byte) error {
	p := skipWS(b, 0)
	if p >= len(b) || b[p] != '{' {
		return ErrMalformedEvent
	}
	p = skipWS(b, p+1)
	if p < len(b) && b[p] == '}' {
		return jsonEnd(b, p+1)
	}
	haveBody := false
	for {
		if p >= len(b) || b[p] != '"' {
			return ErrMalformedEvent
		}
		k0 := e.pos()
		var err error
		if p, err = e.appendJSONString(b, p); err != nil {
			return err
		}
		kEnd := e.pos()
		key := e.buf[e.d+k0 : e.d+kEnd]
		isBody := !haveBody && string(key) == "_body"
		isName := e.name < 0 && string(key) == "Event-Name"
		p = skipWS(b, p)
		if p >= len(b) || b[p] != ':' {
			return ErrMalformedEvent
		}
		p = skipWS(b, p+1)
		if p >= len(b) {
			return ErrMalformedEvent
		}
		v0 := e.pos()
		switch b[p] {
		case '"':
			p, err = e.appendJSONString(b, p)
		case '[':
			p, err = e.appendJSONArray(b, p)
		default:
			var end int
			end, err = skipJSONValue(b, p)
			if err == nil {
				e.buf = append(e.buf, b[p:end]...)
				p = end
			}
		}
		if err != nil {
			return err
		}
		if isBody {
			e.b0, e.b1 = v0, e.pos()
			haveBody = true
		} else {
			if isName {
				e.name = e.n
			}
			e.addHeader(k0, kEnd, v0, e.pos())
		}
		p = skipWS(b, p)
		if p >= len(b) {
			return ErrMalformedEvent
		}
		switch b[p] {
		case ',':
			p = skipWS(b, p+1)
		case '}':
			return jsonEnd(b, p+1)
		default:
			return ErrMalformedEvent
		}
	}
}

func jsonEnd(b []byte, p int) error {
	if skipWS(b, p) != len(b) {
		return ErrMalformedEvent
	}
	return nil
}

func skipWS(b []byte, p int) int {
	for p < len(b) && (b[p] == ' ' || b[p] == '\n' || b[p] == '\r' || b[p] == '\t') {
		p++
	}
	return p
}

// appendJSONString decodes the string starting at b[p] == '"' and returns
// the offset after its closing quote.
func (e *Event) appendJSONString(b []byte, p int) (int, error) {
	p++
	for {
		q := bytes.IndexByte(b[p:], '"')
		if q < 0 {
			return 0, ErrMalformedEvent
		}
		seg := b[p : p+q]
		bs := bytes.IndexByte(seg, '\\')
		if bs < 0 {
			e.buf = append(e.buf, seg...)
			return p + q + 1, nil
		}
		e.buf = append(e.buf, seg[:bs]...)
		p += bs // at '\'
		if p+1 >= len(b) {
			return 0, ErrMalformedEvent
		}
		c := b[p+1]
		p += 2
		switch c {
		case '"', '\\', '/':
			e.buf = append(e.buf, c)
		case 'b':
			e.buf = append(e.buf, '\b')
		case 'f':
			e.buf = append(e.buf, '\f')
		case 'n':
			e.buf = append(e.buf, '\n')
		case 'r':
			e.buf = append(e.buf, '\r')
		case 't':
			e.buf = append(e.buf, '\t')
		case 'u':
			r, ok := hex4(b, p)
			if !ok {
				return 0, ErrMalformedEvent
			}
			p += 4
			if utf16IsHigh(r) {
				if r2, ok := hex4(b, p+2); ok && p+1 < len(b) && b[p] == '\\' && b[p+1] == 'u' && utf16IsLow(r2) {
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					p += 6
				} else {
					r = utf8.RuneError
				}
			} else if utf16IsLow(r) {
				r = utf8.RuneError
			}
			e.buf = utf8.AppendRune(e.buf, r)
		default:
			return 0, ErrMalformedEvent
		}
	}
}

func utf16IsHigh(r rune) bool { return r >= 0xD800 && r < 0xDC00 }
func utf16IsLow(r rune) bool  { return r >= 0xDC00 && r < 0xE000 }

func hex4(b []byte, p int) (rune, bool) {
	if p < 0 || p+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[p : p+4] {
		v := unhexTab[c]
		if v > 15 {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// appendJSONArray writes an array as "ARRAY::a|:b"; non-string items are
// written as their JSON text.
func (e *Event) appendJSONArray(b []byte, p int) (int, error) {
	e.buf = append(e.buf, "ARRAY::"...)
	p = skipWS(b, p+1)
	if p < len(b) && b[p] == ']' {
		return p + 1, nil
	}
	for i := 0; ; i++ {
		if p >= len(b) {
			return 0, ErrMalformedEvent
		}
		if i > 0 {
			e.buf = append(e.buf, '|', ':')
		}
		var err error
		if b[p] == '"' {
			p, err = e.appendJSONString(b, p)
		} else {
			var end int
			end, err = skipJSONValue(b, p)
			if err == nil {
				e.buf = append(e.buf, b[p:end]...)
				p = end
			}
		}
		if err != nil {
			return 0, err
		}
		p = skipWS(b, p)
		if p >= len(b) {
			return 0, ErrMalformedEvent
		}
		switch b[p] {
		case ',':
			p = skipWS(b, p+1)
		case ']':
			return p + 1, nil
		default:
			return 0, ErrMalformedEvent
		}
	}
}

// skipJSONValue returns the end of the value at b[p] (scalar, object or
// array), checking only brackets and strings.
func skipJSONValue(b []byte, p int) (int, error) {
	depth := 0
	start := p
	for p < len(b) {
		switch c := b[p]; c {
		case '"':
			q := p + 1
			for {
				if q >= len(b) {
					return 0, ErrMalformedEvent
				}
				if b[q] == '\\' {
					q += 2
					continue
				}
				if b[q] == '"' {
					break
				}
				q++
			}
			p = q + 1
			if depth == 0 {
				return p, nil
			}
			continue
		case '{', '[':
			depth++
			if depth > maxJSONDepth {
				return 0, ErrMalformedEvent
			}
		case '}', ']':
			if depth == 0 {
				if p == start {
					return 0, ErrMalformedEvent
				}
				return p, nil
			}
			depth--
			if depth == 0 {
				return p + 1, nil
			}
		case ',', ' ', '\t', '\r', '\n', ':':
			if depth == 0 {
				if p == start {
					return 0, ErrMalformedEvent
				}
				return p, nil
			}
		}
		p++
	}
	if depth == 0 && p > start {
		return p, nil
	}
	return 0, ErrMalformedEvent
}
