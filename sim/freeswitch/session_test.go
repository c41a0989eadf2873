package freeswitch

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Static replies must be byte-identical to the captures.
func TestSessionGreetingAuthExit(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s)
	c.send(readCapture(t, "sessions/01-greeting-auth-ok-exit.tx.txt"))
	want := readCapture(t, "sessions/01-greeting-auth-ok-exit.txt")
	var got strings.Builder
	for i := 0; i < 4; i++ {
		got.WriteString(c.frame())
	}
	if got.String() != want {
		t.Fatalf("session differs\n got %q\nwant %q", got.String(), want)
	}
	c.expectClosed()
}

func TestSessionAuthWrong(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s)
	c.send(readCapture(t, "sessions/02-auth-wrong.tx.txt"))
	want := readCapture(t, "sessions/02-auth-wrong.txt")
	got := c.frame() + c.frame() + c.frame()
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	c.expectClosed()
}

func TestSessionAPIBeforeAuth(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s)
	c.send(readCapture(t, "sessions/02b-api-before-auth.tx.txt"))
	want := readCapture(t, "sessions/02b-api-before-auth.txt")
	if got := c.frame() + c.frame(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	// still connected, and auth works afterwards
	c.send("auth ClueCon\n\n")
	if got, want := c.frame(), readCapture(t, "frames/auth-ok-reply.txt"); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

// The misc-commands session replayed byte for byte (the client's 5 s pause excepted).
func TestSessionMiscCommands(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s)
	c.send(readCapture(t, "sessions/06-misc-commands.tx.txt"))
	want := readCapture(t, "sessions/06-misc-commands.txt")
	var got strings.Builder
	for got.Len() < len(want) {
		f, err := c.tryFrame(5 * time.Second)
		got.WriteString(f)
		if err != nil {
			break
		}
	}
	if got.String() != want {
		t.Fatalf("got %q\nwant %q", firstDiff(got.String(), want), firstDiff(want, got.String()))
	}
	c.expectClosed()
}

func TestStaticReplies(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	for _, cf := range [][2]string{
		{"api version\n\n", "frames/api-version.txt"},
		{"api version short\n\n", "frames/api-version-short.txt"},
		{"api sofia xmlstatus gateway nosuchgw\n\n", "frames/api-sofia-xmlstatus-gateway-nosuchgw.txt"},
		{"api nonexistentcmd\n\n", "frames/api-nonexistentcmd.txt"},
		{"api nonexistentcmd with args\n\n", "frames/api-nonexistentcmd-with-args.txt"},
		{"unknowncommand\n\n", "frames/unknowncommand.txt"},
		{"noevents\n\n", "frames/noevents.txt"},
		{"api echo hello world\n\n", "frames/api-echo-hello-world.txt"},
		{"api echo\n\n", "frames/api-echo.txt"},
		{"api eval ${hostname}\n\n", "frames/api-eval-hostname.txt"},
		{"api global_getvar hostname\n\n", "frames/api-global-getvar-hostname.txt"},
		{"api hupall\n\n", "frames/api-hupall.txt"},
		{"api reloadxml\n\n", "frames/api-reloadxml.txt"},
		{"api show calls count\n\n", "frames/api-show-calls-count.txt"},
		{"api show channels count\n\n", "frames/api-show-channels-count.txt"},
		{"api show calls\n\n", "frames/api-show-calls.txt"},
		{"api show channels\n\n", "frames/api-show-channels.txt"},
		{"api show calls as json\n\n", "frames/api-show-calls-as-json.txt"},
		{"api show channels as json\n\n", "frames/api-show-channels-as-json.txt"},
		{"api show channels as xml\n\n", "frames/api-show-channels-as-xml.txt"},
		{"api uuid_kill 00000000-0000-0000-0000-000000000000\n\n", "frames/api-uuid-kill-00000000-0000-0000-0000-000000000000.txt"},
		{"log info\n\n", "frames/log-info-reply.txt"},
		{"event json HEARTBEAT\n\n", "frames/event-json-HEARTBEAT-reply.txt"},
		{"event xml HEARTBEAT\n\n", "frames/event-xml-HEARTBEAT-reply.txt"},
		{"event plain ALL\n\n", "frames/event-plain-ALL-reply.txt"},
	} {
		cmd, file := cf[0], cf[1]
		c.send(cmd)
		got := c.frame()
		for strings.HasPrefix(got, "Content-Length") { // events from earlier subscriptions
			got = c.frame()
		}
		if want := readCapture(t, file); got != want {
			t.Errorf("%q: got %q want %q", strings.TrimSpace(cmd), got, want)
		}
	}
}

func TestExitDisconnectNotice(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	c.send("exit\n\n")
	if got, want := c.frame(), readCapture(t, "frames/exit-reply.txt"); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if got, want := c.frame(), readCapture(t, "frames/disconnect-notice.txt"); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	c.expectClosed()
}

func TestBgapi(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	c.send("event plain BACKGROUND_JOB\n\n")
	c.frame()
	c.send("bgapi version\nJob-UUID: 11111111-2222-3333-4444-555555555555\n\n")
	if got, want := c.frame(), readCapture(t, "frames/bgapi-with-job-uuid-reply.txt"); got != want {
		t.Fatalf("reply: got %q want %q", got, want)
	}
	want := readCapture(t, "frames/event-plain-BACKGROUND_JOB-version-custom-job-uuid.txt")
	got := c.frame()
	if shape(got) != shape(strings.ReplaceAll(want, "%2018%3A42%3A56", "%2000%3A00%3A00")) && !sameExceptPreamble(got, want) {
		t.Fatalf("job event:\n got %q\nwant %q", got, want)
	}
	// generated Job-UUID + Job-Command-Arg
	c.send("bgapi show calls count\n\n")
	h, _ := parseFrame(c.frame())
	job := h["Job-UUID"]
	e := c.waitEvent(named("BACKGROUND_JOB"))
	if v, _ := e.get("Job-UUID"); v != job {
		t.Fatalf("job uuid %q != %q", v, job)
	}
	if v, _ := e.get("Job-Command-Arg"); v != "calls count" || e.body != "\n0 total.\n" {
		t.Fatalf("job arg %q body %q", v, e.body)
	}
	c.send("bgapi nonexistentcmd\n\n")
	c.frame()
	e = c.waitEvent(named("BACKGROUND_JOB"))
	if e.body != "-ERR nonexistentcmd Command not found!\n" {
		t.Fatalf("body %q", e.body)
	}
}

// sameExceptPreamble compares two event frames ignoring the values of the standard headers.
func sameExceptPreamble(a, b string) bool {
	_, ba := parseFrame(a)
	_, bb := parseFrame(b)
	ea, eb := parsePlainEvent(ba), parsePlainEvent(bb)
	if len(ea.headers) != len(eb.headers) || ea.body != eb.body {
		return false
	}
	for i := range ea.headers {
		if ea.headers[i].name != eb.headers[i].name {
			return false
		}
		if !preambleNames[ea.headers[i].name] && ea.headers[i].value != eb.headers[i].value {
			return false
		}
	}
	return true
}

func TestEventFilters(t *testing.T) {
	s := startServer(t, Config{HeartbeatInterval: 50 * time.Millisecond})
	c := login(t, s)
	c.send("event plain HEARTBEAT CHANNEL_CREATE CUSTOM sofia::gateway_state\n\n")
	c.frame()
	c.send("filter Event-Name CHANNEL_CREATE\n\n")
	if f := c.frame(); !strings.Contains(f, "+OK filter added. [Event-Name]=[CHANNEL_CREATE]") {
		t.Fatal(f)
	}
	s.StartCall(CallSpec{})
	e := c.waitEvent(func(*event) bool { return true })
	if n, _ := e.get("Event-Name"); n != "CHANNEL_CREATE" {
		t.Fatalf("filtered stream delivered %s", n)
	}
	c.send("filter delete Event-Name CHANNEL_CREATE\n\n")
	c.waitEvent(named("HEARTBEAT"))
	// custom subclass subscription
	s.SetGatewayState("gw-loop", GatewayFailWait)
	e = c.waitEvent(func(e *event) bool { return e.subclass == "sofia::gateway_state" })
	if v, _ := e.get("State"); v != "FAIL_WAIT" {
		t.Fatalf("state %q", v)
	}
	c.send("nixevent HEARTBEAT\n\n")
	c.send("api sofia status gateway gw-loop\n\n")
	for {
		h, body := parseFrame(c.frame())
		if h["Content-Type"] == "api/response" {
			if !strings.Contains(body, "FAIL_WAIT") || !strings.Contains(body, "Status  \tDOWN") {
				t.Fatalf("gateway status %q", body)
			}
			break
		}
	}
}

func TestJSONAndXMLEvents(t *testing.T) {
	s := startServer(t, Config{HeartbeatInterval: 50 * time.Millisecond})
	c := login(t, s)
	c.send("event json HEARTBEAT\n\n")
	c.frame()
	h, body := parseFrame(c.frame())
	if h["Content-Type"] != "text/event-json" || !strings.HasPrefix(body, `{"Event-Name":"HEARTBEAT","Core-UUID":"`) {
		t.Fatalf("json heartbeat %v %q", h, body)
	}
	want := readCapture(t, "frames/event-json-HEARTBEAT.txt")
	_, wb := parseFrame(want)
	if shape(keysOnly(body)) != shape(keysOnly(wb)) {
		t.Fatalf("json keys differ\n got %s\nwant %s", keysOnly(body), keysOnly(wb))
	}
	c.send("event xml HEARTBEAT\n\n")
	for {
		h, body = parseFrame(c.frame())
		if h["Content-Type"] == "text/event-xml" {
			break
		}
	}
	_, wx := parseFrame(readCapture(t, "frames/event-xml-HEARTBEAT-after-switch.txt"))
	if xmlTags(body) != xmlTags(wx) {
		t.Fatalf("xml differs\n got %s\nwant %s", body, wx)
	}
}

func keysOnly(js string) string {
	var keys []string
	for _, part := range strings.Split(js, `","`) {
		k, _, _ := strings.Cut(part, `":"`)
		keys = append(keys, strings.Trim(k, `{"`))
	}
	return strings.Join(keys, ",")
}

func xmlTags(x string) string {
	var b strings.Builder
	for _, l := range lines(x) {
		if i := strings.IndexByte(l, '>'); i >= 0 {
			b.WriteString(l[:i+1])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestMyEvents(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	u1 := s.StartCall(CallSpec{})
	c.send("myevents " + u1 + "\n\n")
	if f := c.frame(); !strings.Contains(f, "+OK Events Enabled") {
		t.Fatal(f)
	}
	s.StartCall(CallSpec{})
	s.HangupCall(u1, "")
	e := c.waitEvent(func(*event) bool { return true })
	if v, _ := e.get("Unique-ID"); v != u1 {
		t.Fatalf("myevents delivered another channel's event %s", v)
	}
}

func TestLogLines(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	c.send("log 6\n\n")
	if got, want := c.frame(), readCapture(t, "frames/misc-log-6.txt"); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	s.StartCall(CallSpec{})
	h, body := parseFrame(c.frame())
	if h["Content-Type"] != "log/data" || h["Log-Level"] != "5" || !strings.Contains(body, "[NOTICE] switch_channel.c:1142 New Channel sofia/internal/") {
		t.Fatalf("log frame %v %q", h, body)
	}
}

func TestAuthTimeout(t *testing.T) {
	s := startServer(t, Config{AuthTimeout: 100 * time.Millisecond})
	c := dial(t, s)
	c.frame()
	if got, want := c.frame(), readCapture(t, "frames/disconnect-notice.txt"); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	c.expectClosed()
}

func TestManyClients(t *testing.T) {
	s := startServer(t, Config{})
	done := make(chan string, 20)
	for i := 0; i < 20; i++ {
		go func() {
			c := login(t, s)
			c.send("api status\n\n")
			h, body := parseFrame(c.frame())
			if h["Content-Type"] != "api/response" {
				done <- "bad " + body
				return
			}
			done <- ""
		}()
	}
	for i := 0; i < 20; i++ {
		if msg := <-done; msg != "" {
			t.Fatal(msg)
		}
	}
}

// splitFrames cuts a byte-exact capture into ESL frames.
func splitFrames(t *testing.T, data string) []string {
	var out []string
	for data != "" {
		head, rest, ok := strings.Cut(data, "\n\n")
		if !ok {
			t.Fatalf("truncated capture at %q", data)
		}
		h, _ := parseFrame(head + "\n\n")
		n := 0
		if v, ok := h["Content-Length"]; ok {
			n, _ = strconv.Atoi(v)
		}
		out = append(out, head+"\n\n"+rest[:n])
		data = rest[n:]
	}
	return out
}

// The whole idle api session of the capture, command by command: same frames, same text,
// only figures (and uuids, dates) differ.
func TestSessionAPIIdleReplay(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s)
	want := splitFrames(t, readCapture(t, "sessions/03-api-idle.txt"))
	packets := strings.Split(strings.TrimSuffix(readCapture(t, "sessions/03-api-idle.tx.txt"), "\n\n"), "\n\n")
	skip := map[string]bool{ // commands of modules the simulator does not have
		"api show modules": true, "api fsctl loglevel": true, "api sofia profile nosuch start": true,
	}
	if got := c.frame(); got != want[0] {
		t.Fatalf("greeting %q", got)
	}
	w := 1
	subscribed := false
	for _, p := range packets {
		cmd := strings.SplitN(p, "\n", 2)[0]
		c.send(p + "\n\n")
		n := 1
		if strings.HasPrefix(cmd, "bgapi") && subscribed {
			n = 2
		}
		if strings.HasPrefix(cmd, "event ") {
			subscribed = true
		}
		if cmd == "noevents" {
			subscribed = false
		}
		for i := 0; i < n; i++ {
			got := c.frame()
			exp := want[w]
			w++
			if skip[cmd] {
				continue
			}
			if cmd == "api global_getvar" {
				_, gb := parseFrame(got)
				_, wb := parseFrame(exp)
				got, exp = keysOf(gb), keysOf(wb)
			}
			if shape(got) != shape(exp) {
				t.Errorf("%s:\n got %q\nwant %q", cmd, got, exp)
			}
		}
	}
	if rest := want[w:]; len(rest) != 1 || rest[0] != readCapture(t, "frames/disconnect-notice.txt") {
		t.Fatalf("%d frames left: %q", len(rest), rest)
	}
	if got := c.frame(); got != want[w] {
		t.Fatalf("disconnect %q", got)
	}
}
