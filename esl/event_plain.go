package esl

import "bytes"

// ParseEventPlain parses the body of a text/event-plain frame into a new Event.
func ParseEventPlain(body []byte) (*Event, error) {
	e := new(Event)
	e.parsePlain(body, false)
	return e, nil
}

// parsePlain copies the body once, then walks its "Key: Value\n" lines,
// URL-decoding values in place, up to an empty line; the body follows
// (Content-Length bytes when that header is present, else the rest). It is
// lenient: a line without ':' is a key with an empty value, a short body is
// taken as it is.
func (e *Event) parsePlain(body []byte, reuse bool) {
	e.begin(bytes.Count(body, []byte{'\n'})+1, len(body), reuse, FormatPlain)
	e.buf = append(e.buf, body...)
	t := e.buf[e.d:]
	clen := -1
	p, rest := 0, len(t)
	pct := -1 // position of the next '%' at or after p; len(t) if none
	for p < len(t) {
		end := len(t)
		if i := bytes.IndexByte(t[p:], '\n'); i >= 0 {
			end = p + i
		}
		next := end + 1
		if end > p && t[end-1] == '\r' {
			end--
		}
		if end == p {
			rest = next
			break
		}
		k1 := end
		if c := bytes.IndexByte(t[p:end], ':'); c >= 0 {
			k1 = p + c
		}
		v0 := k1
		if v0 < end {
			v0++
			for v0 < end && t[v0] == ' ' {
				v0++
			}
		}
		v1 := end
		if pct < v0 {
			pct = len(t)
			if j := bytes.IndexByte(t[v0:], '%'); j >= 0 {
				pct = v0 + j
			}
		}
		if pct < v1 {
			v1 = pct + urlDecodeInPlace(t[pct:v1])
			pct = -1
		}
		switch k1 - p {
		case 10:
			if e.name < 0 && string(t[p:k1]) == "Event-Name" {
				e.name = e.n
			}
		case 14:
			if clen < 0 && string(t[p:k1]) == "Content-Length" {
				if n, ok := parseDecimal(t[v0:v1]); ok {
					clen = n
				}
			}
		}
		e.addHeader(p, k1, v0, v1)
		p = next
	}
	if rest > len(t) {
		rest = len(t)
	}
	e.b0, e.b1 = rest, len(t)
	if clen >= 0 && clen < e.b1-e.b0 {
		e.b1 = e.b0 + clen
	}
	e.finish()
}
