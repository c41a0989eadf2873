package quality

import (
	"strconv"
	"strings"
)

// Record is the end-of-call QoS of one leg, built at CHANNEL_HANGUP_COMPLETE
// from FreeSWITCH's variable_rtp_audio_* figures and the leg's RTCP history.
// Float figures that are not known are Unknown (NaN); integer ones are -1.
type Record struct {
	ID            string // Instance + "/" + ChannelID + "/" + hangup time in unix µs: stable across agents and retries
	Instance      string
	ChannelID     string
	CorrelationID string
	CallUUID      string
	Domain        string
	Direction     string
	Codec         string
	LocalMediaIP  string // seed 001's src_ip
	RemoteMediaIP string // seed 001's dst_ip
	HangupCause   string

	Created, Answered, Hungup int64   // unix µs; 0 unknown
	Duration, BillSec         float64 // seconds (Hungup − Created, Hungup − Answered)

	// FreeSWITCH's own figures on the media it received (rtp_audio_in_*),
	// and what it sent (rtp_audio_out_*).
	MOS               float64 // rtp_audio_in_mos
	QualityPercentage float64 // rtp_audio_in_quality_percentage
	JitterMin         float64 // seconds (rtp_audio_in_jitter_min_variance)
	JitterMax         float64 // seconds (rtp_audio_in_jitter_max_variance)
	PacketsIn         int64   // rtp_audio_in_packet_count
	LostIn            int64   // rtp_audio_in_skip_packet_count: packets missing by sequence number
	BytesIn           int64   // rtp_audio_in_media_bytes
	FlawTotal         int64   // rtp_audio_in_flaw_total
	PacketsOut        int64   // rtp_audio_out_packet_count
	BytesOut          int64   // rtp_audio_out_media_bytes

	// Derived.
	JitterAvg   float64 // seconds: mean RTCP jitter of the received media, else (min+max)/2
	LossRatio   float64 // LostIn / (PacketsIn + LostIn)
	RTTAvg      float64 // seconds, mean over the RTCP reports that allowed one
	SentLost    int64   // packets of FreeSWITCH's media the far end reported lost (RTCP)
	RTCPReports int64
	EModelR     float64
	EModelMOS   float64
}

// Field names a record figure rejected as absurd (see Tracker stats).
const (
	FieldMOS        = "mos"
	FieldQuality    = "quality_percentage"
	FieldJitter     = "jitter"
	FieldPackets    = "packets"
	FieldBytes      = "bytes"
	FieldTimes      = "times"
	FieldHangup     = "hangup_cause"
	FieldRTCPJitter = "rtcp_jitter"
	FieldRTCPRTT    = "rtcp_rtt"
)

// Limits of plausible end-of-call figures.
const (
	maxPackets       = 1e11
	maxBytes         = 1e14
	maxJitterVarMs   = 60_000
	maxHangupCauseSz = 64
)

// BuildRecord builds the record of the leg a CHANNEL_HANGUP_COMPLETE event
// closes. leg is the tracked state (nil when the leg was never seen). It
// returns the fields it found present but absurd; they are left unknown.
// ok is false when the event names no channel.
func BuildRecord(instance string, f Fields, leg *Leg, in *Interner) (r Record, invalid []string, ok bool) {
	u := ExtractLeg(f)
	invalid = append(invalid, u.Invalid...)
	if u.ChannelID == "" {
		return r, invalid, false
	}
	var l Leg
	if leg != nil {
		l = *leg
	}
	l.Apply(&u, in)
	bad := func(field string) { invalid = append(invalid, field) }

	r = Record{
		Instance: instance, ChannelID: l.ChannelID, CorrelationID: l.CorrelationID, CallUUID: l.CallUUID,
		Domain: l.Domain, Direction: l.Direction, Codec: l.Codec,
		LocalMediaIP: l.LocalMediaIP, RemoteMediaIP: l.RemoteMediaIP,
		Created: l.Created, Answered: l.Answered,
	}
	if r.Domain == "" {
		r.Domain = UnknownDomain
	}
	if c, ok := f.Lookup("Hangup-Cause"); ok {
		if r.HangupCause = cleanCause(c); r.HangupCause == "" {
			bad(FieldHangup)
		}
	}
	if r.HangupCause == "" {
		r.HangupCause = cleanCause(get(f, "variable_hangup_cause"))
	}
	r.HangupCause = in.Intern(r.HangupCause) // the event's storage may be reused
	var times []string
	r.Hungup = micros(f, "Caller-Channel-Hangup-Time", &times, FieldTimes)
	if r.Hungup == 0 {
		r.Hungup = micros(f, "variable_end_uepoch", &times, FieldTimes)
	}
	if r.Hungup == 0 {
		r.Hungup = micros(f, "Event-Date-Timestamp", &times, FieldTimes)
	}
	if r.Created == 0 {
		r.Created = micros(f, "variable_start_uepoch", &times, FieldTimes)
	}
	if r.Answered == 0 {
		r.Answered = micros(f, "variable_answer_uepoch", &times, FieldTimes)
	}
	if len(times) > 0 {
		bad(FieldTimes)
	}
	r.Duration, r.BillSec = Unknown, Unknown
	if r.Hungup > 0 && r.Created > 0 {
		if r.Hungup >= r.Created {
			r.Duration = float64(r.Hungup-r.Created) / 1e6
		} else {
			bad(FieldTimes)
		}
	}
	if r.Hungup > 0 && r.Answered > 0 && r.Hungup >= r.Answered {
		r.BillSec = float64(r.Hungup-r.Answered) / 1e6
	}
	r.ID = RecordID(instance, r.ChannelID, r.Hungup)

	fl := func(key, field string, lo, hi, scale float64) float64 {
		v, present := f.Lookup(key)
		if !present || v == "" {
			return Unknown
		}
		x, ok := parseFloat(v, lo, hi)
		if !ok {
			bad(field)
			return Unknown
		}
		return x * scale
	}
	in64 := func(key, field string, hi float64) int64 {
		v, present := f.Lookup(key)
		if !present || v == "" {
			return -1
		}
		x, ok := parseUint(v, uint64(hi))
		if !ok {
			bad(field)
			return -1
		}
		return int64(x)
	}
	r.MOS = Unknown
	if v, present := f.Lookup("variable_rtp_audio_in_mos"); present && v != "" {
		if x, ok := parseFloat(v, 0, 5); ok && x >= 1 {
			r.MOS = x
		} else if !ok || x != 0 { // 0.00: no media, not an error
			bad(FieldMOS)
		}
	}
	r.QualityPercentage = fl("variable_rtp_audio_in_quality_percentage", FieldQuality, 0, 100, 1)
	r.JitterMin = fl("variable_rtp_audio_in_jitter_min_variance", FieldJitter, 0, maxJitterVarMs, 1e-3)
	r.JitterMax = fl("variable_rtp_audio_in_jitter_max_variance", FieldJitter, 0, maxJitterVarMs, 1e-3)
	if Known(r.JitterMin) && Known(r.JitterMax) && r.JitterMin > r.JitterMax {
		bad(FieldJitter)
		r.JitterMin, r.JitterMax = Unknown, Unknown
	}
	r.PacketsIn = in64("variable_rtp_audio_in_packet_count", FieldPackets, maxPackets)
	r.LostIn = in64("variable_rtp_audio_in_skip_packet_count", FieldPackets, maxPackets)
	r.BytesIn = in64("variable_rtp_audio_in_media_bytes", FieldBytes, maxBytes)
	r.FlawTotal = in64("variable_rtp_audio_in_flaw_total", FieldPackets, maxPackets)
	r.PacketsOut = in64("variable_rtp_audio_out_packet_count", FieldPackets, maxPackets)
	r.BytesOut = in64("variable_rtp_audio_out_media_bytes", FieldBytes, maxBytes)

	r.JitterAvg = Unknown
	switch {
	case l.Received.Reports > 0:
		r.JitterAvg = l.Received.JitSum / float64(l.Received.Reports)
	case Known(r.JitterMin) && Known(r.JitterMax):
		r.JitterAvg = (r.JitterMin + r.JitterMax) / 2
	}
	r.LossRatio = Unknown
	if r.PacketsIn >= 0 && r.LostIn >= 0 && r.PacketsIn+r.LostIn > 0 {
		r.LossRatio = float64(r.LostIn) / float64(r.PacketsIn+r.LostIn)
	}
	r.RTTAvg = Unknown
	if l.RTTCount > 0 {
		r.RTTAvg = l.RTTSum / float64(l.RTTCount)
	}
	r.SentLost = -1
	if l.Sent.Init {
		r.SentLost = max(l.Sent.Lost, 0)
	}
	r.RTCPReports = int64(l.Received.Reports) + int64(l.Sent.Reports)
	r.EModelR, r.EModelMOS = EModel(EModelInput{Codec: r.Codec, LossRatio: r.LossRatio, Jitter: r.JitterAvg, RTT: r.RTTAvg})
	return r, invalid, true
}

// RecordID is the stable id of a leg's record: instance, channel and hangup time.
func RecordID(instance, channelID string, hungup int64) string {
	return instance + "/" + channelID + "/" + strconv.FormatInt(hungup, 10)
}

// cleanCause accepts a Q.850 cause name as FreeSWITCH spells them (A–Z, 0–9, _).
func cleanCause(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxHangupCauseSz {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return ""
		}
	}
	return s
}

// FieldKind is the type of a record field.
type FieldKind uint8

// Field kinds.
const (
	KindString FieldKind = iota + 1
	KindInt
	KindFloat
)

// Field is one known figure of a record, named as on OTLP log records.
type Field struct {
	Key   string
	Kind  FieldKind
	Str   string
	Int   int64
	Float float64
}

// Fields lists the record's known fields (unknown ones are left out, so
// nothing unknown is exported as a value).
func (r *Record) Fields() []Field {
	out := make([]Field, 0, 40)
	s := func(k, v string) {
		if v != "" {
			out = append(out, Field{Key: k, Kind: KindString, Str: v})
		}
	}
	i := func(k string, v int64) {
		if v >= 0 {
			out = append(out, Field{Key: k, Kind: KindInt, Int: v})
		}
	}
	t := func(k string, v int64) {
		if v > 0 {
			out = append(out, Field{Key: k, Kind: KindInt, Int: v})
		}
	}
	f := func(k string, v float64) {
		if Known(v) {
			out = append(out, Field{Key: k, Kind: KindFloat, Float: v})
		}
	}
	s("record_id", r.ID)
	s("fs_instance", r.Instance)
	s("channel_id", r.ChannelID)
	s("correlation_id", r.CorrelationID)
	s("call_uuid", r.CallUUID)
	s("domain_name", r.Domain)
	s("direction", r.Direction)
	s("codec_name", r.Codec)
	s("src_ip", r.LocalMediaIP)
	s("dst_ip", r.RemoteMediaIP)
	s("hangup_cause", r.HangupCause)
	t("start_time_unix_us", r.Created)
	t("answer_time_unix_us", r.Answered)
	t("end_time_unix_us", r.Hungup)
	f("duration_seconds", r.Duration)
	f("billsec_seconds", r.BillSec)
	f("mos_score", r.MOS)
	f("quality_percentage", r.QualityPercentage)
	f("jitter_min_seconds", r.JitterMin)
	f("jitter_max_seconds", r.JitterMax)
	f("jitter_avg_seconds", r.JitterAvg)
	i("packets_in", r.PacketsIn)
	i("packets_lost_in", r.LostIn)
	i("bytes_in", r.BytesIn)
	i("flaw_total", r.FlawTotal)
	i("packets_out", r.PacketsOut)
	i("bytes_out", r.BytesOut)
	if r.PacketsIn >= 0 && r.PacketsOut >= 0 {
		i("total_packets", r.PacketsIn+r.PacketsOut)
	}
	if r.BytesIn >= 0 && r.BytesOut >= 0 {
		i("total_bytes", r.BytesIn+r.BytesOut)
	}
	f("loss_ratio", r.LossRatio)
	f("rtt_avg_seconds", r.RTTAvg)
	i("packets_lost_out", r.SentLost)
	i("rtcp_reports", r.RTCPReports)
	f("emodel_r", r.EModelR)
	f("emodel_mos", r.EModelMOS)
	return out
}
