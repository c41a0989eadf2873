package freeswitch

import (
	"strconv"
	"strings"
	"sync"
)

// eventNames is FreeSWITCH's EVENT_NAMES table (switch_event.c); the index is the event id.
var eventNames = [...]string{
	"CUSTOM", "CLONE", "CHANNEL_CREATE", "CHANNEL_DESTROY", "CHANNEL_STATE", "CHANNEL_CALLSTATE",
	"CHANNEL_ANSWER", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_EXECUTE",
	"CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HOLD", "CHANNEL_UNHOLD", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE",
	"CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_OUTGOING", "CHANNEL_PARK", "CHANNEL_UNPARK",
	"CHANNEL_APPLICATION", "CHANNEL_ORIGINATE", "CHANNEL_UUID", "API", "LOG", "INBOUND_CHAN",
	"OUTBOUND_CHAN", "STARTUP", "SHUTDOWN", "PUBLISH", "UNPUBLISH", "TALK", "NOTALK", "SESSION_CRASH",
	"MODULE_LOAD", "MODULE_UNLOAD", "DTMF", "MESSAGE", "PRESENCE_IN", "NOTIFY_IN", "PRESENCE_OUT",
	"PRESENCE_PROBE", "MESSAGE_WAITING", "MESSAGE_QUERY", "ROSTER", "CODEC", "BACKGROUND_JOB",
	"DETECTED_SPEECH", "DETECTED_TONE", "PRIVATE_COMMAND", "HEARTBEAT", "TRAP", "ADD_SCHEDULE",
	"DEL_SCHEDULE", "EXE_SCHEDULE", "RE_SCHEDULE", "RELOADXML", "NOTIFY", "PHONE_FEATURE",
	"PHONE_FEATURE_SUBSCRIBE", "SEND_MESSAGE", "RECV_MESSAGE", "REQUEST_PARAMS", "CHANNEL_DATA",
	"GENERAL", "COMMAND", "SESSION_HEARTBEAT", "CLIENT_DISCONNECTED", "SERVER_DISCONNECTED",
	"SEND_INFO", "RECV_INFO", "RECV_RTCP_MESSAGE", "SEND_RTCP_MESSAGE", "CALL_SECURE", "NAT",
	"RECORD_START", "RECORD_STOP", "PLAYBACK_START", "PLAYBACK_STOP", "CALL_UPDATE", "FAILURE",
	"SOCKET_DATA", "MEDIA_BUG_START", "MEDIA_BUG_STOP", "CONFERENCE_DATA_QUERY", "CONFERENCE_DATA",
	"CALL_SETUP_REQ", "CALL_SETUP_RESULT", "CALL_DETAIL", "DEVICE_STATE", "TEXT",
	"SHUTDOWN_REQUESTED", "CERT_RELOAD", "ALL",
}

const (
	evCustom = 0
	evAll    = len(eventNames) - 1
)

// eventID mirrors switch_name_event: case-insensitive, optionally prefixed "SWITCH_EVENT_".
func eventID(name string) (int, bool) {
	for i, n := range eventNames {
		if strings.EqualFold(name, n) || (len(name) > 13 && strings.EqualFold(name[13:], n)) {
			return i, true
		}
	}
	return 0, false
}

// channelEventIDs are the events `myevents` subscribes to.
var channelEventIDs = []string{
	"CHANNEL_ANSWER", "CHANNEL_APPLICATION", "CHANNEL_BRIDGE", "CHANNEL_CREATE", "CHANNEL_DATA",
	"CHANNEL_DESTROY", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP",
	"CHANNEL_HANGUP_COMPLETE", "CHANNEL_ORIGINATE", "CHANNEL_UUID", "CHANNEL_OUTGOING", "CHANNEL_PARK",
	"CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_STATE", "CHANNEL_UNBRIDGE",
	"CHANNEL_UNPARK", "DETECTED_SPEECH", "DTMF", "NOTALK", "TALK",
}

type header struct{ name, value string }

// event is a FreeSWITCH event: ordered (possibly repeated) headers and an optional body.
type event struct {
	id       int
	subclass string
	headers  []header
	body     string
	hasBody  bool

	once   [3]sync.Once
	frames [3][]byte
}

func (e *event) add(name, value string) { e.headers = append(e.headers, header{name, value}) }

// get returns the first header of that name (case-insensitive), as switch_event_get_header.
func (e *event) get(name string) (string, bool) {
	for _, h := range e.headers {
		if strings.EqualFold(h.name, name) {
			return h.value, true
		}
	}
	return "", false
}

func (e *event) set(name, value string) {
	for i := range e.headers {
		if e.headers[i].name == name {
			e.headers[i].value = value
			return
		}
	}
	e.add(name, value)
}

func (e *event) setBody(b string) { e.body, e.hasBody = b, true }

// isUnsafe mirrors switch_url_encode_opt: control bytes, bytes above '~' (negative chars in C)
// and SWITCH_URL_UNSAFE are escaped.
func isUnsafe(c byte) bool {
	if c < ' ' || c > '~' {
		return true
	}
	return strings.IndexByte("\r\n #%&+:;<=>?@[\\]^`{|}\"", c) >= 0
}

func isUpperHex(c byte) bool { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') }

// urlEncode is switch_url_encode (double_encode false): "%XX" with upper-case hex digits
// already in the value is kept as is.
func urlEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && len(s)-i > 2 && isUpperHex(s[i+1]) && isUpperHex(s[i+2]) {
			b.WriteByte(c)
			continue
		}
		if isUnsafe(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// urlDecode is switch_url_decode.
func urlDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && len(s)-i > 2 {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// serializePlain is switch_event_serialize.
func (e *event) serializePlain(encode bool) []byte {
	var b strings.Builder
	for _, h := range e.headers {
		v := h.value
		if encode {
			v = urlEncode(v)
		} else {
			v = "[" + v + "]"
		}
		if v == "" {
			v = "_undef_"
		}
		b.WriteString(h.name)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	if e.hasBody && e.body != "" {
		b.WriteString("Content-Length: ")
		b.WriteString(strconv.Itoa(len(e.body)))
		b.WriteString("\n\n")
		b.WriteString(e.body)
	} else {
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// jsonString escapes like cJSON's print_string_ptr.
func jsonString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 32 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

// serializeJSON is switch_event_serialize_json (cJSON_PrintUnformatted).
func (e *event) serializeJSON() []byte {
	var b strings.Builder
	b.WriteByte('{')
	for i, h := range e.headers {
		if i > 0 {
			b.WriteByte(',')
		}
		jsonString(&b, h.name)
		b.WriteByte(':')
		jsonString(&b, h.value)
	}
	if e.hasBody {
		if len(e.headers) > 0 {
			b.WriteByte(',')
		}
		jsonString(&b, "Content-Length")
		b.WriteByte(':')
		jsonString(&b, strconv.Itoa(len(e.body)))
		b.WriteByte(',')
		jsonString(&b, "_body")
		b.WriteByte(':')
		jsonString(&b, e.body)
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// xmlText is switch_xml_ampencode for element text (a == 0).
func xmlText(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			if i+1 < len(s) && s[i+1] == '!' { // switch_xml's "immune" section
				b.WriteString(s[i:])
				return
			}
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteByte(c)
		}
	}
}

// serializeXML is switch_event_xmlize + switch_xml_toxml.
func (e *event) serializeXML() []byte {
	var b strings.Builder
	b.WriteString("<event>\n  <headers>\n")
	for _, h := range e.headers {
		b.WriteString("    <")
		b.WriteString(h.name)
		b.WriteByte('>')
		xmlText(&b, urlEncode(h.value))
		b.WriteString("</")
		b.WriteString(h.name)
		b.WriteString(">\n")
	}
	b.WriteString("  </headers>\n")
	if e.hasBody && e.body != "" {
		b.WriteString("  <Content-Length>")
		b.WriteString(strconv.Itoa(len(e.body)))
		b.WriteString("</Content-Length>\n  <body>")
		xmlText(&b, e.body)
		if strings.HasSuffix(e.body, "\n") {
			b.WriteString("  ")
		}
		b.WriteString("</body>\n")
	}
	b.WriteString("</event>\n")
	return []byte(b.String())
}

const (
	fmtPlain = iota
	fmtJSON
	fmtXML
)

var formatNames = [...]string{"plain", "json", "xml"}

// frame returns the complete ESL frame of the event in the given format (cached).
func (e *event) frame(format int) []byte {
	e.once[format].Do(func() {
		var body []byte
		switch format {
		case fmtJSON:
			body = e.serializeJSON()
		case fmtXML:
			body = e.serializeXML()
		default:
			body = e.serializePlain(true)
		}
		e.frames[format] = append([]byte("Content-Length: "+strconv.Itoa(len(body))+"\nContent-Type: text/event-"+formatNames[format]+"\n\n"), body...)
	})
	return e.frames[format]
}

// parsePlainEvent parses a text/event-plain body (URL-encoded headers, optional
// Content-Length body) into an Event.
func parsePlainEvent(data string) *event {
	e := &event{}
	for len(data) > 0 {
		nl := strings.IndexByte(data, '\n')
		if nl < 0 {
			nl = len(data)
		}
		line := data[:nl]
		rest := ""
		if nl < len(data) {
			rest = data[nl+1:]
		}
		if line == "" {
			break
		}
		name, val, _ := strings.Cut(line, ": ")
		if name == "Content-Length" && strings.HasPrefix(rest, "\n") {
			if n, err := strconv.Atoi(val); err == nil && len(rest)-1 >= n {
				e.setBody(rest[1 : 1+n])
				break
			}
		}
		if val == "_undef_" {
			val = ""
		}
		e.add(name, urlDecode(val))
		data = rest
	}
	if n, ok := e.get("Event-Name"); ok {
		e.id, _ = eventID(n)
	}
	e.subclass, _ = e.get("Event-Subclass")
	return e
}

// parseFrame splits an ESL frame into its outer headers and body.
func parseFrame(frame string) (hdrs map[string]string, body string) {
	hdrs = map[string]string{}
	head, rest, _ := strings.Cut(frame, "\n\n")
	for _, l := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(l, ": ")
		hdrs[k] = v
	}
	if n, err := strconv.Atoi(hdrs["Content-Length"]); err == nil && n <= len(rest) {
		rest = rest[:n]
	}
	return hdrs, rest
}
