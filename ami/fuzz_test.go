package ami

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the message reader: it must never
// panic, never return a message over its caps, and end with an error.
// Seeds: every captured session (testdata/fuzz/FuzzReader).
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(captures, "*", "*.raw"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("Asterisk Call Manager/1.1\r\nResponse: Follows\r\nPrivilege: Command\r\nActionID: 1\r\nout\n--END COMMAND--\r\n\r\n"))
	opt := ReaderOptions{MaxLineBytes: 4096, MaxMessageBytes: 64 << 10, MaxLines: 1000}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), opt)
		r.ReadGreeting()
		for range 10000 {
			m, err := r.ReadMessage()
			if err != nil {
				if _, err2 := r.ReadMessage(); err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
				return
			}
			if m.Len() == 0 || m.Len() > opt.MaxLines || len(m.Raw())+len(m.Output()) > opt.MaxMessageBytes+opt.MaxLines {
				t.Fatalf("message out of bounds: %d lines, %d bytes", m.Len(), len(m.Raw()))
			}
			for i := range m.Len() {
				k, v := m.Header(i)
				_ = k + v
			}
			m.Get("ActionID")
			m.IsListComplete()
			m.IsListStart()
			m.Output()
		}
		t.Fatal("reader did not stop")
	})
}

var _ = io.EOF
