package ami

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
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
	log  *slog.Logger

	conn atomic.Pointer[Conn]

	mu        sync.Mutex
	since     time.Time
	lastErr   string
	lastErrAt time.Time
	running   bool

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
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
	c := &Client{opts: opts, log: opts.Logger, done: make(chan struct{})}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Run keeps a connection up until ctx is cancelled or Close is called, and
// returns then (nil after Close, else ctx's error). Each failed attempt is
// logged at Warn level and counted; retries wait Backoff{BackoffMin,
// BackoffMax}.Delay(attempt). The attempt count restarts once a connection
// has stayed up for BackoffMax.
func (c *Client) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return errors.New("ami: Client.Run called twice")
	}
	c.running = true
	c.mu.Unlock()
	defer close(c.done)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()

	bo := Backoff{Min: c.opts.BackoffMin, Max: c.opts.BackoffMax}
	attempt, connected := 0, false
	for {
		conn, err := c.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return c.exitErr(ctx)
			}
			c.st.dialFailures.Add(1)
			c.setErr(err)
			d := bo.Delay(attempt)
			c.log.Warn("asterisk manager: connect failed",
				"address", c.opts.Address, "attempt", attempt+1, "retry_in", d, "error", err.Error())
			attempt++
			if !sleepCtx(ctx, d) {
				return c.exitErr(ctx)
			}
			continue
		}
		msg := "asterisk manager: connected"
		if connected {
			c.st.reconnects.Add(1)
			msg = "asterisk manager: reconnected"
		}
		connected = true
		up := time.Now()
		c.mu.Lock()
		c.since = up
		c.mu.Unlock()
		c.conn.Store(conn)
		c.log.Info(msg, "address", c.opts.Address, "ami_version", conn.Version(), "reconnects", c.st.reconnects.Load())

		select {
		case <-conn.Done():
		case <-ctx.Done():
		}
		c.conn.Store(nil)
		c.mu.Lock()
		c.since = time.Time{}
		c.mu.Unlock()
		if ctx.Err() != nil {
			conn.Close()
			<-conn.Done()
			return c.exitErr(ctx)
		}
		err = conn.Err()
		c.setErr(err)
		if time.Since(up) >= c.opts.BackoffMax {
			attempt = 0
		}
		d := bo.Delay(attempt)
		c.log.Warn("asterisk manager: connection lost, will reconnect",
			"address", c.opts.Address, "retry_in", d, "error", err.Error())
		attempt++
		if !sleepCtx(ctx, d) {
			return c.exitErr(ctx)
		}
	}
}

func (c *Client) exitErr(ctx context.Context) error {
	if c.ctx.Err() != nil {
		return nil // Close
	}
	return ctx.Err()
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

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
		Logger:        c.log,
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

func (c *Client) setErr(err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	c.lastErr, c.lastErrAt = err.Error(), time.Now()
	c.mu.Unlock()
}

// Conn returns the current connection, or nil when there is none.
func (c *Client) Conn() *Conn { return c.conn.Load() }

func (c *Client) current() (*Conn, error) {
	if conn := c.conn.Load(); conn != nil {
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
	c.mu.Lock()
	defer c.mu.Unlock()
	conn := c.conn.Load()
	s := Status{
		Connected:      conn != nil,
		ConnectedSince: c.since,
		LastEvent:      c.st.lastEventTime(),
		LastError:      c.lastErr,
		LastErrorTime:  c.lastErrAt,
		Reconnects:     c.st.reconnects.Load(),
	}
	if conn != nil {
		s.Version = conn.Version()
	}
	return s
}

// Stats returns the counters summed over all connections.
func (c *Client) Stats() Stats { return c.st.snapshot() }

// Close stops Run (waiting for it if it is running) and closes the
// connection with a Logoff.
func (c *Client) Close() error {
	c.cancel()
	if conn := c.conn.Load(); conn != nil {
		conn.Close()
	}
	c.mu.Lock()
	running := c.running
	c.mu.Unlock()
	if running {
		<-c.done
	}
	return nil
}
