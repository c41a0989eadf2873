package freeswitch

import (
	"bufio"
	"errors"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	maxContentLength = 16 * 1024 * 1024 // MAX_CONTENT_LENGTH of mod_event_socket
	maxQueueLen      = 100000           // MAX_QUEUE_LEN of mod_event_socket
)

var (
	greetingFrame   = []byte("Content-Type: auth/request\n\n")
	disconnectText  = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
	disconnectFrame = []byte("Content-Type: text/disconnect-notice\nContent-Length: " + strconv.Itoa(len(disconnectText)) + "\n\n" + disconnectText)
	errContentLen   = errors.New("content-length out of range")
)

// session is one Event Socket connection (a mod_event_socket "listener").
type session struct {
	srv  *Server
	conn net.Conn
	br   *bufio.Reader

	// guarded by srv.mu
	authed    bool
	format    int
	events    bool
	eventList [len(eventNames)]bool
	customs   map[string]bool
	filters   []header
	myevents  bool
	myUUID    string
	logging   bool
	logLevel  int
	deferring bool
	pending   [][]byte

	qmu    sync.Mutex
	q      [][]byte
	notify chan struct{}
	dead   chan struct{}
	once   sync.Once
}

// closeMarker in the write queue closes the connection once everything before it is written.
var closeMarker = []byte{}

func newSession(s *Server, c net.Conn) *session {
	return &session{
		srv:     s,
		conn:    c,
		br:      bufio.NewReader(c),
		customs: map[string]bool{},
		notify:  make(chan struct{}, 1),
		dead:    make(chan struct{}),
	}
}

func (sess *session) kill() {
	sess.once.Do(func() {
		close(sess.dead)
		sess.conn.Close()
	})
}

func (sess *session) enqueue(frames ...[]byte) {
	sess.qmu.Lock()
	sess.q = append(sess.q, frames...)
	sess.qmu.Unlock()
	select {
	case sess.notify <- struct{}{}:
	default:
	}
}

// queueEvent queues an event or log frame; while a command is being answered the frame waits
// for the reply, as FreeSWITCH writes queued events only between commands. Caller holds srv.mu.
func (sess *session) queueEvent(frame []byte) {
	if sess.srv.fault == FaultStall {
		return
	}
	if sess.deferring {
		sess.pending = append(sess.pending, frame)
		return
	}
	sess.qmu.Lock()
	n := len(sess.q)
	sess.qmu.Unlock()
	if n >= maxQueueLen { // a client that does not read: FreeSWITCH drops such listeners
		sess.kill()
		return
	}
	sess.enqueue(frame)
}

func (sess *session) writeLoop() {
	defer sess.srv.connWG.Done()
	for {
		select {
		case <-sess.dead:
			return
		case <-sess.notify:
		}
		sess.qmu.Lock()
		q := sess.q
		sess.q = nil
		sess.qmu.Unlock()
		for _, f := range q {
			if isClose(f) {
				sess.kill()
				return
			}
			if _, err := sess.conn.Write(f); err != nil {
				sess.kill()
				return
			}
		}
	}
}

func isClose(f []byte) bool { return len(f) == 0 }

// regexMatch is switch_regex with FreeSWITCH's "/pattern/flags" syntax.
func regexMatch(target, expr string) bool {
	flags := ""
	if strings.HasPrefix(expr, "/") {
		expr = expr[1:]
		if i := strings.LastIndexByte(expr, '/'); i >= 0 {
			expr, flags = expr[:i], expr[i+1:]
		}
	}
	if strings.Contains(flags, "i") {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	return err == nil && re.MatchString(target)
}

func (sess *session) readLoop() {
	defer sess.srv.connWG.Done()
	defer sess.srv.removeSession(sess)
	sess.enqueue(greetingFrame)
	sess.conn.SetReadDeadline(time.Now().Add(sess.srv.cfg.AuthTimeout))
	first := true
	for {
		cmd, hdrs, body, err := sess.readPacket()
		if first {
			sess.conn.SetReadDeadline(time.Time{})
			first = false
		}
		if err != nil {
			var ne net.Error
			if errors.Is(err, errContentLen) || (errors.As(err, &ne) && ne.Timeout()) {
				sess.enqueue(disconnectFrame, closeMarker)
				return
			}
			sess.kill()
			return
		}
		if !sess.command(cmd, hdrs, body) {
			return
		}
	}
}

// command executes one command and queues its reply; false ends the session.
func (sess *session) command(cmd string, hdrs []header, body string) bool {
	s := sess.srv
	s.mu.Lock()
	fault := s.fault
	if fault == FaultDrop {
		s.mu.Unlock()
		sess.kill()
		return false
	}
	sess.deferring = true
	s.mu.Unlock()

	reply, keep := sess.execute(cmd, hdrs, body)

	switch f := fault.(type) {
	case FaultSlow:
		select {
		case <-time.After(f.Delay):
		case <-sess.dead:
		}
	case FaultKind:
		switch f {
		case FaultStall:
			reply = nil
		case FaultGarbage:
			reply = garbageFrame
		case FaultHugeLength:
			reply = hugeLengthFrame
		}
	}
	s.mu.Lock()
	if reply != nil {
		sess.enqueue(reply)
	}
	sess.deferring = false
	pending := sess.pending
	sess.pending = nil
	if keep {
		sess.enqueue(pending...)
	} else {
		sess.enqueue(disconnectFrame, closeMarker)
	}
	s.mu.Unlock()
	return keep
}

// readPacket reads one command as mod_event_socket's read_packet: leading blank lines are
// skipped, the first line is the command, then "Name: value" headers up to a blank line and a
// Content-Length body.
func (sess *session) readPacket() (cmd string, hdrs []header, body string, err error) {
	for {
		b, err := sess.br.ReadByte()
		if err != nil {
			return "", nil, "", err
		}
		if b != '\r' && b != '\n' {
			sess.br.UnreadByte()
			break
		}
	}
	clen := 0
	for n := 0; ; n++ {
		line, err := sess.br.ReadString('\n')
		if err != nil {
			return "", nil, "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if n == 0 {
			cmd = line
			continue
		}
		if line == "" {
			break
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimLeft(val, " ")
		hdrs = append(hdrs, header{name, val})
		if strings.EqualFold(name, "content-length") {
			clen, _ = strconv.Atoi(strings.TrimSpace(val))
			if clen < 0 || clen > maxContentLength {
				return "", nil, "", errContentLen
			}
		}
	}
	if clen > 0 {
		buf := make([]byte, clen)
		if _, err := io.ReadFull(sess.br, buf); err != nil {
			return "", nil, "", err
		}
		body = string(buf)
	}
	return cmd, hdrs, body, nil
}

// wants mirrors mod_event_socket's event_handler: subscription, filters, myevents. Caller holds srv.mu.
func (sess *session) wants(e *event) bool {
	if !sess.events {
		return false
	}
	send := sess.eventList[evAll] ||
		(sess.eventList[e.id] && (e.id != evCustom || e.subclass == "" || sess.customs[e.subclass]))
	if send && len(sess.filters) > 0 {
		send = false
		for _, f := range sess.filters {
			hval, ok := e.get(f.name)
			if !ok {
				continue
			}
			comp, pos := f.value, true
			for comp != "" {
				if comp[0] == '+' {
					pos = true
				} else if comp[0] == '-' {
					pos = false
				} else if comp[0] != ' ' {
					break
				}
				comp = comp[1:]
			}
			if send && pos {
				continue
			}
			var cmp bool
			if strings.HasPrefix(f.value, "/") {
				cmp = regexMatch(hval, comp)
			} else {
				cmp = strings.EqualFold(hval, comp)
			}
			if cmp {
				if !pos {
					send = false
					break
				}
				send = true
			}
		}
	}
	if send && sess.myevents {
		uuid, ok := e.get("unique-id")
		if !ok || (sess.myUUID != "" && uuid != sess.myUUID) {
			send = false
		}
		if owner, _ := e.get("Job-Owner-UUID"); sess.myUUID != "" && owner == sess.myUUID {
			send = true
		}
	}
	return send
}
