package quality

import "strings"

// Origin says how the tracker came to know a leg.
type Origin uint8

// Origins.
const (
	OriginEvent  Origin = iota + 1 // a CHANNEL_* event of this connection
	OriginResync                   // `show channels` after a (re)connect
	OriginStore                    // loaded from a persistent store (Redis) at start
)

func (o Origin) String() string {
	switch o {
	case OriginEvent:
		return "event"
	case OriginResync:
		return "resync"
	case OriginStore:
		return "store"
	}
	return "unknown"
}

// Leg is the live state of one call leg (one FreeSWITCH channel). It holds
// only values and immutable strings, so a copy is a snapshot.
type Leg struct {
	ChannelID     string // Unique-ID
	CorrelationID string // SIP Call-ID (variable_sip_call_id)
	CallUUID      string // Channel-Call-UUID: the UUID shared by the legs of one call
	Domain        string // DomainHeaders fallback chain, normalized
	Direction     string // "inbound", "outbound" or ""
	Codec         string // e.g. "PCMU"
	LocalMediaIP  string
	RemoteMediaIP string

	Created  int64 // unix µs (Caller-Channel-Created-Time)
	Answered int64 // unix µs, 0 until answered
	Bridged  bool
	Seen     int64 // unix ns of the last event or resync that touched the leg (tracker clock)

	ClockRate uint32 // RTP clock rate, for jitter in seconds
	Origin    Origin

	// Received is FreeSWITCH's own report on the media it receives
	// (SEND_RTCP_MESSAGE); Sent is the far end's report on the media
	// FreeSWITCH sends (RECV_RTCP_MESSAGE).
	Received, Sent Stream

	RTTSum   float64 // seconds, over RTTCount reports
	RTTCount uint32
	RTTLast  float32 // seconds
}

// Direction values.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
)

// normDirection maps FreeSWITCH's Call-Direction to Inbound, Outbound or "".
func normDirection(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case Inbound:
		return Inbound
	case Outbound:
		return Outbound
	}
	return ""
}

// Limits of label-like fields taken from events.
const (
	maxCodecBytes = 32
	maxIPBytes    = 64
)

// LegUpdate is what one CHANNEL_* event says about a leg; empty fields say nothing.
type LegUpdate struct {
	ChannelID, CorrelationID, CallUUID string
	Domain, Direction, Codec           string
	LocalMediaIP, RemoteMediaIP        string
	Created, Answered                  int64 // unix µs, 0 unknown
	CodecRate                          uint32
	Invalid                            []string // fields present but rejected
}

// ExtractLeg reads the leg fields of a channel event (CHANNEL_CREATE,
// CHANNEL_ANSWER, CHANNEL_BRIDGE, CHANNEL_HANGUP_COMPLETE, CHANNEL_DATA…).
// Strings in the result may alias the event's storage: Apply clones them.
// It never fails: what is missing or malformed is left empty (and named in
// Invalid when it was present but malformed).
func ExtractLeg(f Fields) LegUpdate {
	var u LegUpdate
	bad := func(field string) { u.Invalid = append(u.Invalid, field) }
	if v, ok := f.Lookup("Unique-ID"); ok {
		if u.ChannelID = cleanID(v); u.ChannelID == "" {
			bad("channel_id")
		}
	}
	if v, ok := f.Lookup("variable_sip_call_id"); ok && v != "" {
		if u.CorrelationID = cleanID(v); u.CorrelationID == "" {
			bad("correlation_id")
		}
	}
	u.CallUUID = cleanID(get(f, "Channel-Call-UUID"))
	u.Domain = DomainOf(f)
	u.Direction = normDirection(get(f, "Call-Direction"))
	if u.Direction == "" {
		u.Direction = normDirection(get(f, "variable_direction"))
	}
	for _, h := range [...]string{"variable_rtp_use_codec_name", "Channel-Read-Codec-Name", "variable_read_codec"} {
		if c := cleanLabel(get(f, h), maxCodecBytes); c != "" {
			u.Codec = c
			break
		}
	}
	if v, ok := f.Lookup("variable_rtp_use_codec_rate"); ok && v != "" {
		if r, ok := parseUint(v, 1_000_000); ok && r > 0 {
			u.CodecRate = uint32(r)
		} else {
			bad("codec_rate")
		}
	}
	u.LocalMediaIP = cleanIP(get(f, "variable_local_media_ip"))
	u.RemoteMediaIP = cleanIP(get(f, "variable_remote_media_ip"))
	u.Created = micros(f, "Caller-Channel-Created-Time", &u.Invalid, "created")
	u.Answered = micros(f, "Caller-Channel-Answered-Time", &u.Invalid, "answered")
	return u
}

// maxMicros is year 2200 in unix µs: later times are absurd.
const maxMicros = 7_258_118_400_000_000

func micros(f Fields, key string, invalid *[]string, field string) int64 {
	v, ok := f.Lookup(key)
	if !ok || v == "" || v == "0" {
		return 0
	}
	n, ok := parseUint(v, maxMicros)
	if !ok {
		*invalid = append(*invalid, field)
		return 0
	}
	return int64(n)
}

func cleanIP(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxIPBytes {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':' || c == '%' ||
			c >= 'g' && c <= 'z' || c >= 'G' && c <= 'Z' || c == '-') {
			return ""
		}
	}
	return s
}

// Apply merges an update into the leg; in is the interner that clones the
// strings (they may alias a reused event buffer).
func (l *Leg) Apply(u *LegUpdate, in *Interner) {
	if l.ChannelID == "" && u.ChannelID != "" {
		l.ChannelID = strings.Clone(u.ChannelID)
	}
	if u.CorrelationID != "" && u.CorrelationID != l.CorrelationID {
		l.CorrelationID = strings.Clone(u.CorrelationID)
	}
	if u.CallUUID != "" && u.CallUUID != l.CallUUID {
		if u.CallUUID == l.ChannelID {
			l.CallUUID = l.ChannelID
		} else {
			l.CallUUID = strings.Clone(u.CallUUID)
		}
	}
	if u.Domain != "" && u.Domain != l.Domain {
		l.Domain = in.Intern(u.Domain)
	}
	if u.Direction != "" {
		l.Direction = u.Direction // constants
	}
	if u.Codec != "" && u.Codec != l.Codec {
		l.Codec = in.Intern(u.Codec)
		l.ClockRate = 0 // re-derive
	}
	if u.LocalMediaIP != "" && u.LocalMediaIP != l.LocalMediaIP {
		l.LocalMediaIP = in.Intern(u.LocalMediaIP)
	}
	if u.RemoteMediaIP != "" && u.RemoteMediaIP != l.RemoteMediaIP {
		l.RemoteMediaIP = in.Intern(u.RemoteMediaIP)
	}
	if u.Created != 0 {
		l.Created = u.Created
	}
	if u.Answered != 0 {
		l.Answered = u.Answered
	}
	if l.ClockRate == 0 {
		l.ClockRate = ClockRate(l.Codec, u.CodecRate)
	}
}

// ClockRate returns the RTP clock rate of a codec: RFC 3551's for the static
// payload types (G.722 runs an 8 kHz RTP clock although it samples at 16
// kHz), 48 kHz for Opus (RFC 7587), else the codec rate FreeSWITCH reports,
// else 8000.
func ClockRate(codec string, codecRate uint32) uint32 {
	switch strings.ToUpper(codec) {
	case "PCMU", "PCMA", "G722", "G729", "G729A", "G723", "GSM", "G726-32", "G728", "ILBC", "AMR", "LPC", "DVI4":
		return 8000
	case "OPUS":
		return 48000
	}
	if codecRate > 0 {
		return codecRate
	}
	return 8000
}

// Interner shares the storage of repeated strings (domains, codecs, media
// IPs). It holds at most max strings; past that it only clones.
type Interner struct {
	m   map[string]string
	max int
}

// NewInterner returns an interner of at most max strings.
func NewInterner(max int) *Interner { return &Interner{m: make(map[string]string), max: max} }

// Intern returns a string equal to s that does not alias s's storage.
func (in *Interner) Intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in.m[s]; ok {
		return v
	}
	c := strings.Clone(s)
	if len(in.m) < in.max {
		in.m[c] = c
	}
	return c
}
