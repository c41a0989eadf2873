package quality

import (
	"time"
)

// StreamKind names which RTP stream a report describes.
type StreamKind uint8

// Stream kinds.
const (
	// StreamReceived: the media FreeSWITCH receives, as FreeSWITCH reports
	// it in its own receiver report (SEND_RTCP_MESSAGE).
	StreamReceived StreamKind = iota + 1
	// StreamSent: the media FreeSWITCH sends, as the far end reports it
	// (RECV_RTCP_MESSAGE).
	StreamSent
)

func (k StreamKind) String() string {
	switch k {
	case StreamReceived:
		return "received"
	case StreamSent:
		return "sent"
	}
	return "unknown"
}

// Block is one RTCP report block (RFC 3550 §6.4.1) as FreeSWITCH prints it.
type Block struct {
	SSRC     uint32 // source being reported on; 0 when FreeSWITCH prints 00000000
	Fraction uint8  // fraction lost since the previous report, ×256
	Lost     uint32 // cumulative packets lost, 24-bit two's complement
	HighSeq  uint32 // extended highest sequence number received
	Jitter   uint32 // interarrival jitter, RTP timestamp units
	LSR      uint32 // middle 32 bits of the NTP time of the last SR received
	DLSR     uint32 // delay since that SR, 1/65536 s
}

// Report is one RECV_RTCP_MESSAGE or SEND_RTCP_MESSAGE.
type Report struct {
	Kind      StreamKind
	ChannelID string
	Block     Block
	ClockRate uint32  // RTP-Rate (RECV only), 0 unknown
	Capture   int64   // Capture-Time, unix µs, 0 unknown
	FSRTT     float64 // Rtt0-Avg, seconds; Unknown when absent or 0
}

// Report parsing outcomes that are not a report.
const (
	RejectMissingID    = "missing_unique_id"
	RejectNoBlock      = "no_report_block"
	RejectInvalidBlock = "invalid_report_block"
)

type blockKeys struct {
	ssrc, fraction, lost, high, jitter, lsr, dlsr string
}

var (
	recvKeys = blockKeys{"Source0-SSRC", "Source0-Fraction", "Source0-Lost", "Source0-Highest-Sequence-Number-Received", "Source0-Jitter", "Source0-LSR", "Source0-DLSR"}
	sendKeys = blockKeys{"Source-SSRC", "Source-Fraction", "Source-Lost", "Source-Highest-Sequence-Number-Received", "Source-Jitter", "Source-LSR", "Source-DLSR"}
)

// ParseReport reads an RTCP event. kind is StreamSent for RECV_RTCP_MESSAGE
// and StreamReceived for SEND_RTCP_MESSAGE. On failure it returns one of the
// Reject* reasons. ChannelID aliases the event's storage.
func ParseReport(f Fields, kind StreamKind) (Report, string) {
	r := Report{Kind: kind, FSRTT: Unknown}
	r.ChannelID = cleanID(get(f, "Unique-ID"))
	if r.ChannelID == "" {
		return r, RejectMissingID
	}
	k := &sendKeys
	if kind == StreamSent {
		k = &recvKeys
	}
	ssrc, ok := f.Lookup(k.ssrc)
	if !ok {
		return r, RejectNoBlock
	}
	var b Block
	var okAll bool
	b.SSRC, okAll = parseHex32(ssrc)
	u := func(key string, max uint64) uint32 {
		v, ok := parseUint(get(f, key), max)
		if !ok {
			okAll = false
		}
		return uint32(v)
	}
	b.Fraction = uint8(u(k.fraction, 255))
	b.Lost = u(k.lost, 0xFFFFFF)
	b.HighSeq = u(k.high, 0xFFFFFFFF)
	b.Jitter = u(k.jitter, 0xFFFFFFFF)
	b.LSR = u(k.lsr, 0xFFFFFFFF)
	b.DLSR = u(k.dlsr, 0xFFFFFFFF)
	if !okAll {
		return r, RejectInvalidBlock
	}
	r.Block = b
	if v, ok := parseUint(get(f, "RTP-Rate"), 1_000_000); ok && v > 0 {
		r.ClockRate = uint32(v)
	}
	if v, ok := parseUint(get(f, "Capture-Time"), maxMicros); ok {
		r.Capture = int64(v)
	}
	if v, ok := parseFloat(get(f, "Rtt0-Avg"), 0, MaxRTT); ok && v > 0 {
		r.FSRTT = v
	}
	return r, ""
}

// Limits beyond which a figure is absurd and dropped.
const (
	MaxJitter = 10.0 // seconds
	MaxRTT    = 10.0 // seconds
)

// ntpEpochOffset is the number of seconds from 1900-01-01 to 1970-01-01.
const ntpEpochOffset = 2208988800

// NTPShort returns the middle 32 bits of the 64-bit NTP timestamp of t (unix
// µs): the format of LSR and of the arrival time A in RFC 3550 §6.4.1.
func NTPShort(us int64) uint32 {
	sec := uint64(us/1_000_000) + ntpEpochOffset
	frac := uint64(us%1_000_000) << 32 / 1_000_000
	return uint32(sec&0xFFFF)<<16 | uint32(frac>>16)
}

// RTT computes the round-trip time of a report block received at arrival
// (unix µs) per RFC 3550 §6.4.1: A − LSR − DLSR in 1/65536 s. ok is false
// when the block has no LSR (no SR received yet) or the result is absurd
// (more than 2 ms negative, or over MaxRTT); a slightly negative result from
// clock rounding counts as 0.
func RTT(arrival int64, lsr, dlsr uint32) (float64, bool) {
	if lsr == 0 || arrival <= 0 {
		return 0, false
	}
	d := int32(NTPShort(arrival) - lsr - dlsr)
	rtt := float64(d) / 65536
	switch {
	case rtt < -0.002 || rtt > MaxRTT:
		return 0, false
	case rtt < 0:
		rtt = 0
	}
	return rtt, true
}

// ReportRTT is the report's round-trip time: FreeSWITCH's own (Rtt0-Avg:
// A − LSR − DLSR taken when the packet arrived, smoothed) when it gives one,
// else ours from LSR and DLSR with Capture-Time as the arrival time.
func (r *Report) ReportRTT() (float64, bool) {
	if Known(r.FSRTT) {
		return r.FSRTT, true
	}
	return RTT(r.Capture, r.Block.LSR, r.Block.DLSR)
}

// Stream is the per-SSRC delta state of one reported RTP stream.
type Stream struct {
	SSRC     uint32 // source SSRC (0 until a report names one)
	RawLost  uint32 // last cumulative lost as reported (24 bits)
	HighSeq  uint32 // extended highest sequence number of the last accepted report
	Lost     int64  // cumulative lost, unwrapped
	Counted  int64  // high-water mark of Lost already handed out as increments
	Reports  uint32 // accepted reports
	Jitter   float32
	JitSum   float64 // seconds, sum over the JitN reports with a plausible jitter (for the call's mean)
	JitN     uint32
	Fraction float32 // last fraction lost, 0–1
	Init     bool
	// BaseSeq and BaseLost are HighSeq and Lost of the first report since
	// the stream was (re)started: the span the call's loss ratio covers.
	BaseSeq  uint32
	BaseLost int64
}

// LossRatio is the share of the packets expected that were lost, by RFC 3550
// §6.4.1's own counters: (cumulative lost of the last report − of the first)
// over (extended highest sequence number of the last report − of the first).
// The reports do not carry the stream's first sequence number, so the span
// starts at the first report (a few seconds into the call); with a single
// report it is that report's fraction lost. ok is false without a report.
func (s *Stream) LossRatio() (ratio float64, ok bool) {
	if !s.Init || s.Reports == 0 {
		return Unknown, false
	}
	expected := int64(s.HighSeq - s.BaseSeq)
	if s.Reports < 2 || expected <= 0 {
		return float64(s.Fraction), true
	}
	return min(max(float64(s.Lost-s.BaseLost)/float64(expected), 0), 1), true
}

// Update outcomes.
type UpdateResult uint8

// Outcomes of Stream.Update.
const (
	UpdateAccepted  UpdateResult = iota + 1
	UpdateFirst                  // first report of the stream
	UpdateReset                  // new SSRC or a sequence jump: counting restarted
	UpdateDuplicate              // same report again: ignored
	UpdateStale                  // older than the last accepted one (reordered): ignored
	UpdateAbsurd                 // loss larger than the packets expected: rebaselined, not counted
)

func (u UpdateResult) String() string {
	return [...]string{"", "accepted", "first", "reset", "duplicate", "stale", "absurd"}[u]
}

// maxReorder is how far back (in packets) a report may be and still count as
// reordered rather than as a restart of the sender's numbering: about a
// minute of 20 ms packets.
const maxReorder = 3000

// maxForward is the largest plausible advance of the highest sequence number
// between two reports (about six hours of 20 ms packets); a larger jump is a
// corrupt or foreign report: followed, not counted.
const maxForward = 1 << 20

// signed24 reads a 24-bit two's complement number.
func signed24(v uint32) int64 {
	v &= 0xFFFFFF
	if v >= 0x800000 {
		return int64(v) - 0x1000000
	}
	return int64(v)
}

// Update applies a report block and returns how many packets were lost
// since the previously counted report. The cumulative count is unwrapped
// modulo 2^24 and the highest sequence number modulo 2^32; a decrease of the
// cumulative count (duplicates) is not handed out as a negative increment:
// only rises above the highest count seen are. countFirst says whether the
// first report's cumulative count is new loss (the stream was watched since
// it started) or only a baseline (the leg was learned mid-call).
func (s *Stream) Update(b Block, countFirst bool) (int64, UpdateResult) {
	if !s.Init || (b.SSRC != 0 && s.SSRC != 0 && b.SSRC != s.SSRC) {
		res := UpdateFirst
		if s.Init {
			res, countFirst = UpdateReset, true
		}
		lost := max(signed24(b.Lost), 0)
		*s = Stream{SSRC: b.SSRC, RawLost: b.Lost, HighSeq: b.HighSeq, Lost: lost, Counted: lost, Init: true,
			BaseSeq: b.HighSeq, BaseLost: lost}
		if countFirst {
			return lost, res
		}
		return 0, res
	}
	if s.SSRC == 0 {
		s.SSRC = b.SSRC
	}
	d := int64(int32(b.HighSeq - s.HighSeq))
	switch {
	case d == 0 && b.Lost == s.RawLost:
		return 0, UpdateDuplicate
	case d < 0 && d >= -maxReorder:
		return 0, UpdateStale
	case d < -maxReorder:
		lost := max(signed24(b.Lost), 0)
		s.RawLost, s.HighSeq, s.Lost, s.Counted = b.Lost, b.HighSeq, lost, lost
		s.BaseSeq, s.BaseLost = b.HighSeq, lost
		return lost, UpdateReset
	}
	ld := signed24(b.Lost - s.RawLost)
	s.RawLost, s.HighSeq = b.Lost, b.HighSeq
	if ld > d+1 || d > maxForward {
		// More packets lost than were expected in the interval: a corrupt
		// or mismatched report. Follow it without counting.
		s.Lost += ld
		s.Counted = max(s.Counted, s.Lost)
		s.BaseLost += ld // not in the call's loss ratio either
		return 0, UpdateAbsurd
	}
	s.Lost += ld
	if s.Lost > s.Counted {
		delta := s.Lost - s.Counted
		s.Counted = s.Lost
		return delta, UpdateAccepted
	}
	return 0, UpdateAccepted
}

// Sample is what one accepted RTCP report contributes to live metrics.
type Sample struct {
	Kind         StreamKind
	Jitter       float64 // seconds; Unknown when absurd
	FractionLost float64 // 0–1
	LostDelta    int64   // packets lost since the previous report
	RTT          float64 // seconds; Unknown when the report allows none
}

// jitterSeconds converts a report's jitter to seconds (Unknown if absurd).
func jitterSeconds(raw, clock uint32) float64 {
	if clock == 0 {
		clock = 8000
	}
	j := float64(raw) / float64(clock)
	if j > MaxJitter {
		return Unknown
	}
	return j
}

// microsTime converts unix µs to a time (zero for 0).
func microsTime(us int64) time.Time {
	if us <= 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}
