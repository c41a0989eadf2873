package asterisk

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
)

// volatile are the AMI fields that hold clock readings: compared as "<t>".
var volatile = map[string]bool{
	"timestamp": true, "duration": true, "seconds": true, "answeredtime": true, "wait": true, "longestholdtime": true,
	"uptime": true, "lastreload": true, "corestartupdate": true, "corestartuptime": true, "corereloaddate": true,
	"corereloadtime": true, "logintime": true, "lastpause": true, "registrationtime": true, "expirationtime": true,
	"regexpire": true, "password": true,
}

func normalize(m *ami.Message) string {
	var b strings.Builder
	for i := range m.Len() {
		k, v := m.Header(i)
		if volatile[strings.ToLower(k)] {
			v = "<t>"
		}
		b.WriteString(k + ": " + v + "\n")
	}
	return b.String()
}

func readAll(t *testing.T, path string) []*ami.Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(captures, "ami", path))
	if err != nil {
		t.Fatal(err)
	}
	r := ami.NewReader(bytes.NewReader(raw), ami.ReaderOptions{})
	if strings.HasSuffix(path, ".raw") {
		if _, err := r.ReadGreeting(); err != nil {
			t.Fatal(err)
		}
	}
	var out []*ami.Message
	for {
		m, err := r.ReadMessage()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
}

// replay sends a captured session's actions (those keep accepts) to the
// simulator and compares every answer with the real one.
func replay(t *testing.T, s *Server, session string, keep func(req *ami.Message) bool) {
	t.Helper()
	reqs := readAll(t, session+".tx")
	got := readAll(t, session+".raw")
	var want []*ami.Message
	var sent [][]byte
	used := map[int]bool{}
	for _, req := range reqs {
		if !keep(req) {
			continue
		}
		var w bytes.Buffer
		for i := range req.Len() {
			k, v := req.Header(i)
			w.WriteString(k + ": " + v + "\r\n")
		}
		w.WriteString("\r\n")
		sent = append(sent, w.Bytes())
		id := req.ActionID()
		for i, m := range got {
			if used[i] || m.ActionID() != id || (id == "" && m.IsEvent()) {
				continue
			}
			used[i] = true
			want = append(want, m)
			if id == "" {
				break
			}
		}
	}
	if len(want) < 1 {
		t.Fatalf("%s: only %d answers to compare", session, len(want))
	}
	defer func() { t.Logf("%s: %d answers identical", session, len(want)) }()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		for _, b := range sent {
			c.Write(b)
		}
	}()
	r := ami.NewReader(bufio.NewReader(c), ami.ReaderOptions{})
	if v, err := r.ReadGreeting(); err != nil || v != "9.0.0" {
		t.Fatalf("greeting %q %v", v, err)
	}
	for i, w := range want {
		m, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("%s: answer %d (%s): %v", session, i, w.ActionID(), err)
		}
		for m.IsEvent() && m.ActionID() == "" && !w.IsEvent() {
			if m, err = r.ReadMessage(); err != nil {
				t.Fatal(err)
			}
		}
		if g, e := normalize(m), normalize(w); g != e {
			t.Fatalf("%s: answer %d differs:\n--- simulator\n%s--- Asterisk 20.20.1\n%s", session, i, g, e)
		}
	}
}

func all(*ami.Message) bool { return true }

func startLab(t *testing.T, cfg Config, chans []labChan, processed int) *Server {
	t.Helper()
	s, _ := newLab(t, cfg, chans, verboseAges, processed)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAMIMatchesCapturesIdle(t *testing.T) {
	s := startLab(t, Lab(), nil, 3)
	for _, session := range []string{"idle/01-login-ok-logoff", "idle/04-action-before-login", "idle/12-edge-cases"} {
		t.Run(session, func(t *testing.T) { replay(t, s, session, all) })
	}
	t.Run("idle/10-queries", func(t *testing.T) {
		replay(t, s, "idle/10-queries", func(r *ami.Message) bool {
			a := strings.ToLower(r.Get("Action"))
			return a != "sipshowpeer" || r.Get("Peer") == "nosuchpeer"
		})
	})
	for _, session := range []string{"idle/02-login-bad-secret", "idle/03-login-unknown-user"} {
		t.Run(session, func(t *testing.T) {
			replay(t, s, session, func(r *ami.Message) bool { return r.Get("Action") == "Login" })
			// …and Asterisk hangs up after a failed login.
		})
	}
}

func TestAMIMatchesCapturesBusy(t *testing.T) {
	cfg := Lab()
	cfg.Queues[0].Members = append(cfg.Queues[0].Members, QueueMember{Name: "LocalWaiter", Interface: "Local/wait@local-originate", Dynamic: true, Paused: true, Status: 1})
	s := startLab(t, cfg, labBusy, 9)
	replay(t, s, "busy/10-queries", func(r *ami.Message) bool { return r.Get("Action") != "SIPshowpeer" })
	replay(t, s, "busy/13-status-and-channel", func(r *ami.Message) bool {
		a := r.Get("Action")
		return a == "Login" || a == "Status" || a == "Logoff"
	})
	replay(t, s, "busy/11-command-actions", func(r *ami.Message) bool {
		switch r.Get("Command") {
		case "", "sip show peers", "core show channels count", "core show calls", "sip show settings", "confbridge list", "no such command":
			return true
		}
		return false
	})
}

func TestAMIMatchesCapturesPJSIP(t *testing.T) {
	s := startLab(t, Lab(), pjsipBusy, 2)
	s.UpdateEndpoint("2031", func(e *Endpoint) {
		e.Contacts[0].RTT = 315 * time.Microsecond
		e.Contacts[0].CallID = "e65162739d03f657"
	})
	s.UpdateEndpoint("2032", func(e *Endpoint) {
		e.Contacts[0].RTT = 485 * time.Microsecond
		e.Contacts[0].CallID = "b6c5c047b7736b1d"
	})
	replay(t, s, "pjsip-busy/10-pjsip-queries", func(r *ami.Message) bool {
		switch r.Get("Action") {
		case "Login", "Logoff", "PJSIPShowEndpoints", "PJSIPShowContacts", "PJSIPShowRegistrationsOutbound", "CoreShowChannels":
			return true
		}
		return false
	})
}
