package binrpc

import (
	"context"
	"log/slog"
	"time"

	"github.com/voip-exporter/voip_exporter/reconnect"
)

// ClientOptions configures a Client. Zero values take the defaults.
type ClientOptions struct {
	Address       string        // ctl address (see ParseAddress; required)
	DialTimeout   time.Duration // default 5s
	CallTimeout   time.Duration // default 10s
	MaxReplyBytes int           // default DefaultMaxReplyBytes
	BackoffMin    time.Duration // first reconnect delay cap (default 250ms)
	BackoffMax    time.Duration // largest reconnect delay (default 30s)
	Logger        *slog.Logger  // connect/disconnect records (default slog.Default())
}

// Status is a snapshot of a Client's connection state.
type Status struct {
	Connected      bool
	ConnectedSince time.Time // zero when not connected
	LastError      string
	LastErrorTime  time.Time
	Reconnects     uint64
	// Generation counts successful connects: it changes whenever Kamailio
	// may have been restarted (and loaded other modules).
	Generation uint64
}

// Client keeps one connection to Kamailio's ctl socket up, reconnecting
// with capped exponential backoff and full jitter, and is safe for
// concurrent use.
type Client struct {
	opts ClientOptions
	addr Address
	st   counters
	keep *reconnect.Keeper[*Conn]
}

// NewClient validates opts and returns a Client; call Run to connect.
func NewClient(opts ClientOptions) (*Client, error) {
	a, err := ParseAddress(opts.Address)
	if err != nil {
		return nil, err
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = 250 * time.Millisecond
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 30 * time.Second
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffMin)
	c := &Client{opts: opts, addr: a}
	c.keep = reconnect.New(reconnect.Options[*Conn]{
		What:    "kamailio ctl",
		Address: opts.Address,
		Dial: func(ctx context.Context) (*Conn, error) {
			return Dial(ctx, opts.Address, Options{
				DialTimeout: opts.DialTimeout, CallTimeout: opts.CallTimeout,
				MaxReplyBytes: opts.MaxReplyBytes, counters: &c.st,
			})
		},
		Backoff: reconnect.Backoff{Min: opts.BackoffMin, Max: opts.BackoffMax},
		Logger:  opts.Logger,
	})
	return c, nil
}

// Address is the parsed ctl address.
func (c *Client) Address() Address { return c.addr }

// Run keeps a connection up until ctx is cancelled or Close is called
// (then it returns nil after Close, else ctx's error). Failed attempts are
// logged at Warn level; retries wait a random delay up to
// min(BackoffMax, BackoffMin·2^attempt). The attempt count restarts once
// a connection has stayed up for BackoffMax.
func (c *Client) Run(ctx context.Context) error { return c.keep.Run(ctx) }

// Call runs method on the current connection; ErrNotConnected at once if
// there is none. See Conn.Call.
func (c *Client) Call(ctx context.Context, method string, args ...any) (*Reply, error) {
	conn, ok := c.keep.Current()
	if !ok {
		return nil, ErrNotConnected
	}
	return conn.Call(ctx, method, args...)
}

// Generation counts successful connects (see Status.Generation).
func (c *Client) Generation() uint64 { return c.keep.State().Generation }

// Status returns the connection state.
func (c *Client) Status() Status {
	st := c.keep.State()
	return Status{
		Connected:      st.Connected,
		ConnectedSince: st.ConnectedSince,
		LastError:      st.LastError,
		LastErrorTime:  st.LastErrorTime,
		Reconnects:     st.Reconnects,
		Generation:     st.Generation,
	}
}

// Stats returns the counters summed over all connections.
func (c *Client) Stats() Stats {
	s := c.st.snapshot()
	st := c.keep.State()
	s.Reconnects, s.DialFailures = st.Reconnects, st.DialFailures
	return s
}

// Close stops Run (waiting for it if it runs) and closes the connection.
func (c *Client) Close() error {
	c.keep.Close()
	return nil
}
