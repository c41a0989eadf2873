package ami

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Default limits of a Reader.
const (
	DefaultMaxLineBytes    = 64 << 10
	DefaultMaxMessageBytes = 32 << 20
	DefaultMaxLines        = 1 << 20
)

// ReaderOptions bounds every read. Zero values take the defaults.
type ReaderOptions struct {
	// MaxLineBytes caps one line (default 64 KiB; Asterisk's own CLI lines
	// are a few hundred bytes).
	MaxLineBytes int
	// MaxMessageBytes caps one message, headers and Command output together
	// (default 32 MiB: `sip show peers` on a box with 100,000 peers).
	MaxMessageBytes int
	// MaxLines caps the lines of one message (default 1,048,576).
	MaxLines int
}

func (o ReaderOptions) withDefaults() ReaderOptions {
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.MaxLines <= 0 {
		o.MaxLines = DefaultMaxLines
	}
	return o
}

// Reader reads AMI messages from a byte stream: lines ending in CRLF (a bare
// LF is accepted), a message ending at an empty line. Empty lines between
// messages are skipped. A Reader is not safe for concurrent use.
type Reader struct {
	br    *bufio.Reader
	opt   ReaderOptions
	acc   []byte
	spans []span
	out   []byte
	err   error // sticky
}

// NewReader returns a Reader over rd.
func NewReader(rd io.Reader, opt ReaderOptions) *Reader {
	opt = opt.withDefaults()
	size := opt.MaxLineBytes + 2
	if size < 4096 {
		size = 4096
	}
	return &Reader{br: bufio.NewReaderSize(rd, size), opt: opt}
}

// Buffered returns the number of bytes read from the stream but not yet used.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// readLine returns the next line without its line ending; the slice is
// valid until the next read.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) || len(line) > r.opt.MaxLineBytes+1 {
			return nil, protoErr(ErrLineTooLong, line, r.opt.MaxLineBytes)
		}
		if err == io.EOF && len(line) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > r.opt.MaxLineBytes {
		return nil, protoErr(ErrLineTooLong, line, r.opt.MaxLineBytes)
	}
	return line, nil
}

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

// ReadGreeting reads the banner Asterisk sends on connect,
// "Asterisk Call Manager/9.0.0", and returns the version after the slash.
func (r *Reader) ReadGreeting() (string, error) {
	if r.err != nil {
		return "", r.err
	}
	line, err := r.readLine()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return "", r.fail(err)
	}
	name, version, _ := bytes.Cut(line, []byte("/"))
	if !bytes.HasPrefix(name, []byte("Asterisk Call Manager")) {
		return "", r.fail(protoErr(ErrBadGreeting, line, 0))
	}
	return string(version), nil
}

// ReadMessage reads the next message. After an error (io.EOF between
// messages, io.ErrUnexpectedEOF inside one, a *ProtocolError for a broken
// limit) the Reader is unusable and returns the same error again.
func (r *Reader) ReadMessage() (*Message, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.acc = r.acc[:0]
	r.spans = r.spans[:0]
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF && len(r.spans) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, r.fail(err)
		}
		if len(line) == 0 {
			if len(r.spans) == 0 {
				continue // blank line between messages
			}
			break
		}
		if err := r.addHeader(line); err != nil {
			return nil, r.fail(err)
		}
		if len(r.spans) == 1 && r.isFollows() {
			return r.readLegacyCommand()
		}
	}
	return r.message(), nil
}

func (r *Reader) addHeader(line []byte) error {
	if len(r.spans) >= r.opt.MaxLines {
		return protoErr(ErrMessageTooLarge, nil, r.opt.MaxLines)
	}
	if len(r.acc)+len(r.out)+len(line)+1 > r.opt.MaxMessageBytes {
		return protoErr(ErrMessageTooLarge, nil, r.opt.MaxMessageBytes)
	}
	base := int32(len(r.acc))
	k := len(line)
	v0, v1 := len(line), len(line)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		k, v0 = i, i+1
		if v0 < len(line) && line[v0] == ' ' {
			v0++
		}
	}
	r.acc = append(r.acc, line...)
	r.acc = append(r.acc, '\n')
	r.spans = append(r.spans, span{base, base + int32(k), base + int32(v0), base + int32(v1)})
	return nil
}

func (r *Reader) isFollows() bool {
	h := r.spans[0]
	return bytes.EqualFold(r.acc[h.k0:h.k1], []byte("Response")) &&
		bytes.EqualFold(r.acc[h.v0:h.v1], []byte("Follows"))
}

func (r *Reader) message() *Message {
	m := &Message{raw: string(r.acc), hdrs: make([]span, len(r.spans))}
	copy(m.hdrs, r.spans)
	return m
}

var endCommand = []byte("--END COMMAND--")

// readLegacyCommand reads the rest of an Asterisk ≤13 Command reply:
//
//	Response: Follows / Privilege: Command / ActionID: x
//	<output, LF-terminated lines, blank lines included>--END COMMAND--
//
// followed by an empty line (skipped by the next ReadMessage).
func (r *Reader) readLegacyCommand() (*Message, error) {
	r.out = r.out[:0]
	inHeaders := true
	lines := 1
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, r.fail(err)
		}
		if inHeaders && (hasPrefixFold(line, "ActionID:") || hasPrefixFold(line, "Privilege:")) {
			if err := r.addHeader(line); err != nil {
				return nil, r.fail(err)
			}
			lines++
			continue
		}
		inHeaders = false
		lines++
		if lines > r.opt.MaxLines || len(r.acc)+len(r.out)+len(line)+1 > r.opt.MaxMessageBytes {
			return nil, r.fail(protoErr(ErrMessageTooLarge, nil, r.opt.MaxMessageBytes))
		}
		if bytes.HasSuffix(line, endCommand) {
			if pre := line[:len(line)-len(endCommand)]; len(pre) > 0 {
				r.out = append(r.out, pre...)
				r.out = append(r.out, '\n')
			}
			break
		}
		r.out = append(r.out, line...)
		r.out = append(r.out, '\n')
	}
	m := r.message()
	m.legacy = true
	m.output = string(r.out)
	if cap(r.out) > 1<<20 {
		r.out = nil
	}
	return m, nil
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && bytes.EqualFold(b[:len(p)], []byte(p))
}
