package esl

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

type kv struct{ k, v string }

func headers(e *Event) []kv {
	var out []kv
	e.Range(func(k, v string) bool {
		out = append(out, kv{k, v})
		return true
	})
	return out
}

// The same events were captured subscribed in plain and in json form.
// Matched on Event-Sequence, every header (order and duplicates included)
// must decode to the same value. An independent check with Python
// (urllib.parse.unquote_to_bytes vs json.loads) found 133 such pairs, all equal.
func TestEventPlainVsJSON(t *testing.T) {
	pairs := 0
	for _, call := range globFiles(t, "calls/*") {
		plain := map[string]*Event{}
		for _, p := range globFiles(t, filepath.Join("calls", filepath.Base(call), "events-plain/*.txt")) {
			e := eventFromFile(t, p)
			if e.Format() != FormatPlain {
				t.Fatalf("%s: format %v", p, e.Format())
			}
			if want := strings.TrimSuffix(filepath.Base(p)[4:], ".txt"); e.Name() != want {
				t.Fatalf("%s: Name() %q, want %q", p, e.Name(), want)
			}
			plain[e.Get("Event-Sequence")] = e
		}
		for _, p := range globFiles(t, filepath.Join("calls", filepath.Base(call), "events-json/*.txt")) {
			j := eventFromFile(t, p)
			if want := strings.TrimSuffix(filepath.Base(p)[4:], ".txt"); j.Name() != want {
				t.Fatalf("%s: Name() %q, want %q", p, j.Name(), want)
			}
			e, ok := plain[j.Get("Event-Sequence")]
			if !ok {
				continue
			}
			pairs++
			hp, hj := headers(e), headers(j)
			if len(hp) != len(hj) {
				t.Errorf("%s: %d plain headers vs %d json", p, len(hp), len(hj))
				continue
			}
			for i := range hp {
				if hp[i] != hj[i] {
					t.Errorf("%s: header %d: plain %q vs json %q", p, i, hp[i], hj[i])
				}
			}
		}
	}
	if pairs != 133 {
		t.Errorf("%d plain/json pairs, want 133", pairs)
	}
}

func TestEventCall3HangupComplete(t *testing.T) {
	dir := "calls/call3-degraded-loss-jitter/"
	for _, p := range []string{dir + "events-plain/033-CHANNEL_HANGUP_COMPLETE.txt", dir + "events-json/032-CHANNEL_HANGUP_COMPLETE.txt"} {
		e := eventFromFile(t, filepath.Join(fsData, p))
		want := map[string]string{
			"Event-Name":                               "CHANNEL_HANGUP_COMPLETE",
			"variable_rtp_audio_in_mos":                "2.21",
			"Caller-Caller-ID-Name":                    "9196",
			"variable_rtp_audio_in_quality_percentage": "43.00",
			"Event-Date-GMT":                           "Sun, 22 Nov 2026 18:50:52 GMT",
			"Channel-Name":                             "sofia/lossy/9196@127.0.0.1:5080",
			"FreeSWITCH-IPv6":                          "fd00::2",
			"Event-Sequence":                           "1133",
			"Hangup-Cause":                             "MANAGER_REQUEST",
		}
		for k, v := range want {
			if got := e.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", p, k, got, v)
			}
		}
		if e.Len() != 234 {
			t.Errorf("%s: %d headers, want 234", p, e.Len())
		}
		n := 0
		e.Range(func(k, v string) bool {
			if k == "Hangup-Cause" {
				n++
			}
			return true
		})
		if n != 2 {
			t.Errorf("%s: Hangup-Cause seen %d times, want 2 (duplicates kept)", p, n)
		}
		sdp := e.Get("variable_rtp_local_sdp_str")
		if !strings.HasPrefix(sdp, "v=0\r\no=FreeSWITCH ") {
			t.Errorf("%s: sdp %q", p, sdp[:min(len(sdp), 30)])
		}
		if _, ok := e.Lookup("No-Such-Header"); ok {
			t.Error("Lookup of a missing header succeeded")
		}
		if e.Get("caller-caller-id-name") != "" {
			t.Error("keys must be case-sensitive")
		}
	}
	// The first leg of the same call.
	e := eventFromFile(t, filepath.Join(fsData, dir+"events-plain/031-CHANNEL_HANGUP_COMPLETE.txt"))
	if e.Get("variable_rtp_audio_in_mos") != "4.50" || e.Get("Caller-Caller-ID-Name") != "1000" {
		t.Errorf("031: mos %q name %q", e.Get("variable_rtp_audio_in_mos"), e.Get("Caller-Caller-ID-Name"))
	}
}

func TestEventBackgroundJobBody(t *testing.T) {
	e := eventFromFile(t, filepath.Join(fsData, "frames/event-plain-BACKGROUND_JOB-1.txt"))
	if e.Name() != "BACKGROUND_JOB" || e.Get("Job-Command") != "version" || e.Get("Job-UUID") != "5f6f67a7-7017-437c-81c8-e9dcc31808b4" {
		t.Fatalf("headers: %v", headers(e))
	}
	if got := string(e.Body()); got != "FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n" {
		t.Fatalf("body %q", got)
	}
	if e.Get("Content-Length") != "50" || len(e.Body()) != 50 {
		t.Fatalf("inner Content-Length %q, body %d", e.Get("Content-Length"), len(e.Body()))
	}

	// json: the body comes from "_body" and is not a header.
	j := eventFromFile(t, filepath.Join(fsData, "frames/event-json-BACKGROUND_JOB-status.txt"))
	body := j.BodyString()
	if len(body) != 335 || !strings.HasPrefix(body, "UP 0 years, 0 days, 0 hours, 0 minutes, 58 seconds") ||
		!strings.HasSuffix(body, "Current Stack Size/Max 240K/8192K\n") {
		t.Fatalf("json body %d %q", len(body), body)
	}
	if _, ok := j.Lookup("_body"); ok {
		t.Error("_body must not be a header")
	}
	if j.Get("Job-Command") != "status" || j.Get("Content-Length") != "335" {
		t.Errorf("json headers: %v", headers(j))
	}

	// An event without body.
	c := eventFromFile(t, filepath.Join(fsData, "frames/event-plain-CUSTOM-1.txt"))
	if c.Body() != nil || c.Get("Event-Subclass") != "sofia::register_attempt" {
		t.Errorf("CUSTOM: body %q subclass %q", c.Body(), c.Get("Event-Subclass"))
	}
	if got := c.Get("contact"); got != `"" <sip:gw+gw-loop@127.0.0.1:5080;transport=udp;gw=gw-loop>` {
		t.Errorf("contact %q", got)
	}
}

func TestEventXML(t *testing.T) {
	e := eventFromFile(t, filepath.Join(fsData, "frames/event-xml-HEARTBEAT-after-switch.txt"))
	if e.Format() != FormatXML || e.Name() != "HEARTBEAT" || e.Len() != 27 {
		t.Fatalf("format %v name %q len %d", e.Format(), e.Name(), e.Len())
	}
	want := map[string]string{
		"FreeSWITCH-IPv6": "fd00::2",
		"Event-Date-GMT":  "Sun, 22 Nov 2026 18:44:18 GMT",
		"Up-Time":         "0 years, 0 days, 0 hours, 2 minutes, 20 seconds, 82 milliseconds, 294 microseconds",
		"Idle-CPU":        "98.633333",
		"Event-Info":      "System Ready",
	}
	for k, v := range want {
		if got := e.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// Self-closing elements outnumber the index estimate: the index grows.
	many := "<event><headers>" + strings.Repeat("<E/>", 100) + "<Event-Name>Z</Event-Name></headers></event>"
	if m, err := ParseEventXML([]byte(many)); err != nil || m.Len() != 101 || m.Name() != "Z" || m.Get("E") != "" {
		t.Errorf("many: %v", err)
	}
	x, err := ParseEventXML([]byte("<event>\n<headers>\n<A>x&amp;y%20z</A>\n<Empty/>\n<B>&#233;&#x41;&lt;</B>\n</headers>\n<body>1 &lt; 2\n</body>\n</event>"))
	if err != nil {
		t.Fatal(err)
	}
	if got := headers(x); fmt.Sprint(got) != fmt.Sprint([]kv{{"A", "x&y z"}, {"Empty", ""}, {"B", "éA<"}}) || x.BodyString() != "1 < 2\n" {
		t.Errorf("got %q body %q", got, x.BodyString())
	}
	for _, bad := range []string{"", "<event>", "<headers><A>x</B></headers>", "<headers><A>x", "<headers>junk</headers>"} {
		if _, err := ParseEventXML([]byte(bad)); !errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestURLDecode(t *testing.T) {
	cases := map[string]string{
		"":                     "",
		"plain":                "plain",
		"a%20b":                "a b",
		"a+b":                  "a+b", // FreeSWITCH encodes '+' as %2B; a bare '+' stays
		"gw%2Bgw-loop":         "gw+gw-loop",
		"%":                    "%",
		"%2":                   "%2",
		"%zz":                  "%zz",
		"100%":                 "100%",
		"%%41":                 "%A",
		"%41%42%43":            "ABC",
		"%e2%82%AC":            "€",
		"fd00%3A%3A2":          "fd00::2",
		"%3Csip%3A1000%40x%3E": "<sip:1000@x>",
		"a%0Ab":                "a\nb",
		"%00":                  "\x00",
	}
	for in, want := range cases {
		if got := URLDecode(in); got != want {
			t.Errorf("URLDecode(%q) = %q, want %q", in, got, want)
		}
		b := []byte(in)
		if got := string(b[:urlDecodeInPlace(b)]); got != want {
			t.Errorf("urlDecodeInPlace(%q) = %q, want %q", in, got, want)
		}
		e, _ := ParseEventPlain([]byte("K: " + in + "\n\n"))
		if got := e.Get("K"); got != want {
			t.Errorf("plain value %q decoded to %q, want %q", in, got, want)
		}
	}
}

func TestEventPlainEdgeCases(t *testing.T) {
	e, _ := ParseEventPlain([]byte("Event-Name: X\r\nNoColon\nEmpty:\nSpaces:    v\nContent-Length: 3\n\nabcdef"))
	want := []kv{{"Event-Name", "X"}, {"NoColon", ""}, {"Empty", ""}, {"Spaces", "v"}, {"Content-Length", "3"}}
	if fmt.Sprint(headers(e)) != fmt.Sprint(want) || string(e.Body()) != "abc" {
		t.Fatalf("got %q body %q", headers(e), e.Body())
	}
	// Content-Length longer than what follows: take what is there.
	e, _ = ParseEventPlain([]byte("A: 1\nContent-Length: 10\n\nabc"))
	if string(e.Body()) != "abc" {
		t.Errorf("short body %q", e.Body())
	}
	// No blank line at all.
	e, _ = ParseEventPlain([]byte("A: 1\nB: 2"))
	if e.Len() != 2 || e.Get("B") != "2" || e.Body() != nil {
		t.Errorf("no blank line: %q", headers(e))
	}
	e, _ = ParseEventPlain(nil)
	if e.Len() != 0 || e.Name() != "" || e.Body() != nil {
		t.Error("empty event not empty")
	}
}

func TestEventJSONEdgeCases(t *testing.T) {
	e, err := ParseEventJSON([]byte(` { "A" : "q\"b\\s\/\n\t\u00e9\ud83d\ude00" , "_body":"B\nX", "N": 12.5, "T":true, "Arr":["x","y",3], "O":{"a":[1,"}"]}, "Event-Name":"E", "Bad":"\ud800" } `))
	if err != nil {
		t.Fatal(err)
	}
	want := []kv{{"A", "q\"b\\s/\n\té😀"}, {"N", "12.5"}, {"T", "true"}, {"Arr", "ARRAY::x|:y|:3"}, {"O", `{"a":[1,"}"]}`}, {"Event-Name", "E"}, {"Bad", "\uFFFD"}}
	if fmt.Sprint(headers(e)) != fmt.Sprint(want) {
		t.Errorf("got  %q\nwant %q", headers(e), want)
	}
	if e.BodyString() != "B\nX" || e.Name() != "E" {
		t.Errorf("body %q name %q", e.BodyString(), e.Name())
	}
	if e, err := ParseEventJSON([]byte(`{}`)); err != nil || e.Len() != 0 {
		t.Errorf("{}: %v", err)
	}
	// Whitespace around ':' and many members.
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 50 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"k%d" : "v%d"`, i, i)
	}
	sb.WriteString("}")
	if e, err := ParseEventJSON([]byte(sb.String())); err != nil || e.Len() != 50 || e.Get("k49") != "v49" {
		t.Errorf("grown index: %v", err)
	}
	for _, bad := range []string{"", "[]", "{", `{"a"}`, `{"a":}`, `{"a":"x"`, `{"a":"x",}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"x"} junk`, `{"a":[1,}`, `{a:1}`, `{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`} {
		if _, err := ParseEventJSON([]byte(bad)); !errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestEventReuseAndAllocs(t *testing.T) {
	var stream []byte
	for _, p := range globFiles(t, "calls/call3-degraded-loss-jitter/events-plain/*.txt") {
		stream = append(stream, readPath(t, p)...)
	}
	n := 0
	var ev Event
	r := NewReader(bytes.NewReader(stream), ReaderOptions{})
	for r.ReadEventInto(&ev) == nil {
		n++
	}
	if n != 35 {
		t.Fatalf("read %d events, want 35", n)
	}
	allocs := testing.AllocsPerRun(50, func() {
		r := NewReader(bytes.NewReader(stream), ReaderOptions{})
		for r.ReadEventInto(&ev) == nil {
		}
	})
	// One run allocates the Reader, its buffer and the bytes.Reader only.
	if allocs > 4 {
		t.Errorf("ReadEventInto: %.0f allocs per 35 events", allocs)
	}
	br := bytes.NewReader(stream)
	rr := NewReader(br, ReaderOptions{})
	perEvent := testing.AllocsPerRun(200, func() {
		if _, err := rr.ReadEvent(); err != nil {
			br.Reset(stream)
			rr = NewReader(br, ReaderOptions{})
			rr.ReadEvent()
		}
	})
	if perEvent > 2.2 { // the rare reset adds a little
		t.Errorf("ReadEvent: %.2f allocs per event, want <= 2", perEvent)
	}

	// An Event from ParseEvent keeps its strings; a refill changes an Event's own.
	a := eventFromFile(t, filepath.Join(fsData, "frames/event-plain-HEARTBEAT-1.txt"))
	name := a.Name()
	seq := a.Get("Event-Sequence")
	var reused Event
	reused.ParseFrame(mustFrame(t, readFile(t, "frames/event-plain-HEARTBEAT-1.txt")))
	if name != "HEARTBEAT" || seq != a.Get("Event-Sequence") || reused.Get("Event-Sequence") != seq {
		t.Errorf("name %q seq %q", name, seq)
	}
	c := a.Clone()
	if fmt.Sprint(headers(c)) != fmt.Sprint(headers(a)) {
		t.Error("Clone differs")
	}
	if _, err := ParseEvent(mustFrame(t, readFile(t, "frames/api-status.txt"))); !errors.Is(err, ErrNotEvent) {
		t.Errorf("api frame as event: %v", err)
	}
}

func TestReadEventSkipsOtherFrames(t *testing.T) {
	r := NewReader(bytes.NewReader(readFile(t, "sessions/07-originate-failures-with-log.txt")), ReaderOptions{})
	names := []string{}
	for {
		e, err := r.ReadEvent()
		if err != nil {
			var de *DisconnectError
			if !errors.As(err, &de) || !errors.Is(err, ErrDisconnected) || !strings.HasPrefix(de.Notice, "Disconnected, goodbye.") {
				t.Fatalf("end: %v", err)
			}
			break
		}
		names = append(names, e.Name())
	}
	if len(names) != 6 {
		t.Fatalf("events %v, want 6", names)
	}
}
