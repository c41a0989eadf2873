package quality

import (
	"math"
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
	// and what it sent (rtp_audio_out_*), as switch_core_media.c
	// set_stats() exports them from switch_rtp.c's counters.
	MOS               float64 // rtp_audio_in_mos: FreeSWITCH's MOS from its quality percentage (do_mos)
	QualityPercentage float64 // rtp_audio_in_quality_percentage: 100·(received − flaws)/received (do_mos)
	// JitterMinVariance and JitterMaxVariance are the smallest and largest
	// value the running variance of the packet inter-arrival interval took
	// during the call, in ms² (switch_rtp.c check_jitter(): jitter_addsq /
	// jitter_n over whole-millisecond gaps). A variance, not a jitter.
	JitterMinVariance float64 // ms²: rtp_audio_in_jitter_min_variance
	JitterMaxVariance float64 // ms²: rtp_audio_in_jitter_max_variance
	MeanInterval      float64 // seconds: rtp_audio_in_mean_interval, the mean inter-arrival interval
	PacketsIn         int64   // rtp_audio_in_packet_count
	// SkipPackets counts the filler frames FreeSWITCH's timed read inserted
	// because no packet was there in time (lost or late): switch_rtp.c
	// rtp_common_read() increments skip_packet_count on each CNG frame it
	// makes up. Not a count of packets missing by sequence number.
	SkipPackets int64 // rtp_audio_in_skip_packet_count
	BytesIn     int64 // rtp_audio_in_media_bytes
	FlawTotal   int64 // rtp_audio_in_flaw_total: sequence gaps + consecutive-flaw penalties + read timeouts
	PacketsOut  int64 // rtp_audio_out_packet_count
	BytesOut    int64 // rtp_audio_out_media_bytes

	// Derived.
	// LostIn is the cumulative number of packets lost of the media the leg
	// received, from the last RTCP receiver report FreeSWITCH sent on it
	// (SEND_RTCP_MESSAGE Source-Lost): the same figure the live
	// freeswitch_rtcp_packets_lost_total{stream="received"} adds up. -1
	// without a report.
	LostIn int64
	// LossRatio is the received media's loss: RTCP lost over expected
	// (Stream.LossRatio) where FreeSWITCH sent reports; otherwise
	// SkipPackets / (PacketsIn + SkipPackets), the share of playout slots
	// FreeSWITCH had to fill. LossBasis says which.
	LossRatio   float64
	LossBasis   string  // BasisRTCP, BasisHangupStats or "" (unknown)
	JitterAvg   float64 // seconds: mean RTCP interarrival jitter (RFC 3550) of the received media; Unknown without reports
	RTTAvg      float64 // seconds, mean over the RTCP reports that allowed one
	SentLost    int64   // packets of FreeSWITCH's media the far end reported lost (RTCP)
	RTCPReports int64
	// The E-model's inputs and result. EModelJitter is JitterAvg, or without
	// RTCP reports the standard deviation of the inter-arrival interval,
	// √JitterMaxVariance (the largest FreeSWITCH saw), in seconds.
	EModelJitter float64
	EModelR      float64
	EModelMOS    float64
}

// Where a record's loss ratio comes from.
const (
	BasisRTCP        = "rtcp"         // FreeSWITCH's RTCP receiver reports on the leg
	BasisHangupStats = "hangup_stats" // FreeSWITCH's rtp_audio_in_* counters at hangup (no reports)
)

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
	maxJitterVarMs2  = 1e8 // (10 s)²
	maxIntervalMs    = 60_000
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
	r.JitterMinVariance = fl("variable_rtp_audio_in_jitter_min_variance", FieldJitter, 0, maxJitterVarMs2, 1)
	r.JitterMaxVariance = fl("variable_rtp_audio_in_jitter_max_variance", FieldJitter, 0, maxJitterVarMs2, 1)
	if Known(r.JitterMinVariance) && Known(r.JitterMaxVariance) && r.JitterMinVariance > r.JitterMaxVariance {
		bad(FieldJitter)
		r.JitterMinVariance, r.JitterMaxVariance = Unknown, Unknown
	}
	r.MeanInterval = fl("variable_rtp_audio_in_mean_interval", FieldJitter, 0, maxIntervalMs, 1e-3)
	r.PacketsIn = in64("variable_rtp_audio_in_packet_count", FieldPackets, maxPackets)
	r.SkipPackets = in64("variable_rtp_audio_in_skip_packet_count", FieldPackets, maxPackets)
	r.BytesIn = in64("variable_rtp_audio_in_media_bytes", FieldBytes, maxBytes)
	r.FlawTotal = in64("variable_rtp_audio_in_flaw_total", FieldPackets, maxPackets)
	r.PacketsOut = in64("variable_rtp_audio_out_packet_count", FieldPackets, maxPackets)
	r.BytesOut = in64("variable_rtp_audio_out_media_bytes", FieldBytes, maxBytes)

	r.JitterAvg, r.LossRatio, r.LostIn = Unknown, Unknown, -1
	if l.Received.Reports > 0 {
		if l.Received.JitN > 0 {
			r.JitterAvg = l.Received.JitSum / float64(l.Received.JitN)
		}
		r.LostIn = max(l.Received.Lost, 0)
		r.LossRatio, _ = l.Received.LossRatio()
		r.LossBasis = BasisRTCP
	} else if r.PacketsIn >= 0 && r.SkipPackets >= 0 && r.PacketsIn+r.SkipPackets > 0 {
		r.LossRatio = float64(r.SkipPackets) / float64(r.PacketsIn+r.SkipPackets)
		r.LossBasis = BasisHangupStats
	}
	r.EModelJitter = r.JitterAvg
	if !Known(r.EModelJitter) && Known(r.JitterMaxVariance) {
		r.EModelJitter = math.Sqrt(r.JitterMaxVariance) / 1000
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
	r.EModelR, r.EModelMOS = EModel(EModelInput{Codec: r.Codec, LossRatio: r.LossRatio, Jitter: r.EModelJitter, RTT: r.RTTAvg})
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
	f("jitter_min_variance_ms2", r.JitterMinVariance)
	f("jitter_max_variance_ms2", r.JitterMaxVariance)
	f("mean_interval_seconds", r.MeanInterval)
	f("jitter_avg_seconds", r.JitterAvg)
	i("packets_in", r.PacketsIn)
	i("packets_lost_in", r.LostIn)
	i("skip_packets_in", r.SkipPackets)
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
	s("loss_basis", r.LossBasis)
	f("rtt_avg_seconds", r.RTTAvg)
	i("packets_lost_out", r.SentLost)
	i("rtcp_reports", r.RTCPReports)
	f("emodel_jitter_seconds", r.EModelJitter)
	f("emodel_r", r.EModelR)
	f("emodel_mos", r.EModelMOS)
	return out
}
