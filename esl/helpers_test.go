package esl

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

const fsData = "../testdata/freeswitch"

func readFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fsData, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func globFiles(t testing.TB, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(fsData, pattern))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	if len(m) == 0 {
		t.Fatalf("no files match %s", pattern)
	}
	return m
}

func readPath(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// splitCaptured splits a captured single frame file the simple way, as an
// independent reference: headers up to the first "\n\n", body = the rest.
func splitCaptured(b []byte) (hdr, body []byte) {
	i := bytes.Index(b, []byte("\n\n"))
	if i < 0 {
		return b, nil
	}
	return b[:i+1], b[i+2:]
}

// mustFrame reads exactly one frame from b.
func mustFrame(t testing.TB, b []byte) *Frame {
	t.Helper()
	r := NewReader(bytes.NewReader(b), ReaderOptions{})
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatalf("ReadFrame: %v", err)
	}
	return f
}

// eventFromFile parses the single event frame captured in path.
func eventFromFile(t testing.TB, path string) *Event {
	t.Helper()
	f := mustFrame(t, readPath(t, path))
	e, err := ParseEvent(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return e
}
