// Package rtpenginetest starts the real Debian rtpengine for tests (userspace only, no kernel module, loopback,
// free ports) and plays calls through it: ng offer/answer, then RTP and RTCP both ways from two loopback endpoints.
package rtpenginetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/voip-exporter/voip_exporter/ng"
)

// Engine is one running rtpengine.
type Engine struct {
	NGAddr     string // --listen-ng, 127.0.0.1:port
	MetricsURL string // its own Prometheus endpoint (--listen-http)/metrics
	Client     *ng.Client

	cmd  *exec.Cmd
	done chan struct{}
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 4<<20 {
		s.b.Reset()
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FreePort returns a port free on 127.0.0.1 for both UDP and TCP.
func FreePort() (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port")
}

// Start runs rtpengine in the foreground, userspace only (--table=-1), on
// 127.0.0.1 with media ports portMin…portMin+99, deleting calls at once
// (--delete-delay=0), and waits until it answers ping. The caller must Stop it.
func Start(portMin int) (*Engine, error) {
	bin, err := exec.LookPath("rtpengine")
	if err != nil {
		return nil, fmt.Errorf("rtpengine not installed (make test installs Debian's rtpengine-daemon: scripts/test-deps.sh): %w", err)
	}
	var ports [3]int
	for i := range ports {
		if ports[i], err = FreePort(); err != nil {
			return nil, err
		}
	}
	e := &Engine{
		NGAddr:     fmt.Sprintf("127.0.0.1:%d", ports[0]),
		MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", ports[1]),
		done:       make(chan struct{}),
		logs:       &syncBuffer{},
	}
	e.Client = &ng.Client{Address: e.NGAddr, Timeout: 5 * time.Second}
	e.cmd = exec.Command(bin, "--table=-1", "--interface=127.0.0.1",
		"--listen-ng="+e.NGAddr, fmt.Sprintf("--listen-http=127.0.0.1:%d", ports[1]),
		fmt.Sprintf("--listen-cli=127.0.0.1:%d", ports[2]),
		fmt.Sprintf("--port-min=%d", portMin), fmt.Sprintf("--port-max=%d", portMin+99),
		"--delete-delay=0", "--foreground", "--log-stderr", "--log-level=5")
	e.cmd.Stdout, e.cmd.Stderr = e.logs, e.logs
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := e.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = e.cmd.Wait(); close(e.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err := e.Client.Ping(ctx)
		cancel()
		if err == nil {
			return e, nil
		}
		select {
		case <-e.done:
			return nil, fmt.Errorf("rtpengine exited: %s", e.logs)
		default:
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("rtpengine did not answer ping: %w\n%s", err, e.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Logs returns what rtpengine printed.
func (e *Engine) Logs() string { return e.logs.String() }

// Stop ends rtpengine.
func (e *Engine) Stop() {
	if e.cmd != nil && e.cmd.Process != nil {
		_ = e.cmd.Process.Kill()
		<-e.done
	}
}

// Endpoint is one side of a call: an RTP and an RTCP socket on loopback.
type Endpoint struct {
	RTP, RTCP *net.UDPConn
	SSRC      uint32
	// Relay is where rtpengine told this side to send (the other side's SDP).
	Relay, RelayRTCP *net.UDPAddr
}

func listen() (*net.UDPConn, error) {
	return net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
}

func newEndpoint(ssrc uint32) (*Endpoint, error) {
	rtp, err := listen()
	if err != nil {
		return nil, err
	}
	rtcp, err := listen()
	if err != nil {
		rtp.Close()
		return nil, err
	}
	return &Endpoint{RTP: rtp, RTCP: rtcp, SSRC: ssrc}, nil
}

// SDP is the endpoint's offer or answer: PCMU on its RTP port, RTCP on its
// RTCP port (a=rtcp, RFC 3605).
func (p *Endpoint) SDP() string {
	return fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp:%d\r\na=sendrecv\r\n",
		p.RTP.LocalAddr().(*net.UDPAddr).Port, p.RTCP.LocalAddr().(*net.UDPAddr).Port)
}

func (p *Endpoint) close() { p.RTP.Close(); p.RTCP.Close() }

// Call is one call set up through rtpengine with offer and answer.
type Call struct {
	ID             string
	Caller, Callee *Endpoint
	engine         *Engine
}

var sdpPort = regexp.MustCompile(`(?m)^m=audio (\d+) `)
var sdpRTCP = regexp.MustCompile(`(?m)^a=rtcp:(\d+)`)

func relayOf(sdp string) (*net.UDPAddr, *net.UDPAddr, error) {
	m, r := sdpPort.FindStringSubmatch(sdp), sdpRTCP.FindStringSubmatch(sdp)
	if m == nil || r == nil {
		return nil, nil, fmt.Errorf("no media/RTCP port in rtpengine's SDP:\n%s", sdp)
	}
	p, _ := strconv.Atoi(m[1])
	rp, _ := strconv.Atoi(r[1])
	lo := net.IPv4(127, 0, 0, 1)
	return &net.UDPAddr{IP: lo, Port: p}, &net.UDPAddr{IP: lo, Port: rp}, nil
}

// NewCall offers the caller's SDP and answers with the callee's.
func (e *Engine) NewCall(ctx context.Context, id string) (*Call, error) {
	a, err := newEndpoint(0x11110000)
	if err != nil {
		return nil, err
	}
	b, err := newEndpoint(0x22220000)
	if err != nil {
		a.close()
		return nil, err
	}
	c := &Call{ID: id, Caller: a, Callee: b, engine: e}
	off, err := e.Client.Call(ctx, "offer", ng.Dict{"call-id": id, "from-tag": "caller", "sdp": a.SDP()})
	if err != nil {
		c.Close()
		return nil, err
	}
	ans, err := e.Client.Call(ctx, "answer", ng.Dict{"call-id": id, "from-tag": "caller", "to-tag": "callee", "sdp": b.SDP()})
	if err != nil {
		c.Close()
		return nil, err
	}
	// The offer's rewritten SDP goes to the callee, the answer's to the caller.
	if b.Relay, b.RelayRTCP, err = relayOf(off.String("sdp")); err != nil {
		c.Close()
		return nil, err
	}
	if a.Relay, a.RelayRTCP, err = relayOf(ans.String("sdp")); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close releases the endpoints' sockets (the call stays in rtpengine).
func (c *Call) Close() { c.Caller.close(); c.Callee.close() }

// Delete ends the call in rtpengine (ng delete) and closes the sockets.
func (c *Call) Delete(ctx context.Context) error {
	_, err := c.engine.Client.Call(ctx, "delete", ng.Dict{"call-id": c.ID, "from-tag": "caller"})
	c.Close()
	return err
}

// RTPSize is the size of each RTP packet sent: 12-byte header and 20 ms of
// PCMU (160 bytes).
const RTPSize = 12 + 160

// SendRTP sends n packets of 20 ms PCMU from p, sequence numbers first…
// first+n-1 except those in skip, and returns how many it sent. Every
// packet is read back by the other side before the next is sent, so none is
// lost on loopback; to is the other side, whose socket receives them.
func SendRTP(p, to *Endpoint, first uint16, n int, skip map[int]bool) (int, error) {
	sent := 0
	pkt := make([]byte, RTPSize)
	buf := make([]byte, 2048)
	for i := range n {
		if skip[i] {
			continue
		}
		pkt[0], pkt[1] = 0x80, 0 // V=2, PT=0 (PCMU)
		binary.BigEndian.PutUint16(pkt[2:], first+uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i)*160)
		binary.BigEndian.PutUint32(pkt[8:], p.SSRC)
		if _, err := p.RTP.WriteToUDP(pkt, p.Relay); err != nil {
			return sent, err
		}
		sent++
		if to != nil {
			_ = to.RTP.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, _, err := to.RTP.ReadFromUDP(buf); err != nil {
				return sent, fmt.Errorf("packet %d not relayed: %w", i, err)
			}
		}
	}
	return sent, nil
}

// SRSize and RRSize are the RTCP packets SendSR and SendRR build: a sender
// report without report blocks (28 bytes) and a receiver report with one
// report block (32 bytes), RFC 3550 6.4.
const (
	SRSize = 28
	RRSize = 32
)

// SendSR sends a sender report from p with NTP time ntp (seconds since 1900
// in the upper 32 bits) and waits until the other side receives it. It
// returns the middle 32 bits of the NTP timestamp, which the receiver
// puts in its report's LSR.
func SendSR(p, to *Endpoint, ntp uint64, packets, octets uint32) (uint32, error) {
	b := make([]byte, SRSize)
	b[0], b[1] = 0x80, 200 // V=2, RC=0, PT=SR
	binary.BigEndian.PutUint16(b[2:], SRSize/4-1)
	binary.BigEndian.PutUint32(b[4:], p.SSRC)
	binary.BigEndian.PutUint64(b[8:], ntp)
	binary.BigEndian.PutUint32(b[16:], 0)
	binary.BigEndian.PutUint32(b[20:], packets)
	binary.BigEndian.PutUint32(b[24:], octets)
	return uint32(ntp >> 16), sendRTCP(p, to, b)
}

// Report is one RTCP report block (RFC 3550 6.4.1).
type Report struct {
	FractionLost uint8  // lost share × 256
	Lost         uint32 // cumulative, 24 bits
	HighestSeq   uint32
	Jitter       uint32 // timestamp units (8000 Hz for PCMU)
	LSR, DLSR    uint32 // DLSR in 1/65536 s
}

// SendRR sends a receiver report from p about the other side's SSRC.
func SendRR(p, to *Endpoint, r Report) error {
	b := make([]byte, RRSize)
	b[0], b[1] = 0x81, 201 // V=2, RC=1, PT=RR
	binary.BigEndian.PutUint16(b[2:], RRSize/4-1)
	binary.BigEndian.PutUint32(b[4:], p.SSRC)
	binary.BigEndian.PutUint32(b[8:], to.SSRC)
	binary.BigEndian.PutUint32(b[12:], uint32(r.FractionLost)<<24|r.Lost&0xffffff)
	binary.BigEndian.PutUint32(b[16:], r.HighestSeq)
	binary.BigEndian.PutUint32(b[20:], r.Jitter)
	binary.BigEndian.PutUint32(b[24:], r.LSR)
	binary.BigEndian.PutUint32(b[28:], r.DLSR)
	return sendRTCP(p, to, b)
}

func sendRTCP(p, to *Endpoint, b []byte) error {
	if _, err := p.RTCP.WriteToUDP(b, p.RelayRTCP); err != nil {
		return err
	}
	buf := make([]byte, 2048)
	_ = to.RTCP.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := to.RTCP.ReadFromUDP(buf); err != nil {
		return fmt.Errorf("RTCP not relayed: %w", err)
	}
	return nil
}
