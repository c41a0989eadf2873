package esl

import (
	"bytes"
	"unicode/utf8"
)

// ParseEventXML parses the body of a text/event-xml frame into a new Event.
func ParseEventXML(body []byte) (*Event, error) {
	e := new(Event)
	if err := e.parseXML(body, false); err != nil {
		return nil, err
	}
	return e, nil
}

// parseXML reads FreeSWITCH's event XML: <event><headers><Name>value</Name>…
// </headers><body>…</body></event>. Values are XML-unescaped, then
// URL-decoded (FreeSWITCH URL-encodes header values here as in plain); the
// body is XML-unescaped only. Only this flat shape is understood.
func (e *Event) parseXML(body []byte, reuse bool) error {
	e.begin(bytes.Count(body, []byte{'<'})/2+1, len(body), reuse, FormatXML)
	err := e.xmlHeaders(body)
	if err != nil {
		e.begin(1, 0, true, FormatXML)
	}
	e.finish()
	return err
}

var (
	xmlHeadersOpen  = []byte("<headers>")
	xmlHeadersClose = []byte("</headers>")
	xmlBodyOpen     = []byte("<body>")
	xmlBodyClose    = []byte("</body>")
)

func (e *Event) xmlHeaders(b []byte) error {
	h := bytes.Index(b, xmlHeadersOpen)
	if h < 0 {
		return ErrMalformedEvent
	}
	p := h + len(xmlHeadersOpen)
	for {
		p = skipWS(b, p)
		if p >= len(b) || b[p] != '<' {
			return ErrMalformedEvent
		}
		if bytes.HasPrefix(b[p:], xmlHeadersClose) {
			p += len(xmlHeadersClose)
			break
		}
		gt := bytes.IndexByte(b[p:], '>')
		if gt < 0 {
			return ErrMalformedEvent
		}
		name := b[p+1 : p+gt]
		p += gt + 1
		var text []byte
		if n := len(name); n > 0 && name[n-1] == '/' { // <Name/>
			name = bytes.TrimRight(name[:n-1], " ")
		} else {
			lt := bytes.IndexByte(b[p:], '<')
			if lt < 0 {
				return ErrMalformedEvent
			}
			text = b[p : p+lt]
			p += lt
			// expect </name>
			if p+2+len(name)+1 > len(b) || b[p+1] != '/' || !bytes.Equal(b[p+2:p+2+len(name)], name) || b[p+2+len(name)] != '>' {
				return ErrMalformedEvent
			}
			p += 3 + len(name)
		}
		if len(name) == 0 || name[0] == '/' || bytes.IndexByte(name, ' ') >= 0 {
			return ErrMalformedEvent
		}
		k0 := e.pos()
		e.buf = append(e.buf, name...)
		kEnd := e.pos()
		v := len(e.buf)
		e.buf = appendXMLUnescaped(e.buf, text)
		e.buf = e.buf[:v+urlDecodeInPlace(e.buf[v:])]
		if e.name < 0 && string(name) == "Event-Name" {
			e.name = e.n
		}
		e.addHeader(k0, kEnd, kEnd, e.pos())
	}
	if i := bytes.Index(b[p:], xmlBodyOpen); i >= 0 {
		s := p + i + len(xmlBodyOpen)
		if j := bytes.Index(b[s:], xmlBodyClose); j >= 0 {
			e.b0 = e.pos()
			e.buf = appendXMLUnescaped(e.buf, b[s:s+j])
			e.b1 = e.pos()
		}
	}
	return nil
}

// appendXMLUnescaped decodes the five named entities and numeric character
// references; anything else is copied as is.
func appendXMLUnescaped(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, '&')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		semi := bytes.IndexByte(src, ';')
		if semi < 2 || semi > 10 {
			dst = append(dst, '&')
			src = src[1:]
			continue
		}
		ent := src[1:semi]
		var r rune = -1
		switch string(ent) {
		case "amp":
			r = '&'
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "quot":
			r = '"'
		case "apos":
			r = '\''
		default:
			if ent[0] == '#' {
				r = parseCharRef(ent[1:])
			}
		}
		if r < 0 || utf8.RuneLen(r) > semi+1 {
			dst = append(dst, '&')
			src = src[1:]
			continue
		}
		dst = utf8.AppendRune(dst, r)
		src = src[semi+1:]
	}
}

func parseCharRef(s []byte) rune {
	base := rune(10)
	if len(s) > 0 && (s[0] == 'x' || s[0] == 'X') {
		base, s = 16, s[1:]
	}
	if len(s) == 0 || len(s) > 6 {
		return -1
	}
	var r rune
	for _, c := range s {
		v := rune(unhexTab[c])
		if v >= base {
			return -1
		}
		r = r*base + v
	}
	if !utf8.ValidRune(r) {
		return -1
	}
	return r
}
