package ami

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func dialFake(t *testing.T, f *fakeAMI, opts Options) *Conn {
	t.Helper()
	if opts.Username == "" {
		opts.Username, opts.Secret = "exporter", "exporterpass"
	}
	c, err := Dial(context.Background(), f.addr(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// captured answers actions with the bytes Asterisk 20 sent for them in the
// busy capture, under the client's ActionID.
func captured(t *testing.T) func(s *fakeSession, req *Message) {
	ids := map[string]string{
		"Ping": "ping-1", "CoreStatus": "corestatus-1", "CoreShowChannels": "coreshowchannels-1",
		"SIPpeers": "sippeers-1", "SIPshowregistry": "sipshowregistry-1", "ConfbridgeListRooms": "cblistrooms-1",
		"QueueStatus": "queuestatus-1", "QueueSummary": "queuesummary-1",
	}
	cache := map[string][]byte{}
	var mu sync.Mutex
	return func(s *fakeSession, req *Message) {
		action := req.Get("Action")
		mu.Lock()
		b, ok := cache[action]
		if !ok && ids[action] != "" {
			b = replies(t, "busy/10-queries.raw", ids[action], "\x00ID\x00")
			cache[action] = b
		}
		mu.Unlock()
		if b == nil {
			s.write([]byte("Response: Error\r\nActionID: " + req.ActionID() + "\r\nMessage: Invalid/unknown command: " + action + ". Use Action: ListCommands to show available commands.\r\n\r\n"))
			return
		}
		s.write([]byte(strings.ReplaceAll(string(b), "\x00ID\x00", req.ActionID())))
	}
}

func TestConnActionsAndLists(t *testing.T) {
	f := newFakeAMI(t, captured(t))
	c := dialFake(t, f, Options{})
	if c.Version() != "9.0.0" {
		t.Errorf("version %q", c.Version())
	}
	ctx := context.Background()
	resp, err := c.Action(ctx, "CoreStatus")
	if err != nil || resp.Get("CoreCurrentCalls") != "12" || resp.Get("CoreProcessedCalls") != "9" {
		t.Fatalf("CoreStatus: %v %s", err, resp)
	}
	resp, items, err := c.List(ctx, "CoreShowChannels")
	if err != nil || len(items) != 10 || !resp.IsListStart() {
		t.Fatalf("CoreShowChannels: %v, %d items", err, len(items))
	}
	if items[9].Get("Channel") != "SIP/1031-00000006" {
		t.Errorf("last channel %s", items[9])
	}
	_, items, err = c.List(ctx, "QueueStatus")
	if err != nil || len(items) != 5 || items[4].Event() != "QueueEntry" {
		t.Fatalf("QueueStatus (ActionID last): %v %d", err, len(items))
	}
	_, err = c.Action(ctx, "NoSuchAction")
	if !IsUnknownAction(err) {
		t.Errorf("unknown action: %v", err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Error(err)
	}
	st := c.Stats()
	if st.ActionsSent != 6 || st.ActionErrors != 1 || st.ListItems != 17 {
		t.Errorf("stats %+v", st)
	}
}

// TestConnPipelined runs many actions at once on one connection: every
// answer reaches its own caller.
func TestConnPipelined(t *testing.T) {
	f := newFakeAMI(t, captured(t))
	c := dialFake(t, f, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				_, items, err := c.List(context.Background(), "SIPpeers")
				if err == nil && len(items) != 8 {
					err = fmt.Errorf("SIPpeers: %d items", len(items))
				}
				errs <- err
			case 1:
				r, err := c.Action(context.Background(), "Ping")
				if err == nil && r.Get("Ping") != "Pong" {
					err = fmt.Errorf("ping %s", r)
				}
				errs <- err
			default:
				_, items, err := c.List(context.Background(), "CoreShowChannels")
				if err == nil && len(items) != 10 {
					err = fmt.Errorf("channels: %d items", len(items))
				}
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestConnLoginFailure(t *testing.T) {
	f := newFakeAMI(t, captured(t))
	_, err := Dial(context.Background(), f.addr(), Options{Username: "exporter", Secret: "wrong-secret"})
	if !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("err = %v", err)
	}
	_, err = Dial(context.Background(), f.addr(), Options{Username: "", Secret: "x"})
	if err == nil {
		t.Fatal("empty username accepted")
	}
	_, err = Dial(context.Background(), f.addr(), Options{Username: "a", Secret: "x\r\nAction: Originate"})
	if err == nil {
		t.Fatal("CR/LF in secret accepted")
	}
}

func TestConnBadGreeting(t *testing.T) {
	f := newFakeAMI(t, captured(t))
	f.setGreeting("SSH-2.0-OpenSSH_9.2\r\n")
	_, err := Dial(context.Background(), f.addr(), Options{Username: "exporter", Secret: "exporterpass"})
	if !errors.Is(err, ErrBadGreeting) {
		t.Fatalf("err = %v", err)
	}
	// A server that says nothing: the dial timeout ends the wait.
	f.setGreeting("")
	start := time.Now()
	_, err = Dial(context.Background(), f.addr(), Options{Username: "exporter", Secret: "exporterpass", DialTimeout: 200 * time.Millisecond})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("silent server: %v after %s", err, time.Since(start))
	}
}

// TestConnDropMidList: Asterisk goes away in the middle of an event list;
// the waiting List fails at once and later actions fail too.
func TestConnDropMidList(t *testing.T) {
	f := newFakeAMI(t, func(s *fakeSession, req *Message) {
		b := replies(t, "busy/10-queries.raw", "sippeers-1", req.ActionID())
		s.write(b[:len(b)/2])
		s.close()
	})
	c := dialFake(t, f, Options{})
	_, items, err := c.List(context.Background(), "SIPpeers")
	if err == nil || items != nil {
		t.Fatalf("List after a drop = %d items, %v", len(items), err)
	}
	<-c.Done()
	if _, err := c.Action(context.Background(), "Ping"); err == nil {
		t.Fatal("action on a dead connection succeeded")
	}
}

// TestConnEvents: unsolicited events go to OnEvent, list items do not.
func TestConnEvents(t *testing.T) {
	events := captureMessages(t, "events/01-lifecycle-exporter-default.raw")
	var got atomic.Int32
	var names sync.Map
	f := newFakeAMI(t, func(s *fakeSession, req *Message) {
		for _, e := range events {
			if e.IsEvent() {
				s.write(wire(e, ""))
			}
		}
		s.write(replies(t, "busy/10-queries.raw", "sippeers-1", req.ActionID()))
	})
	c := dialFake(t, f, Options{Events: "on", OnEvent: func(m *Message) {
		got.Add(1)
		names.Store(m.Event(), true)
	}})
	_, items, err := c.List(context.Background(), "SIPpeers")
	if err != nil || len(items) != 8 {
		t.Fatalf("%v %d", err, len(items))
	}
	want := 0
	for _, e := range events {
		if e.IsEvent() {
			want++
		}
	}
	if int(got.Load()) != want {
		t.Errorf("OnEvent got %d events, want %d", got.Load(), want)
	}
	for _, n := range []string{"RTCPReceived", "RTCPSent", "Hangup", "FullyBooted"} {
		if _, ok := names.Load(n); !ok {
			t.Errorf("no %s event", n)
		}
	}
	if _, ok := names.Load("PeerEntry"); ok {
		t.Error("a list item reached OnEvent")
	}
}

// TestConnEventFlood: a flood of events does not delay or break actions,
// and memory does not grow with it (events are handed over, not queued).
func TestConnEventFlood(t *testing.T) {
	ev := []byte(strings.Repeat("Event: RTCPSent\r\nPrivilege: reporting,all\r\nChannel: SIP/1031-00000001\r\nReport0FractionLost: 0\r\n\r\n", 64))
	stop := make(chan struct{})
	var once sync.Once
	f := newFakeAMI(t, func(s *fakeSession, req *Message) {
		once.Do(func() {
			go func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if s.write(ev) != nil {
						return
					}
				}
			}()
		})
		s.write([]byte("Response: Success\r\nActionID: " + req.ActionID() + "\r\nPing: Pong\r\n\r\n"))
	})
	defer close(stop)
	var n atomic.Int64
	c := dialFake(t, f, Options{Events: "on", OnEvent: func(*Message) { n.Add(1) }})
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Ping(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() < 64 {
		t.Errorf("only %d events during the flood", n.Load())
	}
}

// TestConnTimeout: an action that gets no answer fails at its deadline; a
// connection that sent nothing at all meanwhile is declared dead.
func TestConnTimeout(t *testing.T) {
	f := newFakeAMI(t, func(s *fakeSession, req *Message) {})
	c := dialFake(t, f, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Action(ctx, "CoreStatus")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrDeadConnection) {
		t.Fatalf("err = %v", err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), ErrDeadConnection) {
		t.Errorf("conn err = %v", c.Err())
	}
}

// TestConnKeepalive: with PingInterval set, a server that stops answering
// is detected without any caller action.
func TestConnKeepalive(t *testing.T) {
	var answer atomic.Bool
	answer.Store(true)
	var pings atomic.Int32
	f := newFakeAMI(t, func(s *fakeSession, req *Message) {
		if req.Get("Action") == "Ping" {
			pings.Add(1)
		}
		if answer.Load() {
			s.write([]byte("Response: Success\r\nActionID: " + req.ActionID() + "\r\nPing: Pong\r\n\r\n"))
		}
	})
	c := dialFake(t, f, Options{PingInterval: 50 * time.Millisecond, ActionTimeout: 100 * time.Millisecond})
	deadline := time.Now().Add(3 * time.Second)
	for pings.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if pings.Load() < 2 {
		t.Fatal("no keepalive pings")
	}
	answer.Store(false)
	select {
	case <-c.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("dead server not detected")
	}
	if !errors.Is(c.Err(), ErrDeadConnection) {
		t.Errorf("err = %v", c.Err())
	}
}

func TestConnCommand(t *testing.T) {
	msgs := captureMessages(t, "idle/11-command-actions.raw")
	reqs := parseRequests(t, "idle/11-command-actions.tx")
	byCmd := map[string]*Message{}
	for _, m := range msgs {
		for _, r := range reqs {
			if r.ActionID() == m.ActionID() && r.Get("Command") != "" {
				byCmd[r.Get("Command")] = m
			}
		}
	}
	f := newFakeAMI(t, func(s *fakeSession, req *Message) {
		if req.Get("Command") == "legacy" {
			s.write([]byte("Response: Follows\r\nPrivilege: Command\r\nActionID: " + req.ActionID() + "\r\n2 active calls\n--END COMMAND--\r\n\r\n"))
			return
		}
		m := byCmd[req.Get("Command")]
		if m == nil {
			s.write([]byte("Response: Error\r\nActionID: " + req.ActionID() + "\r\nMessage: Permission denied\r\n\r\n"))
			return
		}
		s.write(wire(m, req.ActionID()))
	})
	c := dialFake(t, f, Options{})
	ctx := context.Background()
	out, err := c.Command(ctx, "core show uptime seconds")
	if err != nil || out != "System uptime: 233\nLast reload: 233\n" {
		t.Errorf("uptime: %q %v", out, err)
	}
	out, err = c.Command(ctx, "core show channels concise")
	if err != nil || out != "\n" {
		t.Errorf("empty output: %q %v", out, err)
	}
	out, err = c.Command(ctx, "no such command")
	if !IsUnknownCommand(err) || !strings.HasPrefix(out, "No such command") {
		t.Errorf("unknown command: %q %v", out, err)
	}
	_, err = c.Command(ctx, "core stop now")
	if !IsPermissionDenied(err) {
		t.Errorf("denied: %v", err)
	}
	out, err = c.Command(ctx, "legacy")
	if err != nil || out != "2 active calls\n" {
		t.Errorf("legacy: %q %v", out, err)
	}
	if _, err := c.Command(ctx, "core show\r\nAction: Originate"); !errors.Is(err, ErrInvalidAction) {
		t.Errorf("injection: %v", err)
	}
}

func TestConnLogoff(t *testing.T) {
	f := newFakeAMI(t, captured(t))
	c := dialFake(t, f, Options{})
	if err := c.Logoff(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), ErrLoggedOff) {
		t.Errorf("err = %v", c.Err())
	}
}

// TestConnListCap: an event list longer than MaxListItems fails instead of
// growing without bound; the connection stays usable.
func TestConnListCap(t *testing.T) {
	f := newFakeAMI(t, captured(t))
	c := dialFake(t, f, Options{MaxListItems: 5})
	if _, _, err := c.List(context.Background(), "SIPpeers"); !errors.Is(err, ErrListTooLong) {
		t.Fatalf("err = %v", err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("after a capped list: %v", err)
	}
	if c.Stats().Unmatched == 0 {
		t.Error("the rest of the capped list was not counted as unmatched")
	}
}
