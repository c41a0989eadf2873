package asterisk

import (
	"bufio"
	"bytes"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"
)

// hdr is one "Key: Value" line of a simulated AMI message.
type hdr struct{ k, v string }

// msg is one AMI message. A header with key "ActionID" and an empty value is
// left out, as Asterisk does when the action carried no ActionID.
type msg []hdr

func (m msg) appendTo(b []byte) []byte {
	for _, h := range m {
		if h.k == "ActionID" && h.v == "" {
			continue
		}
		if h.k == "\x00raw" { // legacy Command output (Asterisk ≤13)
			b = append(b, h.v...)
			b = append(b, "--END COMMAND--\r\n"...)
			continue
		}
		b = append(b, h.k...)
		b = append(b, ": "...)
		b = append(b, h.v...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

func (m msg) get(k string) string {
	for _, h := range m {
		if strings.EqualFold(h.k, k) {
			return h.v
		}
	}
	return ""
}

// text renders the message as the event filter regexes see it.
func (m msg) text() string { return string(m.appendTo(nil)) }

type filter struct {
	re    *regexp.Regexp
	black bool
}

// session is one AMI connection.
type session struct {
	s    *Server
	c    net.Conn
	out  chan []byte
	done chan struct{}
	once sync.Once

	// guarded by s.mu
	user     *User
	eventsOn bool
	mask     []string // event classes asked for; nil with eventsOn: all readable
	filters  []filter
}

func newSession(s *Server, c net.Conn) *session {
	return &session{s: s, c: c, out: make(chan []byte, s.cfg.EventQueue+64), done: make(chan struct{})}
}

func (ss *session) kill() {
	ss.once.Do(func() {
		close(ss.done)
		ss.c.Close()
	})
}

func (ss *session) writeLoop() {
	defer ss.s.connWG.Done()
	w := bufio.NewWriterSize(ss.c, 64<<10)
	for {
		select {
		case <-ss.done:
			return
		case b := <-ss.out:
			if b == nil { // closeAfterFlush
				w.Flush()
				ss.kill()
				return
			}
			if _, err := w.Write(b); err != nil {
				ss.kill()
				return
			}
			// Drain what is queued before flushing: one write for a burst.
			for more := true; more; {
				select {
				case b = <-ss.out:
					if b == nil {
						w.Flush()
						ss.kill()
						return
					}
					if _, err := w.Write(b); err != nil {
						ss.kill()
						return
					}
				default:
					more = false
				}
			}
			if err := w.Flush(); err != nil {
				ss.kill()
				return
			}
		}
	}
}

// closeAfterFlush ends the session once everything queued is written (a
// Logoff or a failed Login: Asterisk answers, then closes).
func (ss *session) closeAfterFlush() {
	select {
	case ss.out <- nil:
	case <-ss.done:
	}
	<-ss.done
}

// send queues bytes that must not be lost (responses); it waits for room.
func (ss *session) send(b []byte) bool {
	select {
	case ss.out <- b:
		return true
	case <-ss.done:
		return false
	}
}

// sendEvent queues an event, dropping it when the session is too far behind.
func (ss *session) sendEvent(b []byte) {
	select {
	case ss.out <- b:
	default:
	}
}

// wantsLocked reports whether an event of class goes to this session.
func (ss *session) wantsLocked(class string, m msg) bool {
	if ss.user == nil || !ss.eventsOn || !hasClass(ss.user.Read, class) {
		return false
	}
	if ss.mask != nil && !hasClass(ss.mask, class) {
		return false
	}
	if len(ss.filters) == 0 {
		return true
	}
	text := m.text()
	white, matchedWhite := false, false
	for _, f := range ss.filters {
		if f.black {
			if f.re.MatchString(text) {
				return false
			}
			continue
		}
		white = true
		if f.re.MatchString(text) {
			matchedWhite = true
		}
	}
	return !white || matchedWhite
}

const maxRequestBytes = 1 << 20

func (ss *session) readLoop() {
	defer ss.s.connWG.Done()
	defer ss.s.removeSession(ss)
	defer ss.kill()
	graceful := false
	defer func() {
		if graceful {
			ss.closeAfterFlush()
		}
	}()
	if !ss.send([]byte("Asterisk Call Manager/" + ss.s.cfg.AMIVersion + "\r\n")) {
		return
	}
	br := bufio.NewReaderSize(ss.c, 64<<10)
	var req msg
	size := 0
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		line = bytes.TrimRight(line, "\r\n")
		size += len(line)
		if size > maxRequestBytes {
			return
		}
		if len(line) == 0 {
			if len(req) == 0 {
				continue
			}
			if !ss.handle(req) {
				graceful = true
				return
			}
			req, size = nil, 0
			continue
		}
		k, v, _ := strings.Cut(string(line), ":")
		req = append(req, hdr{strings.TrimSpace(k), strings.TrimPrefix(v, " ")})
	}
}

// handle answers one action; false ends the session.
func (ss *session) handle(req msg) bool {
	switch f := ss.s.currentFault().(type) {
	case FaultKind:
		switch f {
		case FaultStall:
			return true
		case FaultDrop:
			return false
		case FaultGarbage:
			ss.send([]byte("Response: " + strings.Repeat("x", 256<<10)))
			return true
		}
	case FaultSlow:
		select {
		case <-time.After(f.Delay):
		case <-ss.done:
			return false
		}
	case FaultFlood:
		ss.s.flood(f.Events)
	}
	action := req.get("Action")
	id := req.get("ActionID")
	reply, keep := ss.s.dispatch(ss, action, id, req)
	if len(reply) > 1 {
		if k, ok := ss.s.currentFault().(FaultKind); ok && k == FaultDropMidList {
			reply = reply[:1+(len(reply)-1)/2]
			var b []byte
			for _, m := range reply {
				b = m.appendTo(b)
			}
			ss.send(b)
			return false
		}
	}
	var b []byte
	for _, m := range reply {
		b = m.appendTo(b)
	}
	if len(b) > 0 && !ss.send(b) {
		return false
	}
	return keep
}
