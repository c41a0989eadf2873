package asterisk

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/voip-exporter/voip_exporter/sim/listener"
)

// Server is a simulated Asterisk: its state, its AMI listener and,
// optionally, the control socket `asterisk -rx` talks to.
type Server struct {
	cfg Config
	l   *listener.Listener // the AMI listener; its lock comes after mu

	mu       sync.Mutex // guards everything below and the sessions' state
	st       *state
	fault    Fault
	ctl      net.Listener
	ctlPath  string
	closed   bool
	sessions map[*session]struct{}

	epochCtx    context.Context
	epochCancel context.CancelFunc
	wg          sync.WaitGroup // background loops
	connWG      sync.WaitGroup // connection goroutines
}

// New returns a simulated Asterisk; call Start to listen.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, fault: FaultNone, sessions: map[*session]struct{}{}}
	s.l = listener.New(s.serveConn)
	s.mu.Lock()
	s.st = newState(cfg, s.now())
	s.startLoopsLocked()
	s.mu.Unlock()
	return s
}

func (s *Server) now() time.Time {
	if s.cfg.Clock != nil {
		return s.cfg.Clock()
	}
	return time.Now()
}

func (s *Server) startLoopsLocked() {
	if s.epochCancel != nil {
		s.epochCancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.epochCtx, s.epochCancel = ctx, cancel
	if s.cfg.RTCPInterval > 0 {
		s.wg.Add(1)
		go s.rtcpLoop(ctx, s.cfg.RTCPInterval)
	}
}

// Start listens for AMI connections on addr (e.g. "127.0.0.1:0").
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errors.New("asterisk sim: closed")
	}
	return s.l.Start("tcp", addr)
}

// Addr returns the AMI address ("host:port"), also while stopped.
func (s *Server) Addr() string { return s.l.Addr() }

// Stop stops listening (connections are refused) and drops every AMI
// session, as if Asterisk had died or its host gone off the network. The
// simulated calls and time go on: Resume brings the same Asterisk back,
// Restart a fresh one.
func (s *Server) Stop() {
	s.l.Stop()
	s.DropSessions()
}

// Resume listens again on the address of Start after Stop, state kept (an
// outage of the network, or of a paused process, ends).
func (s *Server) Resume() error { return s.l.Restart() }

// Restart simulates an Asterisk restart: sessions are dropped, calls
// vanish (a restarted Asterisk has no channels), uptime, reload time and
// counters start again. After Stop it listens again on the same address;
// while listening the listener stays (an instant restart).
func (s *Server) Restart() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("asterisk sim: closed")
	}
	s.dropSessionsLocked()
	for _, c := range s.st.calls {
		if c.timer != nil {
			c.timer.Stop()
		}
	}
	cfg := s.cfg
	cfg.StartedAt, cfg.ReloadedAt = time.Time{}, time.Time{}
	s.st = newState(cfg, s.now())
	s.startLoopsLocked()
	s.mu.Unlock()
	return s.l.Restart()
}

// DropSessions closes every AMI session without a word (the listener stays).
func (s *Server) DropSessions() {
	s.mu.Lock()
	s.dropSessionsLocked()
	s.mu.Unlock()
}

// Sessions returns the number of AMI sessions open (logged in or not).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Close stops the server and all its goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ctl := s.ctl
	s.ctl = nil
	s.dropSessionsLocked()
	for _, c := range s.st.calls {
		if c.timer != nil {
			c.timer.Stop()
		}
	}
	s.epochCancel()
	s.mu.Unlock()
	s.l.Close() // not under s.mu: it waits for serveConn, which takes s.mu
	if ctl != nil {
		ctl.Close()
	}
	s.wg.Wait()
	s.connWG.Wait()
	return nil
}

func (s *Server) dropSessionsLocked() {
	for sess := range s.sessions {
		sess.kill()
		delete(s.sessions, sess)
	}
}

// serveConn starts an AMI session on a connection the listener accepted.
func (s *Server) serveConn(c net.Conn) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return
	}
	sess := newSession(s, c)
	s.sessions[sess] = struct{}{}
	s.connWG.Add(2)
	s.mu.Unlock()
	go sess.writeLoop()
	go sess.readLoop()
}

func (s *Server) removeSession(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
}

// Reload simulates `core reload`: the last-reload time becomes now.
func (s *Server) Reload() {
	s.mu.Lock()
	s.st.reloaded = s.now()
	s.mu.Unlock()
}
