package esl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzReader(f *testing.F) {
	f.Add([]byte("Content-Type: api/response\nContent-Length: 3\n\nabc"))
	f.Add([]byte("Content-Length: 5\nContent-Type: text/event-plain\n\nA: %4\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := ReaderOptions{MaxBodyBytes: 1 << 16, MaxHeaderLine: 256, MaxHeaders: 16, BufferSize: minBufferSize}
		r := NewReader(bytes.NewReader(data), opt)
		var ev Event
		for i := 0; ; i++ {
			if i > len(data) {
				t.Fatal("more frames than input bytes")
			}
			fr, err := r.ReadFrame()
			if err != nil {
				var fe *FrameError
				if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.As(err, &fe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			if len(fr.Body()) > opt.MaxBodyBytes || fr.Len() > opt.MaxHeaders || fr.Len() == 0 {
				t.Fatalf("limits broken: body %d headers %d", len(fr.Body()), fr.Len())
			}
			if cl := fr.Header("Content-Length"); cl != "" {
				if n, err := strconv.Atoi(strings.TrimSpace(cl)); err != nil || n != len(fr.Body()) {
					t.Fatalf("Content-Length %q but body %d", cl, len(fr.Body()))
				}
			}
			fr.Range(func(k, v []byte) bool {
				if len(k)+len(v) > opt.MaxHeaderLine {
					t.Fatalf("bad header %q: %q", k, v)
				}
				return true
			})
			if fr.Kind().IsEvent() {
				if err := ev.ParseFrame(fr); err == nil {
					ev.Range(func(k, v string) bool { return true })
					_ = ev.Name()
				}
			}
		}
	})
}

func checkEvent(t *testing.T, e *Event, input []byte) {
	t.Helper()
	n := 0
	firsts := map[string]string{}
	e.Range(func(k, v string) bool {
		if _, ok := firsts[k]; !ok {
			firsts[k] = v
		}
		n++
		return true
	})
	if n != e.Len() {
		t.Fatalf("Range saw %d headers, Len %d", n, e.Len())
	}
	for k, v := range firsts {
		if got, ok := e.Lookup(k); !ok || got != v {
			t.Fatalf("Lookup(%q) = %q, %v; want %q", k, got, ok, v)
		}
	}
	if name, ok := firsts["Event-Name"]; ok && e.Name() != name {
		t.Fatalf("Name %q, want %q", e.Name(), name)
	}
	if len(e.Body()) > len(input) {
		t.Fatal("body longer than input")
	}
	// A reused Event must give the same result as a fresh one.
	var r Event
	r.begin(3, 10, false, FormatPlain)
	switch e.Format() {
	case FormatPlain:
		r.parsePlain(input, true)
	case FormatJSON:
		r.parseJSON(input, true)
	case FormatXML:
		r.parseXML(input, true)
	}
	if r.Len() != e.Len() || !bytes.Equal(r.Body(), e.Body()) {
		t.Fatal("reused Event differs")
	}
	for i := 0; i < e.Len(); i++ {
		k1, v1 := e.Header(i)
		k2, v2 := r.Header(i)
		if k1 != k2 || v1 != v2 {
			t.Fatalf("header %d differs after reuse", i)
		}
	}
}

func FuzzParseEventPlain(f *testing.F) {
	f.Add([]byte("Event-Name: X\nA: %41%zz%\nContent-Length: 2\n\nbody"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEventPlain(data)
		if err != nil {
			t.Fatal(err)
		}
		if e.Len() > bytes.Count(data, []byte{'\n'})+1 {
			t.Fatalf("%d headers from %d lines", e.Len(), bytes.Count(data, []byte{'\n'})+1)
		}
		checkEvent(t, e, data)
	})
}

func FuzzParseEventJSON(f *testing.F) {
	f.Add([]byte(`{"Event-Name":"X","A":"\u00e9\ud83d\ude00","_body":"b","N":[1,"x"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEventJSON(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedEvent) {
				t.Fatalf("error %v", err)
			}
			return
		}
		checkEvent(t, e, data)
		// Differential check against encoding/json for string members.
		var m map[string]any
		if !utf8.Valid(data) || json.Unmarshal(data, &m) != nil {
			return
		}
		for k, v := range m {
			s, ok := v.(string)
			if !ok {
				continue
			}
			if k == "_body" {
				if e.BodyString() != s && e.Get("_body") != s {
					// with duplicate "_body" keys encoding/json keeps the last
					continue
				}
				continue
			}
			// encoding/json keeps the last duplicate, we return the first.
			found := false
			e.Range(func(kk, vv string) bool {
				if kk == k && vv == s {
					found = true
					return false
				}
				return true
			})
			if !found {
				t.Fatalf("member %q: encoding/json has %q, we have %q", k, s, e.Get(k))
			}
		}
	})
}

// TestWriteFuzzCorpus regenerates testdata/fuzz/ from the captures when
// ESL_WRITE_FUZZ_CORPUS=1 (go test -run WriteFuzzCorpus ./esl).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("ESL_WRITE_FUZZ_CORPUS") != "1" {
		t.Skip("set ESL_WRITE_FUZZ_CORPUS=1 to regenerate the seed corpus")
	}
	write := func(fuzzer, name string, data []byte) {
		dir := filepath.Join("testdata", "fuzz", fuzzer)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		content := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, rel := range []string{
		"sessions/01-greeting-auth-ok-exit.txt",
		"sessions/02-auth-wrong.txt",
		"sessions/05-event-json-xml-heartbeat.txt",
		"frames/api-status.txt",
		"frames/event-plain-BACKGROUND_JOB-1.txt",
		"frames/bgapi-originate-noroute-01-log-data.txt",
		"frames/disconnect-notice.txt",
		"frames/bgapi-status-reply.txt",
	} {
		write("FuzzReader", filepath.Base(rel), readFile(t, rel))
	}
	body := func(rel string) []byte {
		_, b := splitCaptured(readFile(t, rel))
		return b
	}
	for _, rel := range []string{
		"frames/event-plain-BACKGROUND_JOB-1.txt",
		"frames/event-plain-CUSTOM-1.txt",
		"frames/event-plain-HEARTBEAT-1.txt",
		"calls/call3-degraded-loss-jitter/events-plain/009-RECV_RTCP_MESSAGE.txt",
		"calls/call3-degraded-loss-jitter/events-plain/033-CHANNEL_HANGUP_COMPLETE.txt",
	} {
		write("FuzzParseEventPlain", filepath.Base(rel), body(rel))
	}
	for _, rel := range []string{
		"frames/event-json-HEARTBEAT.txt",
		"frames/event-json-BACKGROUND_JOB-status.txt",
		"calls/call3-degraded-loss-jitter/events-json/009-RECV_RTCP_MESSAGE.txt",
		"calls/call3-degraded-loss-jitter/events-json/032-CHANNEL_HANGUP_COMPLETE.txt",
	} {
		write("FuzzParseEventJSON", filepath.Base(rel), body(rel))
	}
}

func FuzzParseEventXML(f *testing.F) {
	_, body := splitCaptured(readFile(f, "frames/event-xml-HEARTBEAT-after-switch.txt"))
	f.Add(body)
	f.Add([]byte("<event><headers><A>x&amp;%41</A><B/></headers><body>&lt;b&#x41;</body></event>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEventXML(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedEvent) {
				t.Fatalf("error %v", err)
			}
			return
		}
		checkEvent(t, e, data)
	})
}
