package esl

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// capturedHeader returns the value of header key in a captured header block
// (independent reference: plain string search).
func capturedHeader(hdr []byte, key string) (string, bool) {
	for _, l := range strings.Split(string(hdr), "\n") {
		if v, ok := strings.CutPrefix(l, key+": "); ok {
			return v, true
		}
	}
	return "", false
}

func TestReadFrameCapturedFrames(t *testing.T) {
	files := globFiles(t, "frames/*.txt")
	if len(files) < 100 {
		t.Fatalf("only %d frame files", len(files))
	}
	for _, path := range files {
		raw := readPath(t, path)
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			if len(raw) == 0 { // misc-empty-line.txt: FreeSWITCH sent nothing
				r := NewReader(bytes.NewReader(raw), ReaderOptions{})
				if _, err := r.ReadFrame(); err != io.EOF {
					t.Fatalf("empty capture: got %v, want io.EOF", err)
				}
				return
			}
			hdr, body := splitCaptured(raw)
			wantCT, ok := capturedHeader(hdr, "Content-Type")
			if !ok {
				t.Fatal("capture has no Content-Type")
			}
			if cl, ok := capturedHeader(hdr, "Content-Length"); ok {
				n, err := strconv.Atoi(cl)
				if err != nil || n != len(body) {
					t.Fatalf("capture: Content-Length %q vs %d body bytes", cl, len(body))
				}
			} else if len(body) != 0 {
				t.Fatalf("capture: %d bytes after headers without Content-Length", len(body))
			}
			readers := map[string]func() io.Reader{
				"whole":   func() io.Reader { return bytes.NewReader(raw) },
				"onebyte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(raw)) },
				"half":    func() io.Reader { return iotest.HalfReader(bytes.NewReader(raw)) },
			}
			for rn, mk := range readers {
				for _, bs := range []int{0, minBufferSize} {
					r := NewReader(mk(), ReaderOptions{BufferSize: bs})
					f, err := r.ReadFrame()
					if err != nil {
						t.Fatalf("%s/%d: %v", rn, bs, err)
					}
					if got := f.ContentType(); got != wantCT {
						t.Errorf("%s/%d: content type %q, want %q", rn, bs, got, wantCT)
					}
					if !bytes.Equal(f.Body(), body) {
						t.Errorf("%s/%d: body differs (%d vs %d bytes)", rn, bs, len(f.Body()), len(body))
					}
					if got := strings.Count(string(hdr), "\n"); f.Len() != got {
						t.Errorf("%s/%d: %d headers, want %d", rn, bs, f.Len(), got)
					}
					if _, err := r.ReadFrame(); err != io.EOF {
						t.Errorf("%s/%d: after the frame: %v, want io.EOF", rn, bs, err)
					}
				}
			}
		})
	}
}

// Frame counts and content types per session were computed from the
// captures with an independent parser (Python: split at "\n\n", skip
// Content-Length bytes).
var sessionFrames = map[string]map[string]int{
	"sessions/00-gateway-fail-wait.txt":                          {"auth/request": 1, "command/reply": 2, "api/response": 4, "text/disconnect-notice": 1},
	"sessions/01-greeting-auth-ok-exit.txt":                      {"auth/request": 1, "command/reply": 2, "text/disconnect-notice": 1},
	"sessions/02-auth-wrong.txt":                                 {"auth/request": 1, "command/reply": 1, "text/disconnect-notice": 1},
	"sessions/02b-api-before-auth.txt":                           {"auth/request": 1, "command/reply": 1},
	"sessions/03-api-idle.txt":                                   {"auth/request": 1, "command/reply": 13, "api/response": 38, "text/event-plain": 3, "text/event-json": 1, "text/disconnect-notice": 1},
	"sessions/04-event-plain-all-45s.txt":                        {"auth/request": 1, "command/reply": 3, "text/event-plain": 15, "text/disconnect-notice": 1},
	"sessions/05-event-json-xml-heartbeat.txt":                   {"auth/request": 1, "command/reply": 4, "text/event-json": 1, "text/event-xml": 1, "text/disconnect-notice": 1},
	"sessions/06-misc-commands.txt":                              {"auth/request": 1, "command/reply": 25, "text/disconnect-notice": 1},
	"sessions/07-originate-failures-with-log.txt":                {"auth/request": 1, "command/reply": 6, "api/response": 2, "log/data": 29, "text/event-plain": 6, "text/disconnect-notice": 1},
	"calls/call1-echo-hupall/session-cmd.txt":                    {"auth/request": 1, "command/reply": 2, "api/response": 22, "text/disconnect-notice": 1},
	"calls/call1-echo-hupall/session-events-json.txt":            {"auth/request": 1, "command/reply": 3, "text/event-json": 33, "text/disconnect-notice": 1},
	"calls/call1-echo-hupall/session-events-plain.txt":           {"auth/request": 1, "command/reply": 3, "text/event-plain": 35, "text/disconnect-notice": 1},
	"calls/call2-bridge-natural-hangup/session-cmd.txt":          {"auth/request": 1, "command/reply": 3, "api/response": 20, "text/disconnect-notice": 1},
	"calls/call2-bridge-natural-hangup/session-events-json.txt":  {"auth/request": 1, "command/reply": 3, "text/event-json": 67, "text/disconnect-notice": 1},
	"calls/call2-bridge-natural-hangup/session-events-plain.txt": {"auth/request": 1, "command/reply": 3, "text/event-plain": 70, "text/disconnect-notice": 1},
	"calls/call3-degraded-loss-jitter/session-cmd.txt":           {"auth/request": 1, "command/reply": 2, "api/response": 22, "text/disconnect-notice": 1},
	"calls/call3-degraded-loss-jitter/session-events-json.txt":   {"auth/request": 1, "command/reply": 3, "text/event-json": 33, "text/disconnect-notice": 1},
	"calls/call3-degraded-loss-jitter/session-events-plain.txt":  {"auth/request": 1, "command/reply": 3, "text/event-plain": 35, "text/disconnect-notice": 1},
}

func TestReadFrameSessions(t *testing.T) {
	for rel, want := range sessionFrames {
		t.Run(rel, func(t *testing.T) {
			raw := readFile(t, rel)
			for _, bs := range []int{0, minBufferSize} {
				r := NewReader(iotest.HalfReader(bytes.NewReader(raw)), ReaderOptions{BufferSize: bs})
				got := map[string]int{}
				consumed := 0
				for {
					f, err := r.ReadFrame()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("frame %d: %v", len(got), err)
					}
					got[f.ContentType()]++
					// Re-serialise the frame and check it is the next slice of the capture.
					var b bytes.Buffer
					f.Range(func(k, v []byte) bool {
						b.Write(k)
						b.WriteString(": ")
						b.Write(v)
						b.WriteByte('\n')
						return true
					})
					b.WriteByte('\n')
					if cl := f.Header("Content-Length"); cl != "" {
						if n, _ := strconv.Atoi(cl); n != len(f.Body()) {
							t.Fatalf("Content-Length %s, body %d", cl, len(f.Body()))
						}
					}
					b.Write(f.Body())
					if !bytes.HasPrefix(raw[consumed:], b.Bytes()) {
						t.Fatalf("frame at offset %d does not match the capture", consumed)
					}
					consumed += b.Len()
				}
				if consumed != len(raw) {
					t.Fatalf("consumed %d of %d bytes", consumed, len(raw))
				}
				if len(got) != len(want) {
					t.Fatalf("types %v, want %v", got, want)
				}
				for k, n := range want {
					if got[k] != n {
						t.Errorf("%s: %d frames, want %d", k, got[k], n)
					}
				}
			}
		})
	}
}

func TestReadFrameLimits(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		opt   ReaderOptions
		want  error
		value string
	}{
		{"huge", "Content-Type: api/response\nContent-Length: 99999999999999999999\n\n", ReaderOptions{}, ErrBodyTooLarge, "99999999999999999999"},
		{"over default cap", "Content-Length: 8388609\nContent-Type: api/response\n\n", ReaderOptions{}, ErrBodyTooLarge, "8388609"},
		{"over custom cap", "Content-Type: api/response\nContent-Length: 101\n\n" + strings.Repeat("x", 101), ReaderOptions{MaxBodyBytes: 100}, ErrBodyTooLarge, "101"},
		{"negative", "Content-Type: api/response\nContent-Length: -5\n\n", ReaderOptions{}, ErrBadContentLength, "-5"},
		{"garbage", "Content-Type: api/response\nContent-Length: abc\n\n", ReaderOptions{}, ErrBadContentLength, "abc"},
		{"trailing garbage", "Content-Type: api/response\nContent-Length: 12abc\n\n", ReaderOptions{}, ErrBadContentLength, "12abc"},
		{"huge garbage", "Content-Type: api/response\nContent-Length: 99999999999999999999x\n\n", ReaderOptions{}, ErrBadContentLength, "99999999999999999999x"},
		{"empty", "Content-Type: api/response\nContent-Length: \n\n", ReaderOptions{}, ErrBadContentLength, ""},
		{"hex", "Content-Type: api/response\nContent-Length: 0x10\n\n", ReaderOptions{}, ErrBadContentLength, "0x10"},
		{"long line", "Content-Type: api/response\nX: " + strings.Repeat("a", 9000) + "\n\n", ReaderOptions{}, ErrHeaderTooLarge, ""},
		{"long line no newline", "Content-Type: api/response\nX: " + strings.Repeat("a", 100000), ReaderOptions{}, ErrHeaderTooLarge, ""},
		{"many headers", "Content-Type: api/response\n" + strings.Repeat("X: y\n", 200) + "\n", ReaderOptions{}, ErrHeaderTooLarge, ""},
		{"custom header cap", "Content-Type: api/response\nA: 1\nB: 2\n\n", ReaderOptions{MaxHeaders: 2}, ErrHeaderTooLarge, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r := NewReader(strings.NewReader(c.in), c.opt)
			_, err := r.ReadFrame()
			runtime.ReadMemStats(&after)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("%T is not *FrameError", err)
			}
			if c.value != "" && fe.Value != c.value {
				t.Errorf("Value %q, want %q", fe.Value, c.value)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
				t.Errorf("allocated %d bytes for a rejected frame", grew)
			}
			if _, err2 := r.ReadFrame(); err2 != err {
				t.Errorf("error not sticky: %v", err2)
			}
		})
	}
}

func TestReadFrameTruncated(t *testing.T) {
	raw := readFile(t, "frames/api-status.txt")
	for _, cut := range []int{1, 20, len(raw) / 2, len(raw) - 1} {
		r := NewReader(bytes.NewReader(raw[:cut]), ReaderOptions{})
		if _, err := r.ReadFrame(); err != io.ErrUnexpectedEOF {
			t.Errorf("cut at %d: %v, want io.ErrUnexpectedEOF", cut, err)
		}
	}
	// Out-of-buffer body cut short.
	big := "Content-Type: api/response\nContent-Length: 100000\n\n" + strings.Repeat("x", 50000)
	r := NewReader(strings.NewReader(big), ReaderOptions{})
	if _, err := r.ReadFrame(); err != io.ErrUnexpectedEOF {
		t.Errorf("big body cut short: %v", err)
	}
}

func TestReadFrameTolerance(t *testing.T) {
	in := "\n\r\nContent-Type: command/reply\r\nReply-Text: +OK\r\n\r\n" +
		"Content-Type: api/response\nContent-Length: 3\n\nabc" +
		"Content-Type: text/x-unknown\ncontent-length:  2\n\nhi"
	r := NewReader(strings.NewReader(in), ReaderOptions{})
	f, err := r.ReadFrame()
	if err != nil || f.Kind() != KindCommandReply || f.Header("reply-text") != "+OK" {
		t.Fatalf("crlf frame: %v %v %q", err, f.Kind(), f.Header("Reply-Text"))
	}
	f, err = r.ReadFrame()
	if err != nil || string(f.Body()) != "abc" {
		t.Fatalf("api frame: %v", err)
	}
	f, err = r.ReadFrame()
	if err != nil || f.Kind() != KindUnknown || f.ContentType() != "text/x-unknown" || string(f.Body()) != "hi" {
		t.Fatalf("unknown frame: %v %q %q", err, f.ContentType(), f.Body())
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

func TestReadFrameLargeBody(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 50000) // 500 kB > buffer
	in := append([]byte("Content-Type: api/response\nContent-Length: 500000\n\n"), body...)
	in = append(in, readFile(t, "frames/api-status.txt")...)
	r := NewReader(iotest.HalfReader(bytes.NewReader(in)), ReaderOptions{})
	f, err := r.ReadFrame()
	if err != nil || !bytes.Equal(f.Body(), body) {
		t.Fatalf("large body: %v", err)
	}
	f, err = r.ReadFrame()
	if err != nil || f.Kind() != KindAPIResponse || !bytes.HasPrefix(f.Body(), []byte("UP 0 years")) {
		t.Fatalf("frame after large body: %v", err)
	}
}
