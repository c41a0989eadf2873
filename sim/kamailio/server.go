package kamailio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/voip-exporter/voip_exporter/binrpc"
	"github.com/voip-exporter/voip_exporter/sim/listener"
)

// maxRequest bounds a request body (Kamailio's ctl buffer is 1 KiB by default).
const maxRequest = 64 << 10

// Server is a simulated Kamailio ctl socket. Its zero value is not usable:
// build it with New.
type Server struct {
	mu    sync.Mutex
	st    State
	stall bool // accept and read, never answer (a hung Kamailio)
	calls map[string]int

	lmu       sync.Mutex // guards the fields below; before each listener's own lock
	listeners []*listener.Listener
	packets   []*packetListener
	wg        sync.WaitGroup // connection and datagram goroutines
	closed    bool
}

// New returns a server reporting st (use Captured() for the real capture).
func New(st State) *Server {
	return &Server{st: st.Clone(), calls: map[string]int{}}
}

// Update changes the state under the server's lock.
func (s *Server) Update(fn func(*State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.st)
}

// Snapshot returns a copy of the current state.
func (s *Server) Snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Clone()
}

// SetStall makes the server stop answering (true) or answer again.
func (s *Server) SetStall(on bool) {
	s.mu.Lock()
	s.stall = on
	s.mu.Unlock()
}

// Calls returns how many times method was called.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Listen starts serving on network ("unix", "tcp" or "udp") and address
// ("127.0.0.1:0", a socket path) and returns the ctl address to dial
// ("tcp:127.0.0.1:40123", "unix:/tmp/…/ctl").
func (s *Server) Listen(network, address string) (string, error) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if s.closed {
		return "", errors.New("sim: server closed")
	}
	switch network {
	case "udp":
		pc, err := net.ListenPacket("udp", address)
		if err != nil {
			return "", err
		}
		s.packets = append(s.packets, &packetListener{pc: pc, addr: pc.LocalAddr().String()})
		s.wg.Add(1)
		go s.servePackets(pc)
		return "udp:" + pc.LocalAddr().String(), nil
	case "unix", "tcp":
		l := listener.New(s.serveConn)
		if err := l.Start(network, address); err != nil {
			return "", err
		}
		s.listeners = append(s.listeners, l)
		return network + ":" + l.Addr(), nil
	}
	return "", fmt.Errorf("sim: unknown network %q", network)
}

// Stop closes every listener (dials are refused, datagrams go unanswered)
// and every open connection, as if Kamailio had died. Restart listens
// again on the same addresses.
func (s *Server) Stop() {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	for _, l := range s.listeners {
		l.Stop()
	}
	for _, p := range s.packets {
		if p.pc != nil {
			_ = p.pc.Close()
			p.pc = nil
		}
	}
}

// Restart listens again on every address of Listen after Stop (a no-op on
// those still listening). The State is kept: it is what the test set, and
// a restarted Kamailio reads the same configuration; use Update to model
// counters that start again.
func (s *Server) Restart() error {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if s.closed {
		return errors.New("sim: server closed")
	}
	for _, l := range s.listeners {
		if err := l.Restart(); err != nil {
			return err
		}
	}
	for _, p := range s.packets {
		if p.pc != nil {
			continue
		}
		pc, err := net.ListenPacket("udp", p.addr)
		if err != nil {
			return err
		}
		p.pc = pc
		s.wg.Add(1)
		go s.servePackets(pc)
	}
	return nil
}

// Close stops every listener and connection and waits for them.
func (s *Server) Close() error {
	s.lmu.Lock()
	s.closed = true
	listeners, packets := s.listeners, s.packets
	s.listeners, s.packets = nil, nil
	s.lmu.Unlock()
	for _, l := range listeners {
		_ = l.Close()
	}
	for _, p := range packets {
		if p.pc != nil {
			_ = p.pc.Close()
		}
	}
	s.wg.Wait()
	return nil
}

// DropConnections closes every open connection (as a Kamailio restart
// would) but keeps listening.
func (s *Server) DropConnections() {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	for _, l := range s.listeners {
		l.DropConns()
	}
}

// serveConn serves a stream connection a listener accepted.
func (s *Server) serveConn(c net.Conn) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.serveStream(c)
		_ = c.Close()
	}()
}

// packetListener is a UDP ctl socket; pc is nil while stopped.
type packetListener struct {
	pc   net.PacketConn
	addr string
}

// serveStream answers the requests of one stream connection in order, as
// Kamailio's ctl process does (several requests may arrive at once).
func (s *Server) serveStream(c net.Conn) {
	br := bufio.NewReader(c)
	bw := bufio.NewWriter(c)
	var hdr [binrpc.MaxHeaderSize]byte
	for {
		if _, err := io.ReadFull(br, hdr[:2]); err != nil {
			return
		}
		size, err := binrpc.HeaderSize(hdr[0], hdr[1])
		if err != nil {
			return
		}
		if _, err := io.ReadFull(br, hdr[2:size]); err != nil {
			return
		}
		h, err := binrpc.ParseHeader(hdr[:size])
		if err != nil || h.BodyLen > maxRequest {
			return
		}
		body := make([]byte, h.BodyLen)
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		out, ok := s.handle(h, body)
		if !ok {
			continue
		}
		if _, err := bw.Write(out); err != nil {
			return
		}
		if br.Buffered() == 0 {
			if bw.Flush() != nil {
				return
			}
		}
	}
}

func (s *Server) servePackets(pc net.PacketConn) {
	defer s.wg.Done()
	buf := make([]byte, binrpc.MaxDatagram)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if n < 2 {
			continue
		}
		size, err := binrpc.HeaderSize(buf[0], buf[1])
		if err != nil || n < size {
			continue
		}
		h, err := binrpc.ParseHeader(buf[:size])
		if err != nil || h.BodyLen != n-size {
			continue
		}
		if out, ok := s.handle(h, buf[size:n]); ok {
			_, _ = pc.WriteTo(out, from)
		}
	}
}

// handle answers one request packet; ok is false when nothing is sent.
func (s *Server) handle(h binrpc.Header, body []byte) ([]byte, bool) {
	s.mu.Lock()
	stall := s.stall
	s.mu.Unlock()
	if stall || h.Type != binrpc.PacketRequest {
		return nil, false
	}
	req, err := binrpc.Decode(body)
	var e binrpc.Encoder
	typ := binrpc.PacketReply
	if err != nil || !req.First().Valid() || req.First().Type() != binrpc.TypeStr {
		typ = binrpc.PacketFault
		e.Fault(400, "bad request method: bad packet")
	} else {
		var args []binrpc.Value
		method := req.First().Str()
		first := true
		for v := range req.All() {
			if first {
				first = false
				continue
			}
			args = append(args, v)
		}
		if code, msg := s.answer(&e, method, args); code != 0 {
			e.Reset()
			e.Fault(int32(code), msg)
			typ = binrpc.PacketFault
		}
	}
	out, err := e.Body()
	if err != nil {
		e.Reset()
		e.Fault(500, "internal server error")
		out, _ = e.Body()
		typ = binrpc.PacketFault
	}
	return append(binrpc.AppendHeader(nil, typ, len(out), h.Cookie), out...), true
}

// answer encodes the reply of method; a non-zero code makes it a fault.
func (s *Server) answer(e *binrpc.Encoder, method string, args []binrpc.Value) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
	m, ok := methods[method]
	if !ok || slices.Contains(s.st.Unloaded, m.module) || (m.module == "tls" && s.st.TLS == nil) {
		return 500, "command " + method + " not found"
	}
	return m.fn(&s.st, e, args, time.Now())
}
