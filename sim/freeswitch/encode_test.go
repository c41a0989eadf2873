package freeswitch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const capDir = "../../testdata/freeswitch"

func readCapture(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(capDir, rel))
	if err != nil {
		t.Fatalf("read capture: %v", err)
	}
	return string(b)
}

// Every captured plain event re-serialises byte for byte (URL encoding, _undef_, bodies).
func TestPlainEventRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(capDir, "calls/*/events-plain/*.txt"))
	more, _ := filepath.Glob(filepath.Join(capDir, "frames/*event-plain*.txt"))
	files = append(files, more...)
	if len(files) < 100 {
		t.Fatalf("only %d captured events found", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		h, body := parseFrame(string(b))
		if h["Content-Type"] != "text/event-plain" {
			continue
		}
		ev := parsePlainEvent(body)
		if got := string(ev.frame(fmtPlain)); got != string(b) {
			t.Errorf("%s: re-serialised event differs\n got: %q\nwant: %q", f, firstDiff(got, string(b)), firstDiff(string(b), got))
		}
	}
}

// Every captured JSON event equals our JSON serialisation of the plain capture of the same event.
func TestJSONEventMatchesPlain(t *testing.T) {
	calls, _ := filepath.Glob(filepath.Join(capDir, "calls/*"))
	n := 0
	for _, c := range calls {
		plain := map[string]*event{}
		pf, _ := filepath.Glob(filepath.Join(c, "events-plain/*.txt"))
		for _, f := range pf {
			b, _ := os.ReadFile(f)
			_, body := parseFrame(string(b))
			ev := parsePlainEvent(body)
			seq, _ := ev.get("Event-Sequence")
			plain[seq] = ev
		}
		jf, _ := filepath.Glob(filepath.Join(c, "events-json/*.txt"))
		for _, f := range jf {
			b, _ := os.ReadFile(f)
			_, body := parseFrame(string(b))
			i := strings.Index(body, `"Event-Sequence":"`)
			seq := body[i+18:]
			seq = seq[:strings.IndexByte(seq, '"')]
			ev, ok := plain[seq]
			if !ok {
				continue
			}
			n++
			if got := string(ev.frame(fmtJSON)); got != string(b) {
				t.Errorf("%s: json differs\n got: %q\nwant: %q", f, firstDiff(got, string(b)), firstDiff(string(b), got))
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d json events compared", n)
	}
}

func TestXMLEventMatchesCapture(t *testing.T) {
	want := readCapture(t, "frames/event-xml-HEARTBEAT-after-switch.txt")
	_, body := parseFrame(want)
	// Rebuild the event from the XML capture's header lines.
	ev := &event{}
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "<") || strings.HasPrefix(l, "</") || l == "<event>" || l == "<headers>" {
			continue
		}
		name := l[1:strings.IndexByte(l, '>')]
		val := l[len(name)+2 : strings.LastIndex(l, "</")]
		ev.add(name, urlDecode(val))
	}
	if got := string(ev.frame(fmtXML)); got != want {
		t.Errorf("xml differs\n got: %q\nwant: %q", got, want)
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	s := i - 40
	if s < 0 {
		s = 0
	}
	e := i + 60
	if e > len(a) {
		e = len(a)
	}
	return a[s:e]
}
