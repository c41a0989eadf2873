package binrpc

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrMalformed: bytes that break the BINRPC wire format.
	ErrMalformed = errors.New("binrpc: malformed packet")
	// ErrTooLarge: a packet announces a body above the configured limit.
	ErrTooLarge = errors.New("binrpc: packet too large")
	// ErrTooDeep: structs/arrays nested deeper than MaxDepth.
	ErrTooDeep = errors.New("binrpc: nesting too deep")
	// ErrNotConnected: the Client has no connection up at the moment.
	ErrNotConnected = errors.New("binrpc: not connected")
	// ErrClosed: the connection or client was closed by the caller.
	ErrClosed = errors.New("binrpc: connection closed")
	// ErrDeadConnection: no byte arrived within a call's timeout; the
	// connection was closed.
	ErrDeadConnection = errors.New("binrpc: no data from Kamailio within the call timeout")
	// ErrTimeout: a call got no reply in time.
	ErrTimeout = errors.New("binrpc: call timed out")
	// ErrBadAddress: an address that is not unix:, tcp: or udp:.
	ErrBadAddress = errors.New("binrpc: bad address")
)

// Fault is an error reply from Kamailio (a BINRPC fault packet: code and
// message), e.g. 500 "command tls.info not found".
type Fault struct {
	Method  string // the method called
	Code    int
	Message string
}

func (f *Fault) Error() string {
	return fmt.Sprintf("binrpc: %s: fault %d: %s", f.Method, f.Code, f.Message)
}

// MethodNotFound reports whether Kamailio does not know the method: its
// module is not loaded (fault 500 "command X not found").
func (f *Fault) MethodNotFound() bool {
	return f.Code == 500 && strings.HasPrefix(f.Message, "command ") && strings.HasSuffix(f.Message, " not found")
}

// IsMethodNotFound reports whether err is a Fault saying the method does
// not exist in this Kamailio.
func IsMethodNotFound(err error) bool {
	var f *Fault
	return errors.As(err, &f) && f.MethodNotFound()
}

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}
