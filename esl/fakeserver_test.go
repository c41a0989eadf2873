package esl

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeFS is a tiny scripted FreeSWITCH event socket on 127.0.0.1 that
// answers with the captured frames.
type fakeFS struct {
	t        testing.TB
	ln       net.Listener
	addr     string
	password string
	// handle, if set, runs first for every command after auth; it returns
	// true when it answered.
	handle func(s *fakeSession, cmd string) bool

	mu       sync.Mutex
	sessions []*fakeSession
	cmds     []string // every command block received (after auth), all sessions
	accepted int
	wg       sync.WaitGroup
}

type fakeSession struct {
	srv    *fakeFS
	c      net.Conn
	br     *bufio.Reader
	wmu    sync.Mutex
	format string
}

func frame(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fsData, "frames", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func apiFrame(body string) []byte {
	return fmt.Appendf(nil, "Content-Type: api/response\nContent-Length: %d\n\n%s", len(body), body)
}

func replyFrame(text string) []byte {
	return fmt.Appendf(nil, "Content-Type: command/reply\nReply-Text: %s\n\n", text)
}

func newFakeFS(t testing.TB) *fakeFS { return newFakeFSAt(t, "127.0.0.1:0") }

func newFakeFSAt(t testing.TB, addr string) *fakeFS {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port of a just-closed server may linger
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeFS{t: t, ln: ln, addr: ln.Addr().String(), password: "ClueCon"}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

func (s *fakeFS) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		sess := &fakeSession{srv: s, c: c, br: bufio.NewReader(c), format: "plain"}
		s.mu.Lock()
		s.sessions = append(s.sessions, sess)
		s.accepted++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			sess.run()
		}()
	}
}

// Close stops listening and drops every connection.
func (s *fakeFS) Close() {
	s.ln.Close()
	s.mu.Lock()
	for _, sess := range s.sessions {
		sess.c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *fakeFS) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

func (s *fakeFS) session(i int) *fakeSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < len(s.sessions) {
		return s.sessions[i]
	}
	return nil
}

func (ss *fakeSession) send(b ...[]byte) error {
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	for _, x := range b {
		if _, err := ss.c.Write(x); err != nil {
			return err
		}
	}
	return nil
}

// readCommand reads one command block (lines up to an empty line), accepting
// LF and CRLF; a lone empty line yields "" (FreeSWITCH ignores it).
func (ss *fakeSession) readCommand() (string, error) {
	var lines []string
	for {
		l, err := ss.br.ReadString('\n')
		if err != nil {
			return "", err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return strings.Join(lines, "\n"), nil
		}
		lines = append(lines, l)
	}
}

func (ss *fakeSession) run() {
	s := ss.srv
	t := s.t
	if ss.send(frame(t, "greeting.txt")) != nil {
		return
	}
	for authed := false; !authed; {
		cmd, err := ss.readCommand()
		if err != nil {
			return
		}
		switch {
		case cmd == "":
		case cmd == "auth "+s.password:
			ss.send(frame(t, "auth-ok-reply.txt"))
			authed = true
		case strings.HasPrefix(cmd, "auth "):
			ss.send(frame(t, "auth-wrong-reply.txt"), frame(t, "disconnect-notice.txt"))
			return
		default:
			ss.send(frame(t, "api-before-auth-reply.txt"))
		}
	}
	for {
		cmd, err := ss.readCommand()
		if err != nil {
			return
		}
		if cmd == "" {
			continue
		}
		s.mu.Lock()
		s.cmds = append(s.cmds, cmd)
		s.mu.Unlock()
		if s.handle != nil && s.handle(ss, cmd) {
			continue
		}
		if !ss.defaultReply(cmd) {
			return
		}
	}
}

// defaultReply answers like FreeSWITCH did in the captures; false ends the session.
func (ss *fakeSession) defaultReply(cmd string) bool {
	t := ss.srv.t
	first, _, _ := strings.Cut(cmd, "\n")
	switch {
	case first == "exit":
		ss.send(frame(t, "exit-reply.txt"), frame(t, "disconnect-notice.txt"))
		return false
	case strings.HasPrefix(first, "api echo "):
		ss.send(apiFrame(strings.TrimPrefix(first, "api echo ")))
	case strings.HasPrefix(first, "api "):
		name := "api-" + strings.ReplaceAll(strings.TrimPrefix(first, "api "), " ", "-") + ".txt"
		if _, err := os.Stat(filepath.Join(fsData, "frames", name)); err == nil {
			ss.send(frame(t, name))
		} else {
			ss.send(frame(t, "api-nonexistentcmd.txt"))
		}
	case strings.HasPrefix(first, "bgapi "):
		job := ""
		if _, h, ok := strings.Cut(cmd, "\nJob-UUID: "); ok {
			job = h
		}
		ss.send(bytes.ReplaceAll(frame(t, "bgapi-with-job-uuid-reply.txt"), []byte("11111111-2222-3333-4444-555555555555"), []byte(job)))
		ev := bytes.ReplaceAll(frame(t, "event-plain-BACKGROUND_JOB-version-custom-job-uuid.txt"), []byte("11111111-2222-3333-4444-555555555555"), []byte(job))
		if strings.HasPrefix(first, "bgapi nonexistentcmd") {
			ev = bytes.ReplaceAll(frame(t, "event-plain-BACKGROUND_JOB-nonexistentcmd.txt"), []byte("143d218a-7a61-486b-b990-45c7b11ff328"), []byte(job))
		}
		if ss.format == "json" {
			ev = bytes.ReplaceAll(frame(t, "event-json-BACKGROUND_JOB-status.txt"), []byte("e139c268-829b-4b38-9d72-16f3c5baa34d"), []byte(job))
		}
		go func() { // the job runs in the background
			time.Sleep(5 * time.Millisecond)
			ss.send(ev)
		}()
	case strings.HasPrefix(first, "event json"):
		ss.format = "json"
		ss.send(frame(t, "event-json-HEARTBEAT-reply.txt"))
	case strings.HasPrefix(first, "event plain"):
		ss.format = "plain"
		ss.send(frame(t, "event-plain-ALL-reply.txt"))
	case strings.HasPrefix(first, "filter delete"):
		ss.send(frame(t, "misc-filter-delete-Event-Name-HEARTBEAT.txt"))
	case strings.HasPrefix(first, "filter "):
		ss.send(frame(t, "misc-filter-Event-Name-HEARTBEAT.txt"))
	case strings.HasPrefix(first, "nixevent"):
		ss.send(frame(t, "misc-nixevent-ALL.txt"))
	case first == "noevents":
		ss.send(frame(t, "noevents-reply.txt"))
	case strings.HasPrefix(first, "log "):
		ss.send(frame(t, "misc-log-6.txt"))
	case first == "nolog":
		ss.send(frame(t, "misc-nolog.txt"))
	case first == "linger":
		ss.send(frame(t, "misc-linger.txt"))
	default:
		ss.send(frame(t, "unknowncommand.txt"))
	}
	return true
}

// sessionFramesOf returns the frames of a captured session whose content
// type is one of kinds, each as its raw bytes.
func sessionFramesOf(t testing.TB, rel string, kinds ...Kind) [][]byte {
	t.Helper()
	raw := readFile(t, rel)
	br := bytes.NewReader(raw)
	r := NewReader(br, ReaderOptions{})
	var out [][]byte
	off := 0
	for {
		f, err := r.ReadFrame()
		if err != nil {
			break
		}
		end := len(raw) - br.Len() - r.Buffered()
		for _, k := range kinds {
			if f.Kind() == k {
				out = append(out, raw[off:end])
			}
		}
		off = end
	}
	return out
}

func mustListen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}
