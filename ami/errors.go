package ami

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrLineTooLong: a line is longer than ReaderOptions.MaxLineBytes.
	ErrLineTooLong = errors.New("ami: line too long")
	// ErrMessageTooLarge: a message has more bytes or lines than its caps.
	ErrMessageTooLarge = errors.New("ami: message too large")
	// ErrListTooLong: an event list has more items than Options.MaxListItems.
	ErrListTooLong = errors.New("ami: event list too long")
	// ErrBadGreeting: the first line is not "Asterisk Call Manager/x.y.z".
	ErrBadGreeting = errors.New("ami: not an Asterisk Manager Interface greeting")
	// ErrAuth: Login was refused ("Authentication failed"; Asterisk gives the
	// same answer for an unknown user and a wrong secret).
	ErrAuth = errors.New("ami: authentication failed")
	// ErrNotConnected: the Client has no connection up at the moment.
	ErrNotConnected = errors.New("ami: not connected")
	// ErrClosed: the connection or client was closed by the caller.
	ErrClosed = errors.New("ami: connection closed")
	// ErrDeadConnection: no byte arrived within an action's timeout, or a
	// keepalive Ping went unanswered; the connection was closed.
	ErrDeadConnection = errors.New("ami: no data from Asterisk within the timeout")
	// ErrInvalidAction: an action name, header key or value is empty where
	// it must not be, or contains CR or LF.
	ErrInvalidAction = errors.New("ami: invalid action (empty, or CR/LF in a name or value)")
	// ErrLoggedOff: Asterisk answered Logoff (Response: Goodbye) and closed.
	ErrLoggedOff = errors.New("ami: logged off")
)

// ActionError is an action that Asterisk answered with "Response: Error".
type ActionError struct {
	Action  string // the action name
	Message string // the Message header, or for Command the first Output line
}

func (e *ActionError) Error() string {
	return fmt.Sprintf("ami: %s: %s", e.Action, clip(e.Message, 200))
}

// IsPermissionDenied reports whether err is an ActionError for an action the
// account may not run (manager.conf write= lacks its class).
func IsPermissionDenied(err error) bool {
	var ae *ActionError
	return errors.As(err, &ae) && strings.EqualFold(ae.Message, "Permission denied")
}

// IsUnknownAction reports whether err says Asterisk does not know the action,
// usually because the module that provides it is not loaded
// ("Invalid/unknown command: SIPpeers. Use Action: ListCommands…").
func IsUnknownAction(err error) bool {
	var ae *ActionError
	return errors.As(err, &ae) && strings.HasPrefix(ae.Message, "Invalid/unknown command")
}

// IsUnknownCommand reports whether err is a Command action whose CLI command
// does not exist ("No such command '…'"), usually a module not loaded.
func IsUnknownCommand(err error) bool {
	var ae *ActionError
	return errors.As(err, &ae) && strings.HasPrefix(ae.Message, "No such command")
}

// ProtocolError describes bytes that broke a limit or the wire format. The
// connection it came from cannot be resynchronised and is dropped.
type ProtocolError struct {
	Err   error  // ErrLineTooLong, ErrMessageTooLarge or ErrBadGreeting
	Value string // the offending text, truncated
	Limit int    // the limit in force, when relevant
}

func (e *ProtocolError) Error() string {
	s := e.Err.Error()
	if e.Value != "" {
		s += " (" + strconv.Quote(e.Value) + ")"
	}
	if e.Limit > 0 {
		s += ", limit " + strconv.Itoa(e.Limit)
	}
	return s
}

func (e *ProtocolError) Unwrap() error { return e.Err }

func protoErr(err error, value []byte, limit int) *ProtocolError {
	if len(value) > 64 {
		value = value[:64]
	}
	return &ProtocolError{Err: err, Value: string(value), Limit: limit}
}

// clip cuts s to at most n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
