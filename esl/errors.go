package esl

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrBodyTooLarge: a frame announced a Content-Length above the reader's MaxBodyBytes.
	ErrBodyTooLarge = errors.New("esl: body too large")
	// ErrBadContentLength: a Content-Length that is negative or not a number.
	ErrBadContentLength = errors.New("esl: invalid Content-Length")
	// ErrHeaderTooLarge: a header line, the header count or the header block is over its cap.
	ErrHeaderTooLarge = errors.New("esl: frame header too large")
	// ErrAuth: FreeSWITCH rejected the password (-ERR invalid).
	ErrAuth = errors.New("esl: authentication failed: wrong password")
	// ErrNotConnected: the Client has no connection up at the moment.
	ErrNotConnected = errors.New("esl: not connected")
	// ErrClosed: the connection or client was closed by the caller.
	ErrClosed = errors.New("esl: connection closed")
	// ErrDisconnected: FreeSWITCH sent text/disconnect-notice (see *DisconnectError).
	ErrDisconnected = errors.New("esl: disconnected by server")
	// ErrDeadConnection: no byte arrived within a command's timeout; the connection was closed.
	ErrDeadConnection = errors.New("esl: no data from server within the command timeout")
	// ErrInvalidCommand: a command was empty or contained a CR or LF.
	ErrInvalidCommand = errors.New("esl: invalid command (empty, or contains CR/LF)")
	// ErrNotEvent: a frame given to an event parser is not an event frame.
	ErrNotEvent = errors.New("esl: not an event frame")
	// ErrMalformedEvent: an event body could not be parsed.
	ErrMalformedEvent = errors.New("esl: malformed event")
)

// FrameError describes a frame that broke a limit or the wire format. The
// connection it came from cannot be resynchronised and must be dropped.
type FrameError struct {
	Err   error  // ErrBodyTooLarge, ErrBadContentLength or ErrHeaderTooLarge
	Value string // offending value (truncated), e.g. the Content-Length text
	Limit int64  // the limit in force, when relevant
}

func (e *FrameError) Error() string {
	switch {
	case errors.Is(e.Err, ErrBodyTooLarge):
		return fmt.Sprintf("esl: frame announces Content-Length %s, over the %d-byte limit: connection dropped", e.Value, e.Limit)
	case errors.Is(e.Err, ErrBadContentLength):
		return fmt.Sprintf("esl: frame has an invalid Content-Length %s: connection dropped", strconv.Quote(e.Value))
	}
	s := e.Err.Error()
	if e.Value != "" {
		s += " (" + strconv.Quote(e.Value) + ")"
	}
	if e.Limit > 0 {
		s += ", limit " + strconv.FormatInt(e.Limit, 10)
	}
	return s
}

func (e *FrameError) Unwrap() error { return e.Err }

func frameErr(err error, value []byte, limit int64) *FrameError {
	if len(value) > 64 {
		value = value[:64]
	}
	return &FrameError{Err: err, Value: string(value), Limit: limit}
}

// APIError is returned by API and BgAPI when FreeSWITCH answered with a body
// starting with "-ERR". The full body is still returned alongside it.
type APIError struct {
	Command string // first word of the command (arguments are left out)
	Message string // the reply without the "-ERR " prefix and trailing newline
}

func (e *APIError) Error() string { return fmt.Sprintf("esl: api %s: -ERR %s", e.Command, e.Message) }

// CommandError is returned when a command/reply carries Reply-Text "-ERR …".
type CommandError struct {
	Command string // first word of the command
	Message string // Reply-Text without "-ERR "
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("esl: command %s: -ERR %s", e.Command, e.Message)
}

// DisconnectError is the connection's error after FreeSWITCH sent
// text/disconnect-notice. errors.Is(err, ErrDisconnected) is true.
type DisconnectError struct {
	Notice string // body of the notice
}

func (e *DisconnectError) Error() string {
	return "esl: disconnected by server: " + firstLine(e.Notice)
}

func (e *DisconnectError) Unwrap() error { return ErrDisconnected }

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' || s[i] == '\r' {
			return s[:i]
		}
	}
	return s
}
