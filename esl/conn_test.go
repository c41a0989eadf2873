package esl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func dialFake(t *testing.T, s *fakeFS, opts Options) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, s.addr, "ClueCon", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); <-c.Done() })
	return c
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestDialAuthOK(t *testing.T) {
	s := newFakeFS(t)
	c := dialFake(t, s, Options{})
	st := c.Stats()
	greet, ok := len(frame(t, "greeting.txt")), len(frame(t, "auth-ok-reply.txt"))
	if st.FramesRead != 2 || st.BytesRead != uint64(greet+ok) {
		t.Errorf("stats %+v", st)
	}
	if err := c.Exit(ctxT(t, 2*time.Second)); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), ErrDisconnected) {
		t.Errorf("after exit: %v", c.Err())
	}
	if _, err := c.API(ctxT(t, time.Second), "status"); !errors.Is(err, ErrDisconnected) {
		t.Errorf("API after exit: %v", err)
	}
}

func TestDialAuthWrong(t *testing.T) {
	s := newFakeFS(t)
	const pw = "s3cr3t-Pa55"
	_, err := Dial(ctxT(t, 2*time.Second), s.addr, pw, Options{})
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("got %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), pw) {
		t.Errorf("error leaks the password: %v", err)
	}
	if _, err := Dial(ctxT(t, 2*time.Second), s.addr, "a\nb", Options{}); err == nil || strings.Contains(err.Error(), "a\nb") {
		t.Errorf("password with LF: %v", err)
	}
}

func TestDialTimeouts(t *testing.T) {
	// A server that accepts but never greets.
	s := newFakeFS(t)
	s.ln.Close()
	ln := mustListen(t)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	start := time.Now()
	_, err := Dial(context.Background(), ln.Addr().String(), "ClueCon", Options{DialTimeout: 150 * time.Millisecond})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("silent server: %v after %v", err, time.Since(start))
	}
	// Nothing listening.
	if _, err := Dial(ctxT(t, time.Second), s.addr, "ClueCon", Options{}); err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
}

func TestAPI(t *testing.T) {
	s := newFakeFS(t)
	c := dialFake(t, s, Options{})
	body, err := c.API(ctxT(t, 2*time.Second), "status")
	_, want := splitCaptured(frame(t, "api-status.txt"))
	if err != nil || !bytes.Equal(body, want) {
		t.Fatalf("status: %v %q", err, body)
	}
	body, err = c.API(ctxT(t, 2*time.Second), "nonexistentcmd")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Command != "nonexistentcmd" || ae.Message != "nonexistentcmd Command not found!" {
		t.Fatalf("nonexistentcmd: %v", err)
	}
	if string(body) != "-ERR nonexistentcmd Command not found!\n" {
		t.Errorf("error body %q", body)
	}
	r, err := c.SendCommand(ctxT(t, time.Second), "linger")
	var ce *CommandError
	if !errors.As(err, &ce) || r == nil || r.Text != "-ERR not controlling a session" {
		t.Errorf("linger: %v %+v", err, r)
	}
	for _, bad := range []string{"", "  ", "status\nexit", "status\r", "a\n\nb"} {
		if _, err := c.API(ctxT(t, time.Second), bad); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("%q: %v", bad, err)
		}
		if _, err := c.SendCommand(ctxT(t, time.Second), bad); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	for _, cmd := range s.commands() {
		if strings.Contains(cmd, "exit") || cmd == "api " {
			t.Errorf("injected command reached the server: %q", cmd)
		}
	}
	st := c.Stats()
	if st.CommandsSent != 3 || st.CommandErrors != 2 {
		t.Errorf("stats %+v", st)
	}
}

// Many goroutines pipeline commands while the server interleaves events
// and log lines before each reply: every caller must get its own reply.
func TestAPIPipelinedWithEvents(t *testing.T) {
	s := newFakeFS(t)
	hb := frame(t, "event-plain-HEARTBEAT-1.txt")
	logLine := frame(t, "bgapi-originate-noroute-01-log-data.txt")
	s.handle = func(ss *fakeSession, cmd string) bool {
		if strings.HasPrefix(cmd, "api echo ") {
			ss.send(hb, logLine, apiFrame(strings.TrimPrefix(cmd, "api echo ")))
			return true
		}
		return false
	}
	var events, logs atomic.Int64
	c := dialFake(t, s, Options{
		OnEvent: func(e *Event) {
			if e.Name() == "HEARTBEAT" {
				events.Add(1)
			}
		},
		OnLog: func(l *LogData) {
			if l.Level == 5 && l.File == "switch_channel.c" && l.Line == 1142 && bytes.Contains(l.Text, []byte("New Channel")) {
				logs.Add(1)
			}
		},
	})
	const G, N = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, G*N)
	for g := range G {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range N {
				want := fmt.Sprintf("g%d-i%d", g, i)
				got, err := c.API(ctxT(t, 5*time.Second), "echo "+want)
				if err != nil || string(got) != want {
					errs <- fmt.Errorf("sent %s, got %q, %v", want, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if events.Load() != G*N || logs.Load() != G*N {
		t.Errorf("events %d logs %d, want %d", events.Load(), logs.Load(), G*N)
	}
}

func TestBgAPI(t *testing.T) {
	s := newFakeFS(t)
	var other atomic.Int64
	c := dialFake(t, s, Options{OnEvent: func(*Event) { other.Add(1) }})
	body, err := c.BgAPI(ctxT(t, 2*time.Second), "version")
	if err != nil || string(body) != "FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n" {
		t.Fatalf("bgapi version: %v %q", err, body)
	}
	body, err = c.BgAPI(ctxT(t, 2*time.Second), "nonexistentcmd")
	var ae *APIError
	if !errors.As(err, &ae) || string(body) != "-ERR nonexistentcmd Command not found!\n" {
		t.Fatalf("bgapi nonexistentcmd: %v %q", err, body)
	}
	cmds := s.commands()
	if len(cmds) != 3 || cmds[0] != "event plain BACKGROUND_JOB" ||
		!strings.HasPrefix(cmds[1], "bgapi version\nJob-UUID: ") || !strings.HasPrefix(cmds[2], "bgapi nonexistentcmd\nJob-UUID: ") {
		t.Fatalf("commands %q", cmds)
	}
	id, ch, err := c.BgAPIStart(ctxT(t, 2*time.Second), "status")
	if err != nil {
		t.Fatal(err)
	}
	ev := <-ch
	if ev.Get("Job-UUID") != id || len(id) != 36 {
		t.Errorf("job %q, event for %q", id, ev.Get("Job-UUID"))
	}
	if other.Load() != 0 {
		t.Errorf("%d BACKGROUND_JOB events leaked to OnEvent", other.Load())
	}

	// json format, and a filter: bgapi must subscribe in the current
	// format and add its own filter.
	s2 := newFakeFS(t)
	c2 := dialFake(t, s2, Options{})
	if err := c2.Subscribe(ctxT(t, time.Second), "json", "CHANNEL_CREATE"); err != nil {
		t.Fatal(err)
	}
	if err := c2.Filter(ctxT(t, time.Second), "Event-Name", "CHANNEL_CREATE"); err != nil {
		t.Fatal(err)
	}
	body, err = c2.BgAPI(ctxT(t, 2*time.Second), "status")
	if err != nil || !strings.HasPrefix(string(body), "UP 0 years") || len(body) != 335 {
		t.Fatalf("json bgapi: %v %q", err, body)
	}
	cmds = s2.commands()
	want := []string{"event json CHANNEL_CREATE", "filter Event-Name CHANNEL_CREATE", "event json BACKGROUND_JOB", "filter Event-Name BACKGROUND_JOB"}
	if len(cmds) != 5 || fmt.Sprint(cmds[:4]) != fmt.Sprint(want) {
		t.Fatalf("commands %q", cmds)
	}
}

func TestBgAPIConnClosed(t *testing.T) {
	s := newFakeFS(t)
	s.handle = func(ss *fakeSession, cmd string) bool {
		if strings.HasPrefix(cmd, "bgapi ") {
			job := strings.SplitN(cmd, "Job-UUID: ", 2)[1]
			ss.send(replyFrame("+OK Job-UUID: " + job))
			time.AfterFunc(20*time.Millisecond, func() { ss.c.Close() })
			return true
		}
		return false
	}
	c := dialFake(t, s, Options{})
	_, err := c.BgAPI(ctxT(t, 2*time.Second), "status")
	if err == nil || !errors.Is(err, io.EOF) {
		t.Fatalf("got %v", err)
	}
}

func TestSubscribeEventsAndLogs(t *testing.T) {
	s := newFakeFS(t)
	events := sessionFramesOf(t, "sessions/04-event-plain-all-45s.txt", KindEventPlain)
	logs := sessionFramesOf(t, "sessions/07-originate-failures-with-log.txt", KindLogData)
	if len(events) != 15 || len(logs) != 29 {
		t.Fatalf("%d events %d logs", len(events), len(logs))
	}
	s.handle = func(ss *fakeSession, cmd string) bool {
		if cmd == "event plain ALL" {
			ss.send(frame(t, "event-plain-ALL-reply.txt"))
			for i, e := range events {
				ss.send(e, logs[i])
			}
			return true
		}
		return false
	}
	var mu sync.Mutex
	var names []string
	var nlogs int
	c := dialFake(t, s, Options{
		OnEvent: func(e *Event) { mu.Lock(); names = append(names, e.Name()); mu.Unlock() },
		OnLog:   func(*LogData) { mu.Lock(); nlogs++; mu.Unlock() },
	})
	if err := c.Subscribe(ctxT(t, time.Second), "plain", "ALL"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "events", func() bool { mu.Lock(); defer mu.Unlock(); return len(names) == 15 && nlogs == 15 })
	count := map[string]int{}
	for _, n := range names {
		count[n]++
	}
	// Event-Name counts of session 04 (grep "^Event-Name:" on the capture).
	want := map[string]int{"API": 3, "BACKGROUND_JOB": 1, "CUSTOM": 4, "HEARTBEAT": 3, "RE_SCHEDULE": 4}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", count, want)
	}
	if c.LastEvent().IsZero() || c.Stats().EventsRead != 15 {
		t.Errorf("stats %+v", c.Stats())
	}
	if err := c.Subscribe(ctxT(t, time.Second), "yaml"); err == nil {
		t.Error("bad format accepted")
	}
	if err := c.Subscribe(ctxT(t, time.Second), "plain", "A B"); !errors.Is(err, ErrInvalidCommand) {
		t.Errorf("event with space: %v", err)
	}
	for _, f := range []func() error{
		func() error { return c.Nixevent(ctxT(t, time.Second), "HEARTBEAT") },
		func() error { return c.NoEvents(ctxT(t, time.Second)) },
		func() error { return c.FilterDelete(ctxT(t, time.Second), "Event-Name", "HEARTBEAT") },
		func() error { return c.Log(ctxT(t, time.Second), "6") },
		func() error { return c.NoLog(ctxT(t, time.Second)) },
	} {
		if err := f(); err != nil {
			t.Error(err)
		}
	}
}

func TestReuseEvent(t *testing.T) {
	s := newFakeFS(t)
	events := sessionFramesOf(t, "calls/call3-degraded-loss-jitter/session-events-plain.txt", KindEventPlain)
	s.handle = func(ss *fakeSession, cmd string) bool {
		ss.send(frame(t, "event-plain-ALL-reply.txt"))
		for _, e := range events {
			ss.send(e)
		}
		return true
	}
	var mos []string
	var ptrs = map[*Event]bool{}
	var mu sync.Mutex
	c := dialFake(t, s, Options{ReuseEvent: true, OnEvent: func(e *Event) {
		mu.Lock()
		defer mu.Unlock()
		ptrs[e] = true
		if v, ok := e.Lookup("variable_rtp_audio_in_mos"); ok {
			mos = append(mos, strings.Clone(v))
		}
	}})
	c.Subscribe(ctxT(t, time.Second), "plain", "ALL")
	waitFor(t, "events", func() bool { return c.Stats().EventsRead == 35 })
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(mos) != "[4.50 2.21]" || len(ptrs) != 1 {
		t.Errorf("mos %v, %d distinct events", mos, len(ptrs))
	}
}

func TestDisconnectNotice(t *testing.T) {
	s := newFakeFS(t)
	s.handle = func(ss *fakeSession, cmd string) bool {
		ss.send(frame(t, "disconnect-notice.txt"))
		return true
	}
	c := dialFake(t, s, Options{})
	_, err := c.API(ctxT(t, 2*time.Second), "status")
	var de *DisconnectError
	if !errors.As(err, &de) || !errors.Is(err, ErrDisconnected) || !strings.Contains(de.Notice, "See you at ClueCon!") {
		t.Fatalf("got %v", err)
	}
	<-c.Done()
}

func TestServerStopsAnswering(t *testing.T) {
	s := newFakeFS(t)
	s.handle = func(*fakeSession, string) bool { return true } // swallow everything
	c := dialFake(t, s, Options{})
	start := time.Now()
	_, err := c.API(ctxT(t, 200*time.Millisecond), "status")
	if took := time.Since(start); took > time.Second {
		t.Fatalf("took %v", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrDeadConnection) {
		t.Fatalf("got %v", err)
	}
	select {
	case <-c.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("dead connection not closed")
	}
	if !errors.Is(c.Err(), ErrDeadConnection) {
		t.Errorf("Err %v", c.Err())
	}
	// Without a ctx deadline, CommandTimeout applies.
	c2 := dialFake(t, s, Options{CommandTimeout: 100 * time.Millisecond})
	if _, err := c2.API(context.Background(), "status"); !errors.Is(err, ErrDeadConnection) {
		t.Errorf("CommandTimeout: %v", err)
	}
}

// A command that times out while the server is alive leaves the connection
// up; its late reply is consumed in order and not given to the next caller.
func TestTimedOutWaiterKeepsOrder(t *testing.T) {
	s := newFakeFS(t)
	hb := frame(t, "event-plain-HEARTBEAT-1.txt")
	s.handle = func(ss *fakeSession, cmd string) bool {
		if cmd == "api echo slow" {
			ss.send(hb) // alive, but the reply comes late
			time.Sleep(300 * time.Millisecond)
		}
		return false
	}
	c := dialFake(t, s, Options{})
	_, err := c.API(ctxT(t, 100*time.Millisecond), "echo slow")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrDeadConnection) {
		t.Fatalf("slow: %v", err)
	}
	got, err := c.API(ctxT(t, 2*time.Second), "echo fast")
	if err != nil || string(got) != "fast" {
		t.Fatalf("next command got %q, %v", got, err)
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
}

func TestServerClosesMidBody(t *testing.T) {
	s := newFakeFS(t)
	s.handle = func(ss *fakeSession, cmd string) bool {
		f := frame(t, "api-status.txt")
		ss.send(f[:len(f)/2])
		ss.c.Close()
		return true
	}
	c := dialFake(t, s, Options{})
	_, err := c.API(ctxT(t, 2*time.Second), "status")
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v", err)
	}
	<-c.Done()
}

func TestOversizedFrameDropsConnection(t *testing.T) {
	s := newFakeFS(t)
	s.handle = func(ss *fakeSession, cmd string) bool {
		ss.send([]byte("Content-Type: api/response\nContent-Length: 2000\n\n"))
		return true
	}
	c := dialFake(t, s, Options{MaxBodyBytes: 1000})
	_, err := c.API(ctxT(t, 2*time.Second), "status")
	var fe *FrameError
	if !errors.Is(err, ErrBodyTooLarge) || !errors.As(err, &fe) || fe.Value != "2000" {
		t.Fatalf("got %v", err)
	}
	<-c.Done()
}

func TestCloseFailsPending(t *testing.T) {
	s := newFakeFS(t)
	s.handle = func(*fakeSession, string) bool { return true }
	c := dialFake(t, s, Options{})
	errc := make(chan error)
	go func() {
		_, err := c.API(ctxT(t, 5*time.Second), "status")
		errc <- err
	}()
	waitFor(t, "command sent", func() bool { return len(s.commands()) == 1 })
	c.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v", err)
	}
	<-c.Done()
	if _, err := c.API(ctxT(t, time.Second), "status"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

// Subscriptions sent as raw commands are tracked: BgAPI needs no extra
// "event" command after "event json ALL".
func TestSendCommandTracksSubscription(t *testing.T) {
	s := newFakeFS(t)
	c := dialFake(t, s, Options{})
	if _, err := c.SendCommand(ctxT(t, time.Second), "event json ALL"); err != nil {
		t.Fatal(err)
	}
	if body, err := c.BgAPI(ctxT(t, 2*time.Second), "status"); err != nil || len(body) != 335 {
		t.Fatalf("bgapi: %v", err)
	}
	if cmds := s.commands(); len(cmds) != 2 || !strings.HasPrefix(cmds[1], "bgapi status\nJob-UUID: ") {
		t.Fatalf("commands %q", cmds)
	}
}
