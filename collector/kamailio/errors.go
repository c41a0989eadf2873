package kamailio

import (
	"context"
	"errors"
	"fmt"

	"github.com/voip-exporter/voip_exporter/binrpc"
)

func asFault(err error, f **binrpc.Fault) bool     { return errors.As(err, f) }
func asDisabled(err error, d **disabledError) bool { return errors.As(err, d) }

// loggedError is a collector's error it has logged once itself: the
// per-scrape "collector failed" record is left out for it.
type loggedError struct{ err error }

func (e *loggedError) Error() string { return e.err.Error() }
func (e *loggedError) Unwrap() error { return e.err }

// badReply reports a reply without the shape the method always has.
func badReply(method, format string, a ...any) error {
	return fmt.Errorf("%s: unexpected reply: %s", method, fmt.Sprintf(format, a...))
}

// call runs method and checks the reply holds at least one value.
func call(ctx context.Context, rpc RPC, method string, args ...any) (*binrpc.Reply, error) {
	r, err := rpc.Call(ctx, method, args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}
