package freeswitch

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/voip-exporter/voip_exporter/sim/listener"
)

// Server is a simulated FreeSWITCH with its Event Socket listener.
type Server struct {
	cfg Config
	l   *listener.Listener // the Event Socket listener; its lock comes after mu

	mu       sync.Mutex // guards everything below, including sessions' subscription state
	password string
	fault    Fault
	closed   bool
	sessions map[*session]struct{}
	rng      *rand.Rand

	// core state, reset by Restart
	coreUUID  string
	startedAt time.Time
	seq       uint64
	sessionID int // last session id handed out (session(s) since startup)
	legs      map[string]*leg
	legOrder  []*leg
	calls     []*call
	stats     coreStats
	profiles  []*profileState
	gateways  []*gatewayState
	regs      []Registration

	epochCtx    context.Context
	epochCancel context.CancelFunc
	wg          sync.WaitGroup // background goroutines of all epochs
	connWG      sync.WaitGroup // connection goroutines
}

// New returns a simulator; call Start to listen.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	seed := cfg.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	s := &Server{
		cfg:      cfg,
		password: cfg.Password,
		fault:    FaultNone,
		sessions: map[*session]struct{}{},
		rng:      rand.New(rand.NewSource(seed)),
	}
	s.l = listener.New(s.serveConn)
	s.mu.Lock()
	s.resetLocked()
	s.mu.Unlock()
	return s
}

func (s *Server) now() time.Time {
	if s.cfg.Clock != nil {
		return s.cfg.Clock()
	}
	return time.Now()
}

// resetLocked (re)initialises the core state and starts the background loops of a new epoch.
func (s *Server) resetLocked() {
	if s.epochCancel != nil {
		s.epochCancel()
	}
	for _, c := range s.calls {
		c.stopTimers()
	}
	s.coreUUID = s.newUUID()
	s.startedAt = s.now()
	s.seq = 0
	s.sessionID = 0
	s.legs = map[string]*leg{}
	s.legOrder = nil
	s.calls = nil
	s.stats = coreStats{idleCPU: 97.5, minIdle: 0}
	s.profiles = nil
	for _, p := range s.cfg.Profiles {
		s.profiles = append(s.profiles, &profileState{Profile: p})
	}
	s.gateways = nil
	for _, g := range s.cfg.Gateways {
		gs := &gatewayState{Gateway: g, state: g.State, upSince: s.startedAt, ping: s.startedAt.Unix(), pingTime: 0.5 + s.rng.Float64()}
		if g.State == GatewayFailWait || g.State == GatewayFailed || g.State == GatewayDown {
			gs.down = true
			gs.retryAt = s.startedAt.Add(30 * time.Second)
		}
		s.gateways = append(s.gateways, gs)
	}
	s.regs = append([]Registration(nil), s.cfg.Registrations...)
	ctx, cancel := context.WithCancel(context.Background())
	s.epochCtx, s.epochCancel = ctx, cancel
	s.wg.Add(2)
	go s.heartbeatLoop(ctx)
	go s.tickLoop(ctx)
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves connections.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errors.New("freeswitch: server closed")
	}
	return s.l.Start("tcp", addr)
}

// Addr returns the listening address ("host:port"), also while stopped.
func (s *Server) Addr() string { return s.l.Addr() }

// Stop stops listening (connections to the port are refused) and drops every client, as if
// FreeSWITCH had died or its host gone off the network; simulated calls and time go on.
// Resume brings the same FreeSWITCH back, Restart a fresh one.
func (s *Server) Stop() {
	s.l.Stop()
	s.mu.Lock()
	s.dropSessionsLocked()
	s.mu.Unlock()
}

// Resume listens again on the address of Start after Stop, state kept (calls, Core-UUID,
// Event-Sequence: an outage of the network, or of a paused process, ends).
func (s *Server) Resume() error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errors.New("freeswitch: server closed")
	}
	return s.l.Restart()
}

// Restart simulates a FreeSWITCH restart: every client is dropped, calls vanish (a restarted
// FreeSWITCH has no channels), uptime, Core-UUID, Event-Sequence and counters start again.
// After Stop it listens again on the same address; while listening the listener stays.
func (s *Server) Restart() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("freeswitch: server closed")
	}
	s.dropSessionsLocked()
	s.resetLocked()
	s.mu.Unlock()
	return s.l.Restart()
}

// Close stops the server and all its goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.dropSessionsLocked()
	for _, c := range s.calls {
		c.stopTimers()
	}
	s.epochCancel()
	s.mu.Unlock()
	s.l.Close() // not under s.mu: it waits for serveConn, which takes s.mu
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

// serveConn starts an Event Socket session on a connection the listener accepted.
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

// newUUID returns a random (v4 layout) UUID from the server's generator. Caller holds s.mu.
func (s *Server) newUUID() string {
	var b [16]byte
	s.rng.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newEvent builds an event with FreeSWITCH's standard leading headers. Caller holds s.mu.
func (s *Server) newEvent(name, subclass, file, fn, line string) *event {
	t := s.now()
	id, _ := eventID(name)
	e := &event{id: id, subclass: subclass}
	if subclass != "" {
		e.add("Event-Subclass", subclass)
	}
	s.seq++
	e.add("Event-Name", name)
	e.add("Core-UUID", s.coreUUID)
	e.add("FreeSWITCH-Hostname", s.cfg.Hostname)
	e.add("FreeSWITCH-Switchname", s.cfg.Switchname)
	e.add("FreeSWITCH-IPv4", s.cfg.IPv4)
	e.add("FreeSWITCH-IPv6", s.cfg.IPv6)
	e.add("Event-Date-Local", t.Format("2006-01-02 15:04:05"))
	e.add("Event-Date-GMT", t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"))
	e.add("Event-Date-Timestamp", strconv.FormatInt(t.UnixMicro(), 10))
	e.add("Event-Calling-File", file)
	e.add("Event-Calling-Function", fn)
	e.add("Event-Calling-Line-Number", line)
	e.add("Event-Sequence", strconv.FormatUint(s.seq, 10))
	return e
}

// fire delivers an event to every subscribed session. Caller holds s.mu.
func (s *Server) fire(e *event) {
	for sess := range s.sessions {
		if sess.wants(e) {
			sess.queueEvent(e.frame(sess.format))
		}
	}
}

// logLine sends a log/data frame to sessions logging at that level. Caller holds s.mu.
func (s *Server) logLine(level, channel int, file, fn string, line int, uuid, msg string) {
	t := s.now()
	text := fmt.Sprintf("%s %.2f%% [%s] %s:%d %s\n", t.Format("2006-01-02 15:04:05.000000"), s.stats.idleCPU,
		logLevelNames[level], file, line, msg)
	frame := fmt.Sprintf("Content-Type: log/data\nContent-Length: %d\nLog-Level: %d\nText-Channel: %d\nLog-File: %s\nLog-Func: %s\nLog-Line: %d\nUser-Data: %s\n\n%s",
		len(text), level, channel, file, fn, line, uuid, text)
	for sess := range s.sessions {
		if sess.logging && sess.logLevel >= level {
			sess.queueEvent([]byte(frame))
		}
	}
}

var logLevelNames = [...]string{"CONSOLE", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG"}

// SetPassword changes the ESL password at runtime (existing sessions stay authenticated).
func (s *Server) SetPassword(pw string) {
	s.mu.Lock()
	s.password = pw
	s.mu.Unlock()
}
