package binrpc

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
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
	log  *slog.Logger

	conn atomic.Pointer[Conn]
	gen  atomic.Uint64

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
	c := &Client{opts: opts, addr: a, log: opts.Logger, done: make(chan struct{})}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Address is the parsed ctl address.
func (c *Client) Address() Address { return c.addr }

// Run keeps a connection up until ctx is cancelled or Close is called
// (then it returns nil after Close, else ctx's error). Failed attempts are
// logged at Warn level; retries wait a random delay up to
// min(BackoffMax, BackoffMin·2^attempt). The attempt count restarts once
// a connection has stayed up for BackoffMax.
func (c *Client) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return errors.New("binrpc: Client.Run called twice")
	}
	c.running = true
	c.mu.Unlock()
	defer close(c.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()

	attempt, connected := 0, false
	for {
		conn, err := Dial(ctx, c.opts.Address, Options{
			DialTimeout: c.opts.DialTimeout, CallTimeout: c.opts.CallTimeout,
			MaxReplyBytes: c.opts.MaxReplyBytes, counters: &c.st,
		})
		if err != nil {
			if ctx.Err() != nil {
				return c.exitErr(ctx)
			}
			c.st.dialFail.Add(1)
			c.setErr(err)
			d := c.delay(attempt)
			c.log.Warn("kamailio ctl: connect failed", "address", c.opts.Address,
				"attempt", attempt+1, "retry_in", d, "error", err.Error())
			attempt++
			if !sleepCtx(ctx, d) {
				return c.exitErr(ctx)
			}
			continue
		}
		msg := "kamailio ctl: connected"
		if connected {
			c.st.reconnects.Add(1)
			msg = "kamailio ctl: reconnected"
		}
		connected = true
		up := time.Now()
		c.mu.Lock()
		c.since = up
		c.mu.Unlock()
		c.gen.Add(1)
		c.conn.Store(conn)
		c.log.Info(msg, "address", c.opts.Address, "reconnects", c.st.reconnects.Load())

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
			return c.exitErr(ctx)
		}
		err = conn.Err()
		c.setErr(err)
		if time.Since(up) >= c.opts.BackoffMax {
			attempt = 0
		}
		// Kamailio restarting or its ctl process ending closes the
		// socket: the first retry comes quickly.
		d := c.delay(attempt)
		c.log.Warn("kamailio ctl: connection lost, will reconnect",
			"address", c.opts.Address, "retry_in", d, "error", err.Error())
		attempt++
		if !sleepCtx(ctx, d) {
			return c.exitErr(ctx)
		}
	}
}

// delay is a random delay in [0, min(BackoffMax, BackoffMin·2^attempt)].
func (c *Client) delay(attempt int) time.Duration {
	d := c.opts.BackoffMin
	for i := 0; i < attempt && d < c.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, c.opts.BackoffMax)
	return time.Duration(rand.Int64N(int64(d) + 1))
}

func (c *Client) exitErr(ctx context.Context) error {
	if c.ctx.Err() != nil {
		return nil
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

func (c *Client) setErr(err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	c.lastErr, c.lastErrAt = err.Error(), time.Now()
	c.mu.Unlock()
}

// Call runs method on the current connection; ErrNotConnected at once if
// there is none. See Conn.Call.
func (c *Client) Call(ctx context.Context, method string, args ...any) (*Reply, error) {
	conn := c.conn.Load()
	if conn == nil {
		return nil, ErrNotConnected
	}
	return conn.Call(ctx, method, args...)
}

// Generation counts successful connects (see Status.Generation).
func (c *Client) Generation() uint64 { return c.gen.Load() }

// Status returns the connection state.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Status{
		Connected:      c.conn.Load() != nil,
		ConnectedSince: c.since,
		LastError:      c.lastErr,
		LastErrorTime:  c.lastErrAt,
		Reconnects:     c.st.reconnects.Load(),
		Generation:     c.gen.Load(),
	}
}

// Stats returns the counters summed over all connections.
func (c *Client) Stats() Stats { return c.st.snapshot() }

// Close stops Run (waiting for it if it runs) and closes the connection.
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
