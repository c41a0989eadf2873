package freeswitch

import (
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"time"
)

// Quality of a simulated call's media.
type Quality int

const (
	// QualityGood: no loss, low jitter, MOS about 4.4-4.5.
	QualityGood Quality = iota
	// QualityLossy: several percent packet loss, MOS about 3.x.
	QualityLossy
	// QualityJittery: high jitter, a little loss.
	QualityJittery
)

func (q Quality) String() string {
	switch q {
	case QualityLossy:
		return "lossy"
	case QualityJittery:
		return "jittery"
	}
	return "good"
}

// codecInfo describes a codec as FreeSWITCH reports it.
type codecInfo struct {
	name     string
	rate     int // read/write rate (channel variables, show channels)
	bitRate  int
	clock    int // RTP clock rate (RTP-Rate, timestamps)
	pt       int
	payload  int // bytes of payload per 20 ms packet
	ep       string
	rtpmap   string
	channels int
}

var codecs = map[string]*codecInfo{
	"PCMU": {name: "PCMU", rate: 8000, bitRate: 64000, clock: 8000, pt: 0, payload: 160, ep: "CORE_PCM_MODULE.PCMU@8000h@20i@64000b", rtpmap: "PCMU/8000", channels: 1},
	"PCMA": {name: "PCMA", rate: 8000, bitRate: 64000, clock: 8000, pt: 8, payload: 160, ep: "CORE_PCM_MODULE.PCMA@8000h@20i@64000b", rtpmap: "PCMA/8000", channels: 1},
	"G722": {name: "G722", rate: 16000, bitRate: 64000, clock: 8000, pt: 9, payload: 160, ep: "mod_spandsp.G722@16000h@20i@64000b", rtpmap: "G722/8000", channels: 1},
	"opus": {name: "opus", rate: 48000, bitRate: 0, clock: 48000, pt: 116, payload: 80, ep: "mod_opus.opus@48000h@20i", rtpmap: "opus/48000/2", channels: 1},
}

func lookupCodec(name string) *codecInfo {
	for k, c := range codecs {
		if strings.EqualFold(k, name) {
			return c
		}
	}
	return codecs["PCMU"]
}

func (c *codecInfo) samples() int { return c.clock / 50 }

func (c *codecInfo) lastString() string {
	return fmt.Sprintf("%s@%dh@20i@%dc", c.name, c.rate, c.channels)
}

// mediaProfile is the degradation applied to a leg's two RTP streams.
type mediaProfile struct {
	lossIn, lossOut     float64 // packet loss fraction, received / sent stream
	jitterIn, jitterOut float64 // interarrival jitter, ms
	rTarget             int     // FreeSWITCH "R" (quality percentage) of the received stream
	minVar, maxVar      float64 // jitter min/max variance, ms
	lossRate, burstRate float64
	meanInterval        float64
	rtt                 float64 // seconds
}

func between(r *rand.Rand, lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

func newMediaProfile(r *rand.Rand, q Quality) mediaProfile {
	switch q {
	case QualityLossy:
		loss := between(r, 0.03, 0.08)
		return mediaProfile{
			lossIn: loss, lossOut: loss * between(r, 0.2, 0.6),
			jitterIn: between(r, 2, 6), jitterOut: between(r, 1, 4),
			rTarget: 62 + r.Intn(17), minVar: between(r, 3, 8), maxVar: between(r, 15, 35),
			lossRate: loss * between(r, 2.5, 3.5), burstRate: between(r, 0.5, 1.0),
			meanInterval: between(r, 20.3, 21.5), rtt: between(r, 0.04, 0.1),
		}
	case QualityJittery:
		return mediaProfile{
			lossIn: between(r, 0.002, 0.01), lossOut: between(r, 0.001, 0.005),
			jitterIn: between(r, 20, 60), jitterOut: between(r, 10, 30),
			rTarget: 50 + r.Intn(23), minVar: between(r, 10, 25), maxVar: between(r, 60, 150),
			lossRate: between(r, 0.02, 0.08), burstRate: between(r, 0.1, 0.4),
			meanInterval: between(r, 20.5, 23), rtt: between(r, 0.05, 0.15),
		}
	}
	return mediaProfile{
		lossIn: between(r, 0, 0.0005), lossOut: between(r, 0, 0.0005),
		jitterIn: between(r, 0.1, 1.2), jitterOut: between(r, 0.1, 1.2),
		rTarget: 95 + r.Intn(6), minVar: between(r, 0.3, 3), maxVar: between(r, 3, 10),
		meanInterval: 20, rtt: between(r, 0.01, 0.05),
	}
}

// stream is one direction of RTP as seen by its receiver.
type stream struct {
	ssrc             uint32
	seqBase          uint32
	sent, lost       int
	repSent, repLost int
	jitter           float64 // timestamp units
}

// advance moves the stream to `packets` sent packets.
func (st *stream) advance(r *rand.Rand, packets int, loss, jitterMs float64, clock int) {
	if n := packets - st.sent; n > 0 {
		exp := float64(n) * loss
		lost := int(math.Floor(exp*between(r, 0.5, 1.5) + r.Float64()))
		if loss == 0 || lost < 0 {
			lost = 0
		}
		if lost > n {
			lost = n
		}
		st.sent = packets
		st.lost += lost
	}
	st.jitter = jitterMs * float64(clock) / 1000 * between(r, 0.7, 1.3)
}

// report returns fraction lost (x256) since the previous report and marks this one.
func (st *stream) report() int {
	exp := st.sent - st.repSent
	lost := st.lost - st.repLost
	st.repSent, st.repLost = st.sent, st.lost
	if exp <= 0 || lost <= 0 {
		return 0
	}
	f := lost * 256 / exp
	if f > 255 {
		f = 255
	}
	return f
}

// legMedia is the RTP/RTCP state of one leg.
type legMedia struct {
	prof        mediaProfile
	in, out     stream // in: remote -> FreeSWITCH, out: FreeSWITCH -> remote
	reports     int
	lastSR      uint32 // middle 32 bits of the NTP time of our last SR
	lastSRAt    time.Time
	peerSR      uint32
	peerSRAt    time.Time
	rtcpPackets int // sender packet count of our last SR
}

func ntp(t time.Time) (msw, lsw uint32) {
	msw = uint32(t.Unix() + 2208988800)
	lsw = uint32(float64(t.Nanosecond()) / 1e9 * (1 << 32))
	return
}

func ntpMiddle(t time.Time) uint32 {
	msw, lsw := ntp(t)
	return msw<<16 | lsw>>16
}

func hex8(v uint32) string { return fmt.Sprintf("%08x", v) }

// rtcpEvents builds the SEND_RTCP_MESSAGE and RECV_RTCP_MESSAGE of one report interval.
func (s *Server) rtcpEvents(l *leg, now time.Time) (send, recv *event) {
	m := &l.media
	c := l.codec
	packets := int(now.Sub(l.answered) / (20 * time.Millisecond))
	m.out.advance(s.rng, packets, m.prof.lossOut, m.prof.jitterOut, c.clock)
	m.in.advance(s.rng, packets-s.rng.Intn(3), m.prof.lossIn, m.prof.jitterIn, c.clock)
	first := m.reports == 0
	m.reports++

	send = s.newEvent("SEND_RTCP_MESSAGE", "", "switch_rtp.c", "switch_send_rtcp_event", "2068")
	msw, lsw := ntp(now)
	ts := m.out.sent * c.samples()
	send.add("Unique-ID", l.uuid)
	send.add("SSRC", hex8(m.in.ssrc))
	send.add("NTP-Most-Significant-Word", strconv.FormatUint(uint64(msw), 10))
	send.add("NTP-Least-Significant-Word", strconv.FormatUint(uint64(lsw), 10))
	send.add("RTP-Timestamp", strconv.Itoa(ts))
	send.add("Sender-Packet-Count", strconv.Itoa(m.out.sent))
	send.add("Octect-Packet-Count", strconv.Itoa(m.out.sent*c.payload))
	send.add("Last-RTP-Timestamp", strconv.Itoa(ts))
	send.add("Capture-Time", strconv.FormatInt(now.UnixMicro(), 10))
	srcSSRC, lsr, dlsr := "00000000", "0", "0"
	if !first {
		srcSSRC = hex8(m.in.ssrc)
		lsr = strconv.FormatUint(uint64(m.peerSR), 10)
		dlsr = strconv.Itoa(int(now.Sub(m.peerSRAt).Seconds() * 65536))
	}
	send.add("Source-SSRC", srcSSRC)
	send.add("Source-Fraction", strconv.Itoa(m.in.report()))
	send.add("Source-Lost", strconv.Itoa(m.in.lost))
	send.add("Source-Highest-Sequence-Number-Received", strconv.Itoa(int(m.in.seqBase)+m.in.sent))
	send.add("Source-Jitter", strconv.Itoa(int(m.in.jitter)))
	send.add("Source-LSR", lsr)
	send.add("Source-DLSR", dlsr)
	prevSR, prevSRAt := m.lastSR, m.lastSRAt
	m.lastSR, m.lastSRAt = ntpMiddle(now), now
	m.rtcpPackets = m.out.sent

	// The peer's sender report arrives a little later.
	at := now.Add(time.Duration(10+s.rng.Intn(30)) * time.Millisecond)
	recv = s.newEvent("RECV_RTCP_MESSAGE", "", "switch_rtp.c", "switch_send_rtcp_event", "2068")
	pmsw, plsw := ntp(at)
	pts := m.in.sent * c.samples()
	recv.add("Unique-ID", l.uuid)
	recv.add("SSRC", hex8(m.in.ssrc))
	recv.add("NTP-Most-Significant-Word", strconv.FormatUint(uint64(pmsw), 10))
	recv.add("NTP-Least-Significant-Word", strconv.FormatUint(uint64(plsw), 10))
	recv.add("RTP-Timestamp", strconv.Itoa(pts))
	recv.add("Sender-Packet-Count", strconv.Itoa(m.in.sent))
	recv.add("Octect-Packet-Count", strconv.Itoa(m.in.sent*c.payload))
	recv.add("Last-RTP-Timestamp", strconv.Itoa(pts+c.samples()))
	recv.add("RTP-Rate", strconv.Itoa(c.clock))
	recv.add("Capture-Time", strconv.FormatInt(at.UnixMicro(), 10))
	frac := m.out.report()
	recv.add("Source0-SSRC", hex8(m.out.ssrc))
	recv.add("Source0-Fraction", strconv.Itoa(frac))
	recv.add("Source0-Lost", strconv.Itoa(m.out.lost))
	avg := 0
	if m.out.sent > 0 {
		avg = m.out.lost * 100 / m.out.sent
	}
	recv.add("Source0-Loss-Avg", strconv.Itoa(avg))
	recv.add("Source0-Highest-Sequence-Number-Received", strconv.Itoa(int(m.out.seqBase)+m.out.sent))
	recv.add("Source0-Jitter", strconv.Itoa(int(m.out.jitter)))
	rlsr, rdlsr, rtt := "0", "0", 0.0
	if !first {
		rlsr = strconv.FormatUint(uint64(prevSR), 10)
		rdlsr = strconv.Itoa(int(at.Sub(prevSRAt).Seconds() * 65536))
		rtt = m.prof.rtt * between(s.rng, 0.8, 1.2)
	}
	recv.add("Source0-LSR", rlsr)
	recv.add("Source0-DLSR", rdlsr)
	recv.add("Rtt0-Avg", fmt.Sprintf("%f", rtt))
	m.peerSR, m.peerSRAt = ntpMiddle(at), at
	return send, recv
}

// mos is FreeSWITCH's MOS from R (switch_rtp.c do_mos).
func mos(r int) float64 {
	R := float64(r)
	return 1 + 0.035*R + 0.000007*R*(R-60)*(100-R)
}

// finalStats returns the rtp_audio_* channel variables at hangup.
func (s *Server) finalStats(l *leg, end time.Time) map[string]string {
	m := &l.media
	c := l.codec
	packets := 0
	if !l.answered.IsZero() {
		packets = int(end.Sub(l.answered) / (20 * time.Millisecond))
	}
	m.out.advance(s.rng, packets, m.prof.lossOut, m.prof.jitterOut, c.clock)
	m.in.advance(s.rng, packets-s.rng.Intn(3), m.prof.lossIn, m.prof.jitterIn, c.clock)
	recv := m.in.sent - m.in.lost
	if recv < 0 {
		recv = 0
	}
	flaws, R := 0, 100
	if recv > 0 {
		flaws = recv - int(math.Ceil(float64(m.prof.rTarget)*float64(recv)/100))
		if flaws < m.in.lost && m.prof.rTarget < 100 {
			flaws = m.in.lost
		}
		if flaws < 0 {
			flaws = 0
		}
		R = int(float64(recv-flaws) / float64(recv) * 100)
	}
	per := c.payload + 12
	flush := 0
	if s.rng.Intn(4) == 0 {
		flush = 1
	}
	f2 := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	minVar, maxVar := m.prof.minVar, m.prof.maxVar
	if recv == 0 {
		minVar, maxVar = 0, 0
	}
	out := map[string]string{
		"rtp_audio_in_raw_bytes":           strconv.Itoa(recv * per),
		"rtp_audio_in_media_bytes":         strconv.Itoa(recv * per),
		"rtp_audio_in_packet_count":        strconv.Itoa(recv),
		"rtp_audio_in_media_packet_count":  strconv.Itoa(recv),
		"rtp_audio_in_skip_packet_count":   strconv.Itoa(m.in.lost),
		"rtp_audio_in_jitter_packet_count": "0",
		"rtp_audio_in_dtmf_packet_count":   "0",
		"rtp_audio_in_cng_packet_count":    "0",
		"rtp_audio_in_flush_packet_count":  strconv.Itoa(flush),
		"rtp_audio_in_largest_jb_size":     "0",
		"rtp_audio_in_jitter_min_variance": f2(minVar),
		"rtp_audio_in_jitter_max_variance": f2(maxVar),
		"rtp_audio_in_jitter_loss_rate":    f2(m.prof.lossRate),
		"rtp_audio_in_jitter_burst_rate":   f2(m.prof.burstRate),
		"rtp_audio_in_mean_interval":       f2(m.prof.meanInterval),
		"rtp_audio_in_flaw_total":          strconv.Itoa(flaws),
		"rtp_audio_in_quality_percentage":  f2(float64(R)),
		"rtp_audio_in_mos":                 f2(mos(R)),
		"rtp_audio_out_raw_bytes":          strconv.Itoa(m.out.sent * per),
		"rtp_audio_out_media_bytes":        strconv.Itoa(m.out.sent * per),
		"rtp_audio_out_packet_count":       strconv.Itoa(m.out.sent),
		"rtp_audio_out_media_packet_count": strconv.Itoa(m.out.sent),
		"rtp_audio_out_skip_packet_count":  "0",
		"rtp_audio_out_dtmf_packet_count":  "0",
		"rtp_audio_out_cng_packet_count":   "0",
		"rtp_audio_rtcp_packet_count":      strconv.Itoa(m.rtcpPackets),
		"rtp_audio_rtcp_octet_count":       strconv.Itoa(m.rtcpPackets * c.payload),
	}
	return out
}

// sdp renders an SDP body like the ones FreeSWITCH logs in rtp_local_sdp_str / switch_r_sdp.
func sdp(sessID int64, ip string, port int, c *codecInfo) string {
	pts := strconv.Itoa(c.pt)
	maps := "a=rtpmap:" + pts + " " + c.rtpmap + "\r\n"
	if c.name == "opus" {
		maps += "a=fmtp:116 useinbandfec=1; maxaveragebitrate=30000; maxplaybackrate=48000; ptime=20; minptime=10; maxptime=40\r\n"
	}
	return fmt.Sprintf("v=0\r\no=FreeSWITCH %d %d IN IP4 %s\r\ns=FreeSWITCH\r\nc=IN IP4 %s\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP %s 101 13\r\n%sa=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"+
		"a=rtpmap:13 CN/8000\r\na=ptime:20\r\na=sendrecv\r\na=rtcp-mux\r\na=rtcp:%d IN IP4 %s\r\n",
		sessID, sessID+1, ip, ip, port, pts, maps, port, ip)
}
