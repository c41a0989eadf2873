package freeswitch

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of the mod_sofia XML replies.
const (
	maxXMLRecords    = 100000 // profiles + gateways + aliases in one reply
	maxXMLFields     = 64     // child elements of one record
	maxXMLFieldBytes = 4096   // text of one field
	maxXMLDepth      = 16
)

// xmlField is one <name>value</name> child of a record.
type xmlField struct{ name, value string }

// xmlRecord is one <profile>, <gateway> or <alias> element and its fields.
type xmlRecord struct {
	kind   string
	fields []xmlField
}

// parseSofiaXML reads a mod_sofia XML reply made of records (elements whose
// children are simple text fields), either wrapped in a root element
// (<profiles>…</profiles>, <gateways>…</gateways>) or as a single root record
// when the root's name is in single (<gateway>…</gateway>). Elements nested
// deeper than fields are skipped. Text is whitespace-trimmed.
//
// mod_sofia declares ISO-8859-1 but writes whatever bytes its configuration
// holds, in practice UTF-8: valid UTF-8 is passed through as is, anything else
// is read as Latin-1.
func parseSofiaXML(what string, body []byte, single ...string) (root string, recs []xmlRecord, err error) {
	if len(body) > MaxReplyBytes {
		return "", nil, fmt.Errorf("%s: reply of %d bytes is over the limit", what, len(body))
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '<' {
		return "", nil, garbage(what, body)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	valid := utf8.Valid(body)
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "utf-8", "utf8":
		default:
			return nil, fmt.Errorf("unsupported charset %q", clip(charset, 40))
		}
		if valid {
			return r, nil
		}
		return &latin1Reader{r: r}, nil
	}
	var (
		depth    int
		recDepth = 2
		cur      *xmlRecord
		field    string
		text     []byte
		open     [maxXMLDepth + 1]string // element names by depth: RawToken does not match them
	)
	for {
		// RawToken copies less than Token; it skips namespace handling (mod_sofia
		// uses none) and start/end matching, done here with open.
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", what, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return "", nil, fmt.Errorf("%s: elements nested deeper than %d", what, maxXMLDepth)
			}
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			open[depth] = name
			switch {
			case depth == 1:
				if root != "" {
					return "", nil, fmt.Errorf("%s: second root element <%s>", what, clip(name, 40))
				}
				root = name
				for _, s := range single {
					if name == s {
						recDepth = 1
					}
				}
				if recDepth == 1 {
					recs = append(recs, xmlRecord{kind: name})
					cur = &recs[0]
				}
			case depth == recDepth:
				if len(recs) >= maxXMLRecords {
					return "", nil, fmt.Errorf("%s: more than %d records", what, maxXMLRecords)
				}
				recs = append(recs, xmlRecord{kind: name})
				cur = &recs[len(recs)-1]
			case depth == recDepth+1 && cur != nil:
				if len(cur.fields) >= maxXMLFields {
					return "", nil, fmt.Errorf("%s: <%s> has more than %d fields", what, cur.kind, maxXMLFields)
				}
				field, text = name, text[:0]
			}
		case xml.CharData:
			if depth == recDepth+1 && cur != nil {
				if len(text)+len(t) > maxXMLFieldBytes {
					return "", nil, fmt.Errorf("%s: <%s> longer than %d bytes", what, field, maxXMLFieldBytes)
				}
				text = append(text, t...)
			}
		case xml.EndElement:
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			if depth == 0 || open[depth] != name {
				return "", nil, fmt.Errorf("%s: unexpected </%s>", what, clip(name, 40))
			}
			switch {
			case depth == recDepth+1 && cur != nil:
				cur.fields = append(cur.fields, xmlField{field, string(bytes.TrimSpace(text))})
			case depth == recDepth:
				cur = nil
			}
			depth--
		}
	}
	if root == "" {
		return "", nil, garbage(what, body)
	}
	if depth != 0 {
		return "", nil, fmt.Errorf("%s: %w", what, io.ErrUnexpectedEOF)
	}
	return root, recs, nil
}

// get returns the value of the first field called name.
func (r *xmlRecord) get(name string) string {
	for _, f := range r.fields {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// latin1Reader converts ISO-8859-1 bytes to UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf [512]byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	// Each input byte becomes at most 2 output bytes: read at most len(p)/2.
	if len(p) < 2 {
		return 0, errors.New("latin1: short buffer")
	}
	n := len(p) / 2
	if n > len(l.buf) {
		n = len(l.buf)
	}
	m, err := l.r.Read(l.buf[:n])
	w := 0
	for _, c := range l.buf[:m] {
		if c < utf8.RuneSelf {
			p[w] = c
			w++
		} else {
			w += utf8.EncodeRune(p[w:], rune(c))
		}
	}
	return w, err
}
