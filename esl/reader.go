package esl

import (
	"bytes"
	"errors"
	"io"
)

// Default limits of a Reader.
const (
	DefaultMaxBodyBytes  = 8 << 20
	DefaultMaxHeaderLine = 8 << 10
	DefaultMaxHeaders    = 128
	DefaultBufferSize    = 64 << 10
	minBufferSize        = 4 << 10
	keepBigBody          = 1 << 20 // larger out-of-buffer body slices are not kept for reuse
)

// ReaderOptions bounds every read. Zero values take the defaults.
type ReaderOptions struct {
	MaxBodyBytes  int // largest Content-Length accepted (default 8 MiB)
	MaxHeaderLine int // longest outer header line (default 8 KiB)
	MaxHeaders    int // most outer header lines in one frame (default 128)
	BufferSize    int // read buffer; also caps a frame's header block (default 64 KiB)
}

func (o ReaderOptions) withDefaults() ReaderOptions {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxHeaderLine <= 0 {
		o.MaxHeaderLine = DefaultMaxHeaderLine
	}
	if o.MaxHeaders <= 0 {
		o.MaxHeaders = DefaultMaxHeaders
	}
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	if o.BufferSize < minBufferSize {
		o.BufferSize = minBufferSize
	}
	return o
}

// Reader reads ESL frames from a byte stream with one fixed buffer. Bodies
// that fit in the buffer are returned in place (no copy); larger ones, up
// to MaxBodyBytes, are read into a separate slice sized from Content-Length.
// A Reader is not safe for concurrent use.
type Reader struct {
	rd    io.Reader
	opt   ReaderOptions
	buf   []byte
	r, w  int   // buf[r:w] is unread
	rerr  error // error from rd held back while buffered data remains
	err   error // sticky error returned by every later call
	frame Frame
	hcopy []byte // header block copy for out-of-buffer bodies
	big   []byte // out-of-buffer body
}

// NewReader returns a Reader over rd.
func NewReader(rd io.Reader, opt ReaderOptions) *Reader {
	opt = opt.withDefaults()
	return &Reader{rd: rd, opt: opt, buf: make([]byte, opt.BufferSize)}
}

// Buffered returns the number of bytes read from the stream but not yet returned.
func (r *Reader) Buffered() int { return r.w - r.r }

// fill reads once into buf[w:].
func (r *Reader) fill() error {
	if r.rerr != nil {
		return r.rerr
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.rd.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			return errors.New("esl: reader returned invalid count")
		}
		r.w += n
		if err != nil {
			r.rerr = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}

// compact moves buf[start:w] to the front and returns the shift applied.
func (r *Reader) compact(start int) int {
	if start == 0 {
		return 0
	}
	copy(r.buf, r.buf[start:r.w])
	r.w -= start
	r.r -= start
	return start
}

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadFrame reads the next frame. The Frame and every slice it returns are
// valid until the next call. After an error (io.EOF at a frame boundary,
// io.ErrUnexpectedEOF mid-frame, *FrameError for a broken limit) the Reader
// is unusable and returns the same error again.
func (r *Reader) ReadFrame() (*Frame, error) {
	if r.err != nil {
		return nil, r.err
	}
	if cap(r.big) > keepBigBody {
		r.big = nil
	}
	if r.r == r.w {
		r.r, r.w = 0, 0
	}
	f := &r.frame
	f.hdrs = f.hdrs[:0]
	f.body, f.ct, f.kind = nil, nil, KindUnknown

	// Header block: lines up to an empty line.
	start, pos := r.r, r.r
	for {
		i := bytes.IndexByte(r.buf[pos:r.w], '\n')
		if i < 0 {
			if r.w-pos > r.opt.MaxHeaderLine {
				return nil, r.fail(frameErr(ErrHeaderTooLarge, r.buf[pos:r.w], int64(r.opt.MaxHeaderLine)))
			}
			if r.w == len(r.buf) {
				if start == 0 {
					return nil, r.fail(frameErr(ErrHeaderTooLarge, nil, int64(len(r.buf))))
				}
				d := r.compact(start)
				start, pos = start-d, pos-d
			}
			if err := r.fill(); err != nil {
				if pos == start && len(f.hdrs) == 0 && r.w == r.r && err == io.EOF {
					return nil, r.fail(io.EOF)
				}
				return nil, r.fail(unexpectedEOF(err))
			}
			continue
		}
		line := r.buf[pos : pos+i]
		next := pos + i + 1
		if len(line) > r.opt.MaxHeaderLine {
			return nil, r.fail(frameErr(ErrHeaderTooLarge, line, int64(r.opt.MaxHeaderLine)))
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			if len(f.hdrs) == 0 { // stray blank line between frames
				start, pos, r.r = next, next, next
				continue
			}
			pos = next
			break
		}
		if len(f.hdrs) >= r.opt.MaxHeaders {
			return nil, r.fail(frameErr(ErrHeaderTooLarge, nil, int64(r.opt.MaxHeaders)))
		}
		f.hdrs = append(f.hdrs, parseHeaderLine(line, int32(pos-start)))
		pos = next
	}
	hdrLen := pos - start

	// Content-Type and Content-Length.
	ct, clen := -1, 0
	haveLen := false
	for j, h := range f.hdrs {
		k := r.buf[start+int(h.k0) : start+int(h.k1)]
		switch len(k) {
		case 12:
			if ct < 0 && equalFoldASCII(k, "Content-Type") {
				ct = j
			}
		case 14:
			if !haveLen && equalFoldASCII(k, "Content-Length") {
				n, err := parseContentLength(r.buf[start+int(h.v0):start+int(h.v1)], r.opt.MaxBodyBytes)
				if err != nil {
					return nil, r.fail(err)
				}
				clen, haveLen = n, true
			}
		}
	}

	total := hdrLen + clen
	if total <= len(r.buf) {
		if start+total > len(r.buf) {
			d := r.compact(start)
			start, pos = start-d, pos-d
		}
		for r.w-start < total {
			if err := r.fill(); err != nil {
				return nil, r.fail(unexpectedEOF(err))
			}
		}
		f.data = r.buf[start:pos:pos]
		if clen > 0 {
			f.body = r.buf[pos : start+total : start+total]
		}
		r.r = start + total
	} else {
		r.hcopy = append(r.hcopy[:0], r.buf[start:pos]...)
		f.data = r.hcopy
		if cap(r.big) < clen {
			r.big = make([]byte, clen)
		}
		body := r.big[:clen]
		m := copy(body, r.buf[pos:r.w])
		r.r, r.w = 0, 0
		if m < clen {
			if r.rerr != nil {
				return nil, r.fail(unexpectedEOF(r.rerr))
			}
			if _, err := io.ReadFull(r.rd, body[m:]); err != nil {
				return nil, r.fail(unexpectedEOF(err))
			}
		}
		f.body = body
	}
	if ct >= 0 {
		h := f.hdrs[ct]
		f.ct = f.data[h.v0:h.v1]
		f.kind = kindOf(f.ct)
	}
	return f, nil
}

// parseContentLength accepts decimal digits only (surrounding blanks
// trimmed) and enforces max without ever allocating the body.
func parseContentLength(v []byte, max int) (int, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0, frameErr(ErrBadContentLength, v, 0)
	}
	n := 0
	for i, c := range v {
		if c < '0' || c > '9' {
			return 0, frameErr(ErrBadContentLength, v, 0)
		}
		n = n*10 + int(c-'0')
		if n > max || i > 18 {
			// keep scanning so that "123x" is reported as bad, not large
			for _, c := range v[i+1:] {
				if c < '0' || c > '9' {
					return 0, frameErr(ErrBadContentLength, v, 0)
				}
			}
			return 0, frameErr(ErrBodyTooLarge, v, int64(max))
		}
	}
	return n, nil
}
