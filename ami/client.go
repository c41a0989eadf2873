package ami

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"time"

	"github.com/voip-exporter/voip_exporter/reconnect"
)

// ClientOptions configures a Client. Zero values take the defaults.
type ClientOptions struct {
	Address       string        // "host:port" of the AMI (required)
	Username      string        // manager.conf user (required)
	Secret        string        // its secret
	Events        string        // Login Events: header (default "off")
	DialTimeout   time.Duration // connect + greeting + Login (default 5s)
	ActionTimeout time.Duration // action wait when ctx has no deadline (default 10s)
	PingInterval  time.Duration // keepalive when idle (default 20s; negative: none)
	BackoffMin    time.Duration // first reconnect delay cap (default 500ms)
	BackoffMax    time.Duration // largest reconnect delay (default 30s)
	Reader        ReaderOptions
	MaxListItems  int
	TLS           *tls.Config

	// OnEvent receives events on the connection's reader goroutine (see
	// Options.OnEvent); it must be fast.
	OnEvent func(*Message)
	// OnConnect runs after each (re)connect, before the connection is
	// handed to callers, e.g. to set an event mask and filters or to reset
	// event-derived state. An error drops the connection and counts as a
	// failed attempt.
	OnConnect func(ctx context.Context, c *Conn) error
	// Logger gets connect/disconnect records (default slog.Default()).
	Logger *slog.Logger
}

// Status is a snapshot of a Client's connection state.
type Status struct {
	Connected      bool
	ConnectedSince time.Time // zero when not connected
	Version        string    // AMI version of the current connection
	LastEvent      time.Time // last unsolicited event received
	LastError      string
	LastErrorTime  time.Time
	Reconnects     uint64
}

// Client keeps one logged-in AMI connection up, reconnecting with capped
// exponential backoff and full jitter. It is safe for concurrent use.
type Client struct {
	opts ClientOptions
	st   counters
	keep *reconnect.Keeper[*Conn]
}

// NewClient validates opts and returns a Client; call Run to connect.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.Address == "" {
		return nil, errors.New("ami: ClientOptions.Address is required")
	}
	if opts.Username == "" || !validValue(opts.Username) || !validValue(opts.Secret) || !validValue(opts.Events) {
		return nil, errors.New("ami: ClientOptions.Username is empty, or a credential contains CR/LF")
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = 500 * time.Millisecond
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 30 * time.Second
	}
	if opts.BackoffMax < opts.BackoffMin {
		opts.BackoffMax = opts.BackoffMin
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.ActionTimeout <= 0 {
		opts.ActionTimeout = 10 * time.Second
	}
	switch {
	case opts.PingInterval == 0:
		opts.PingInterval = 20 * time.Second
	case opts.PingInterval < 0:
		opts.PingInterval = 0
	}
	c := &Client{opts: opts}
	c.keep = reconnect.New(reconnect.Options[*Conn]{
		What:    "asterisk manager",
		Address: opts.Address,
		Dial:    c.connect,
		Backoff: reconnect.Backoff{Min: opts.BackoffMin, Max: opts.BackoffMax},
		Logger:  opts.Logger,
	})
	return c, nil
}

// Run keeps a connection up until ctx is cancelled or Close is called, and
// returns then (nil after Close, else ctx's error). Each failed attempt is
// logged at Warn level and counted; retries wait Backoff{BackoffMin,
// BackoffMax}.Delay(attempt). The attempt count restarts once a connection
// has stayed up for BackoffMax.
func (c *Client) Run(ctx context.Context) error { return c.keep.Run(ctx) }

func (c *Client) connect(ctx context.Context) (*Conn, error) {
	conn, err := Dial(ctx, c.opts.Address, Options{
		Username:      c.opts.Username,
		Secret:        c.opts.Secret,
		Events:        c.opts.Events,
		DialTimeout:   c.opts.DialTimeout,
		ActionTimeout: c.opts.ActionTimeout,
		PingInterval:  c.opts.PingInterval,
		Reader:        c.opts.Reader,
		MaxListItems:  c.opts.MaxListItems,
		OnEvent:       c.opts.OnEvent,
		TLS:           c.opts.TLS,
		Logger:        c.opts.Logger,
		counters:      &c.st,
	})
	if err != nil {
		return nil, err
	}
	if c.opts.OnConnect != nil {
		sctx, cancel := context.WithTimeout(ctx, c.opts.ActionTimeout)
		err = c.opts.OnConnect(sctx, conn)
		cancel()
		if err != nil {
			conn.Close()
			<-conn.Done()
			return nil, err
		}
	}
	return conn, nil
}

// Conn returns the current connection, or nil when there is none.
func (c *Client) Conn() *Conn {
	conn, _ := c.keep.Current()
	return conn
}

func (c *Client) current() (*Conn, error) {
	if conn, ok := c.keep.Current(); ok {
		return conn, nil
	}
	return nil, ErrNotConnected
}

// Action runs an action on the current connection; ErrNotConnected at once
// if there is none.
func (c *Client) Action(ctx context.Context, action string, headers ...Header) (*Message, error) {
	conn, err := c.current()
	if err != nil {
		return nil, err
	}
	return conn.Action(ctx, action, headers...)
}

// List runs an event-list action on the current connection.
func (c *Client) List(ctx context.Context, action string, headers ...Header) (*Message, []*Message, error) {
	conn, err := c.current()
	if err != nil {
		return nil, nil, err
	}
	return conn.List(ctx, action, headers...)
}

// Command runs a CLI command on the current connection.
func (c *Client) Command(ctx context.Context, command string) (string, error) {
	conn, err := c.current()
	if err != nil {
		return "", err
	}
	return conn.Command(ctx, command)
}

// Status returns the connection state.
func (c *Client) Status() Status {
	st := c.keep.State()
	s := Status{
		Connected:      st.Connected,
		ConnectedSince: st.ConnectedSince,
		LastEvent:      c.st.lastEventTime(),
		LastError:      st.LastError,
		LastErrorTime:  st.LastErrorTime,
		Reconnects:     st.Reconnects,
	}
	if conn, ok := c.keep.Current(); ok {
		s.Version = conn.Version()
	}
	return s
}

// Stats returns the counters summed over all connections.
func (c *Client) Stats() Stats {
	s := c.st.snapshot()
	st := c.keep.State()
	s.Reconnects, s.DialFailures = st.Reconnects, st.DialFailures
	return s
}

// Close stops Run (waiting for it if it is running) and closes the
// connection with a Logoff.
func (c *Client) Close() error {
	c.keep.Close()
	return nil
}
