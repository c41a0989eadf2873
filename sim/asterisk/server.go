package asterisk

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Server is a simulated Asterisk: its state, its AMI listener and,
// optionally, the control socket `asterisk -rx` talks to.
type Server struct {
	cfg Config

	mu       sync.Mutex // guards everything below and the sessions' state
	st       *state
	fault    Fault
	ln       net.Listener
	addr     string
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
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		ln.Close()
		return errors.New("asterisk sim: closed")
	}
	if s.ln != nil {
		ln.Close()
		return errors.New("asterisk sim: already listening")
	}
	s.ln, s.addr = ln, ln.Addr().String()
	s.connWG.Add(1)
	go s.acceptLoop(ln)
	return nil
}

// Addr returns the AMI address ("host:port").
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Stop stops listening and drops every AMI session, as if Asterisk had died
// (calls and time go on). Resume listens again on the same address.
func (s *Server) Stop() {
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	s.dropSessionsLocked()
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
}

// Resume listens again on the address of Start after Stop.
func (s *Server) Resume() error {
	s.mu.Lock()
	addr, ln := s.addr, s.ln
	s.mu.Unlock()
	if ln != nil {
		return nil
	}
	if addr == "" {
		return errors.New("asterisk sim: never started")
	}
	var err error
	for range 50 {
		if err = s.Start(addr); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// Restart simulates an Asterisk restart: sessions are dropped, calls vanish,
// uptime and counters start again; the listeners stay.
func (s *Server) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
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
	ln, ctl := s.ln, s.ctl
	s.ln, s.ctl = nil, nil
	s.dropSessionsLocked()
	for _, c := range s.st.calls {
		if c.timer != nil {
			c.timer.Stop()
		}
	}
	s.epochCancel()
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
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

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.connWG.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed || s.ln != ln {
			s.mu.Unlock()
			c.Close()
			continue
		}
		sess := newSession(s, c)
		s.sessions[sess] = struct{}{}
		s.connWG.Add(2)
		s.mu.Unlock()
		go sess.writeLoop()
		go sess.readLoop()
	}
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
