package freeswitch

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func headerNames(e *event) []string {
	var n []string
	for _, h := range e.headers {
		n = append(n, h.name)
	}
	return n
}

func captureEvent(t *testing.T, file string) *event {
	return parsePlainEvent(captureBody(t, file))
}

func diffNames(got, want []string) (missing, extra []string) {
	g, w := map[string]int{}, map[string]int{}
	for _, n := range got {
		g[n]++
	}
	for _, n := range want {
		w[n]++
	}
	for n, c := range w {
		if g[n] < c {
			missing = append(missing, n)
		}
	}
	for n, c := range g {
		if w[n] < c {
			extra = append(extra, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return
}

// collect subscribes a client to call events and returns a function reading events until
// CHANNEL_HANGUP_COMPLETE of every given leg arrived.
func collectCall(t *testing.T, c *client, legs int) []*event {
	t.Helper()
	var evs []*event
	done := 0
	for done < legs {
		e := c.waitEvent(func(*event) bool { return true })
		evs = append(evs, e)
		if n, _ := e.get("Event-Name"); n == "CHANNEL_HANGUP_COMPLETE" {
			done++
		}
	}
	return evs
}

func subscribe(t *testing.T, s *Server) *client {
	c := login(t, s)
	c.send("event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE RECV_RTCP_MESSAGE SEND_RTCP_MESSAGE CHANNEL_CALLSTATE\n\n")
	if f := c.frame(); !strings.Contains(f, "+OK event listener enabled plain") {
		t.Fatal(f)
	}
	return c
}

func byName(evs []*event, name, uuid string) []*event {
	var out []*event
	for _, e := range evs {
		n, _ := e.get("Event-Name")
		u, _ := e.get("Unique-ID")
		if n == name && (uuid == "" || u == uuid) {
			out = append(out, e)
		}
	}
	return out
}

func TestCallEventsMatchCaptures(t *testing.T) {
	s := startServer(t, Config{RTCPInterval: 40 * time.Millisecond})
	c := subscribe(t, s)
	c3 := "calls/call3-degraded-loss-jitter/events-plain/"
	c2 := "calls/call2-bridge-natural-hangup/events-plain/"
	for _, tc := range []struct {
		spec  CallSpec
		files map[string][]string // event -> capture per leg (A, B)
	}{
		{CallSpec{Direction: "inbound", Quality: QualityLossy, Duration: 200 * time.Millisecond}, map[string][]string{
			"CHANNEL_CREATE": {c3 + "001-CHANNEL_CREATE.txt"}, "CHANNEL_ANSWER": {c3 + "003-CHANNEL_ANSWER.txt"},
			"CHANNEL_HANGUP": {c3 + "029-CHANNEL_HANGUP.txt"}, "CHANNEL_HANGUP_COMPLETE": {c3 + "031-CHANNEL_HANGUP_COMPLETE.txt"},
			"CHANNEL_CALLSTATE": {c3 + "030-CHANNEL_CALLSTATE.txt"},
			"SEND_RTCP_MESSAGE": {c3 + "011-SEND_RTCP_MESSAGE.txt"}, "RECV_RTCP_MESSAGE": {c3 + "013-RECV_RTCP_MESSAGE.txt"},
		}},
		{CallSpec{Direction: "outbound", Quality: QualityJittery, Duration: 200 * time.Millisecond}, map[string][]string{
			"CHANNEL_CREATE": {c3 + "000-CHANNEL_CREATE.txt"}, "CHANNEL_ANSWER": {c3 + "005-CHANNEL_ANSWER.txt"},
			"CHANNEL_HANGUP": {c3 + "028-CHANNEL_HANGUP.txt"}, "CHANNEL_HANGUP_COMPLETE": {c3 + "033-CHANNEL_HANGUP_COMPLETE.txt"},
		}},
		{CallSpec{Bridged: true, Duration: 200 * time.Millisecond, Codec: "G722"}, map[string][]string{
			"CHANNEL_CREATE": {c2 + "001-CHANNEL_CREATE.txt", c2 + "003-CHANNEL_CREATE.txt"},
			"CHANNEL_ANSWER": {c2 + "010-CHANNEL_ANSWER.txt", c2 + "008-CHANNEL_ANSWER.txt"},
			"CHANNEL_BRIDGE": {c2 + "012-CHANNEL_BRIDGE.txt"}, "CHANNEL_UNBRIDGE": {c2 + "063-CHANNEL_UNBRIDGE.txt"},
			"CHANNEL_HANGUP":          {c2 + "064-CHANNEL_HANGUP.txt", c2 + "060-CHANNEL_HANGUP.txt"},
			"CHANNEL_HANGUP_COMPLETE": {c2 + "066-CHANNEL_HANGUP_COMPLETE.txt", c2 + "062-CHANNEL_HANGUP_COMPLETE.txt"},
		}},
	} {
		a := s.StartCall(tc.spec)
		b := ""
		if ci := s.Calls(); len(ci) > 0 {
			b = ci[len(ci)-1].BLegUUID
		}
		nlegs := 1
		if b != "" {
			nlegs = 2
		}
		evs := collectCall(t, c, nlegs)
		for name, files := range tc.files {
			for i, f := range files {
				uuid := a
				if i == 1 {
					uuid = b
				}
				got := byName(evs, name, uuid)
				if len(got) == 0 {
					t.Fatalf("%v: no %s for leg %d", tc.spec, name, i)
				}
				want := captureEvent(t, f)
				missing, extra := diffNames(headerNames(got[len(got)-1]), headerNames(want))
				missing = without(missing, droppedHeaders)
				extra = without(extra, map[string]bool{"variable_domain_name": true})
				if len(missing)+len(extra) > 0 {
					t.Errorf("%s leg %d vs %s: missing %v extra %v", name, i, f, missing, extra)
				}
			}
		}
		// sequence increases, Core-UUID stable
		prev := uint64(0)
		core, _ := evs[0].get("Core-UUID")
		for _, e := range evs {
			seq, _ := e.get("Event-Sequence")
			n, _ := strconv.ParseUint(seq, 10, 64)
			if n <= prev {
				t.Fatalf("Event-Sequence %d after %d", n, prev)
			}
			prev = n
			if cu, _ := e.get("Core-UUID"); cu != core {
				t.Fatal("Core-UUID changed")
			}
		}
		if nlegs == 2 {
			ha := byName(evs, "CHANNEL_HANGUP_COMPLETE", a)[0]
			hb := byName(evs, "CHANNEL_HANGUP_COMPLETE", b)[0]
			ca, _ := ha.get("variable_sip_call_id")
			cb, _ := hb.get("variable_sip_call_id")
			if ca == "" || ca != cb {
				t.Fatalf("bridged legs call-ids %q %q", ca, cb)
			}
			br := byName(evs, "CHANNEL_BRIDGE", a)[0]
			if v, _ := br.get("Other-Leg-Unique-ID"); v != b {
				t.Fatalf("bridge Other-Leg-Unique-ID %q", v)
			}
			if v, _ := br.get("Bridge-B-Unique-ID"); v != b {
				t.Fatalf("bridge Bridge-B-Unique-ID %q", v)
			}
			if v, _ := hb.get("variable_read_codec"); v != "G722" {
				t.Fatalf("codec %q", v)
			}
		}
	}
}

func without(names []string, drop map[string]bool) []string {
	var out []string
	for _, n := range names {
		if !drop[n] {
			out = append(out, n)
		}
	}
	return out
}

// Event lines are URL-encoded as FreeSWITCH does and decode back to the values.
func TestCallEventEncoding(t *testing.T) {
	s := startServer(t, Config{RTCPInterval: 30 * time.Millisecond})
	c := subscribe(t, s)
	s.StartCall(CallSpec{Bridged: true, Duration: 100 * time.Millisecond, Domain: "acme.example.com", Caller: "Alice 100"})
	n := 0
	for n < 2 {
		f := c.frame()
		h, body := parseFrame(f)
		if h["Content-Type"] != "text/event-plain" {
			continue
		}
		for _, l := range lines(body) {
			if l == "" {
				break
			}
			name, val, ok := strings.Cut(l, ": ")
			if !ok || strings.ContainsAny(val, " \r\"<>@:;{}") || strings.Contains(name, " ") {
				t.Fatalf("badly encoded line %q", l)
			}
			if urlEncode(urlDecode(val)) != val && val != "_undef_" {
				t.Fatalf("value does not round-trip: %q", val)
			}
		}
		e := parsePlainEvent(body)
		if string(e.frame(fmtPlain)) != f {
			t.Fatalf("re-serialisation differs: %q", f)
		}
		if name, _ := e.get("Event-Name"); name == "CHANNEL_HANGUP_COMPLETE" {
			n++
			if v, _ := e.get("variable_domain_name"); v != "acme.example.com" {
				t.Fatalf("domain %q", v)
			}
			if v, _ := e.get("variable_sip_from_host"); v != "acme.example.com" {
				t.Fatalf("from host %q", v)
			}
			if v, _ := e.get("variable_sip_to_host"); v != "acme.example.com" {
				t.Fatalf("to host %q", v)
			}
			if v, _ := e.get("Channel-Name"); !strings.HasSuffix(v, "@acme.example.com") {
				t.Fatalf("channel %q", v)
			}
		}
	}
}

func hangupStats(t *testing.T, s *Server, c *client, spec CallSpec) *event {
	t.Helper()
	spec.Duration = 0
	u := s.StartCall(spec)
	time.Sleep(300 * time.Millisecond)
	s.HangupCall(u, "NORMAL_CLEARING")
	return c.waitEvent(func(e *event) bool {
		n, _ := e.get("Event-Name")
		id, _ := e.get("Unique-ID")
		return n == "CHANNEL_HANGUP_COMPLETE" && id == u
	})
}

func fget(t *testing.T, e *event, name string) float64 {
	v, ok := e.get(name)
	if !ok {
		t.Fatalf("no %s", name)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s=%q", name, v)
	}
	return f
}

func TestQualityFigures(t *testing.T) {
	// a fake clock running 100x faster makes calls "last" 30 s
	base := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC)
	real0 := time.Now()
	clock := func() time.Time { return base.Add(time.Since(real0) * 100) }
	s := startServer(t, Config{Clock: clock, RTCPInterval: time.Hour})
	c := subscribe(t, s)
	for i := 0; i < 3; i++ {
		g := hangupStats(t, s, c, CallSpec{Quality: QualityGood})
		if m := fget(t, g, "variable_rtp_audio_in_mos"); m < 4.4 || m > 4.5 {
			t.Errorf("good mos %v", m)
		}
		if fget(t, g, "variable_rtp_audio_in_packet_count") < 1000 {
			t.Errorf("good packets %v", fget(t, g, "variable_rtp_audio_in_packet_count"))
		}
		l := hangupStats(t, s, c, CallSpec{Quality: QualityLossy, Direction: "outbound"})
		if m := fget(t, l, "variable_rtp_audio_in_mos"); m < 3 || m >= 4 {
			t.Errorf("lossy mos %v", m)
		}
		lost, pk := fget(t, l, "variable_rtp_audio_in_skip_packet_count"), fget(t, l, "variable_rtp_audio_in_packet_count")
		if lost/(lost+pk) < 0.01 {
			t.Errorf("lossy loss %v of %v", lost, pk)
		}
		j := hangupStats(t, s, c, CallSpec{Quality: QualityJittery, Bridged: true})
		if v := fget(t, j, "variable_rtp_audio_in_jitter_max_variance"); v < 50 {
			t.Errorf("jittery max variance %v", v)
		}
		if m := fget(t, j, "variable_rtp_audio_in_mos"); m >= 4 {
			t.Errorf("jittery mos %v", m)
		}
		q := fget(t, l, "variable_rtp_audio_in_quality_percentage")
		if m := fget(t, l, "variable_rtp_audio_in_mos"); m != float64(int(mos(int(q))*100+0.5))/100 {
			t.Errorf("mos %v inconsistent with R %v", m, q)
		}
	}
}

func TestRTCPEvents(t *testing.T) {
	s := startServer(t, Config{RTCPInterval: 30 * time.Millisecond})
	c := subscribe(t, s)
	// No fixed duration: the call is hung up once three reports of each kind
	// arrived, so a slow machine (fewer ticks per second) cannot fail it.
	u := s.StartCall(CallSpec{Quality: QualityLossy})
	var evs []*event
	for len(byName(evs, "SEND_RTCP_MESSAGE", u)) < 3 || len(byName(evs, "RECV_RTCP_MESSAGE", u)) < 3 {
		evs = append(evs, c.waitEvent(func(*event) bool { return true }))
	}
	if !s.HangupCall(u, "NORMAL_CLEARING") {
		t.Fatal("call not hung up")
	}
	evs = append(evs, collectCall(t, c, 1)...)
	sends, recvs := byName(evs, "SEND_RTCP_MESSAGE", u), byName(evs, "RECV_RTCP_MESSAGE", u)
	for _, pair := range [][2]any{{sends, "SEND_RTCP_MESSAGE"}, {recvs, "RECV_RTCP_MESSAGE"}} {
		evs := pair[0].([]*event)
		tmpl := templates[pair[1].(string)]
		missing, extra := diffNames(headerNames(evs[0]), headerNames(tmpl))
		if len(missing)+len(extra) > 0 {
			t.Errorf("%s: missing %v extra %v", pair[1], missing, extra)
		}
	}
	if v, _ := sends[0].get("Source-SSRC"); v != "00000000" {
		t.Errorf("first report Source-SSRC %q", v)
	}
	last := sends[len(sends)-1]
	if fget(t, last, "Source-Lost") < fget(t, sends[0], "Source-Lost") || fget(t, last, "Sender-Packet-Count") <= fget(t, sends[0], "Sender-Packet-Count") {
		t.Error("RTCP counters do not grow")
	}
	if v, _ := last.get("Source-LSR"); v == "0" {
		t.Error("LSR not set after the first report")
	}
	if v, _ := recvs[len(recvs)-1].get("RTP-Rate"); v != "8000" {
		t.Errorf("RTP-Rate %q", v)
	}
}

// Every template header whose captured value is call-specific must be regenerated.
func TestTemplateCoverage(t *testing.T) {
	s := New(Config{Seed: 1})
	defer s.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &call{spec: CallSpec{Domain: "d.example"}, cancel: make(chan struct{})}
	markers := []string{"127.0.0", "1795", "5a57bbc5", "84f46477", "b2eef4e9", "6f0dba1d", "-ea6f7e3be393",
		"NDrKya4166jFe", "NNUNc3ev5NpSQ", "aZaQer29XytZF", "05prNBNQy24te", "9NHycXH60N4cm", "pymeeyZZ2yccK",
		"2065", "2057", "2051", "2055", "2070", "2054", "192.0.2.2", "PCMU"}
	for _, k := range []legKind{kindIn, kindOut, kindA, kindB} {
		l := s.newLeg(c, k, "1001", "2002", "d.example", codecs["PCMA"])
		l.other = l
		c.a, c.b = l, l
		for name := range templates {
			if !strings.HasPrefix(name, k.prefix()+"-") {
				continue
			}
			for _, h := range templateHeaders(name) {
				if droppedHeaders[h.name] {
					continue
				}
				_, handled := s.legValue(l, "x", h.name, h.value)
				if handled {
					continue
				}
				for _, m := range markers {
					if strings.Contains(h.value, m) {
						t.Errorf("%s: %s=%q kept from the capture", name, h.name, h.value)
						break
					}
				}
			}
		}
	}
}
