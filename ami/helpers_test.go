package ami

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// captures is the directory of the real Asterisk 20.20.1 AMI sessions.
const captures = "../testdata/asterisk/ami"

func readCapture(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(captures, rel))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// captureMessages parses every message of a captured session (after the greeting).
func captureMessages(tb testing.TB, rel string) []*Message {
	tb.Helper()
	r := NewReader(bytes.NewReader(readCapture(tb, rel)), ReaderOptions{})
	if _, err := r.ReadGreeting(); err != nil {
		tb.Fatalf("%s: %v", rel, err)
	}
	var out []*Message
	for {
		m, err := r.ReadMessage()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatalf("%s: message %d: %v", rel, len(out), err)
		}
		out = append(out, m)
	}
}

// wire re-encodes a parsed message as Asterisk sent it (CRLF lines), with
// its ActionID replaced by id when id is not "".
func wire(m *Message, id string) []byte {
	var b bytes.Buffer
	for i := range m.Len() {
		k, v := m.Header(i)
		if id != "" && strings.EqualFold(k, "ActionID") {
			v = id
		}
		b.WriteString(k + ": " + v + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// replies returns the response and list events of a captured action, in
// order, re-encoded with the ActionID id.
func replies(tb testing.TB, rel, capturedID, id string) []byte {
	tb.Helper()
	var b bytes.Buffer
	for _, m := range captureMessages(tb, rel) {
		if m.ActionID() == capturedID {
			b.Write(wire(m, id))
		}
	}
	if b.Len() == 0 {
		tb.Fatalf("%s: no message with ActionID %s", rel, capturedID)
	}
	return b.Bytes()
}

// fakeAMI is a scripted AMI server: it sends a greeting, answers Login
// with the accepted or failed reply captured from Asterisk, and hands every
// other action to handle.
type fakeAMI struct {
	t        testing.TB
	ln       net.Listener
	secret   string
	greeting string
	handle   func(s *fakeSession, req *Message)

	mu       sync.Mutex
	sessions []*fakeSession
	wg       sync.WaitGroup
}

type fakeSession struct {
	c  net.Conn
	mu sync.Mutex
}

func (s *fakeSession) write(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.c.Write(b)
	return err
}

func (s *fakeSession) close() { s.c.Close() }

func newFakeAMI(t testing.TB, handle func(s *fakeSession, req *Message)) *fakeAMI {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeAMI{t: t, ln: ln, secret: "exporterpass", greeting: "Asterisk Call Manager/9.0.0\r\n", handle: handle}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.close)
	return f
}

func (f *fakeAMI) addr() string { return f.ln.Addr().String() }

func (f *fakeAMI) setGreeting(g string) {
	f.mu.Lock()
	f.greeting = g
	f.mu.Unlock()
}

func (f *fakeAMI) close() {
	f.ln.Close()
	f.mu.Lock()
	for _, s := range f.sessions {
		s.close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// dropAll closes every session (as if Asterisk restarted).
func (f *fakeAMI) dropAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.sessions {
		s.close()
	}
	f.sessions = nil
}

func (f *fakeAMI) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		s := &fakeSession{c: c}
		f.mu.Lock()
		f.sessions = append(f.sessions, s)
		f.mu.Unlock()
		f.wg.Add(1)
		go f.serve(s)
	}
}

func (f *fakeAMI) serve(s *fakeSession) {
	defer f.wg.Done()
	defer s.close()
	f.mu.Lock()
	greeting := f.greeting
	f.mu.Unlock()
	if s.write([]byte(greeting)) != nil {
		return
	}
	rd := NewReader(bufio.NewReader(s.c), ReaderOptions{})
	for {
		req, err := rd.ReadMessage()
		if err != nil {
			return
		}
		if strings.EqualFold(req.Get("Action"), "Login") {
			id := req.ActionID()
			if req.Get("Secret") != f.secret {
				s.write([]byte("Response: Error\r\nActionID: " + id + "\r\nMessage: Authentication failed\r\n\r\n"))
				return
			}
			s.write([]byte("Response: Success\r\nActionID: " + id + "\r\nMessage: Authentication accepted\r\n\r\n"))
			continue
		}
		if strings.EqualFold(req.Get("Action"), "Logoff") {
			s.write([]byte("Response: Goodbye\r\nActionID: " + req.ActionID() + "\r\nMessage: Thanks for all the fish.\r\n\r\n"))
			return
		}
		f.handle(s, req)
	}
}

// isTimeout reports whether err is a net timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
