package esl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Filter is one "filter <Header> <Value>" applied after each connect.
type Filter struct {
	Header, Value string
}

// ClientOptions configures a Client. Zero values take the defaults.
type ClientOptions struct {
	Address        string        // "host:port" of mod_event_socket (required)
	Password       string        // event socket password (required)
	DialTimeout    time.Duration // connect + greeting + auth (default 5s)
	CommandTimeout time.Duration // reply wait when ctx has no deadline (default 10s)
	MaxBodyBytes   int           // frame body cap (default 8 MiB)
	BackoffMin     time.Duration // first reconnect delay cap (default 500ms)
	BackoffMax     time.Duration // largest reconnect delay (default 30s)

	Events      []string // subscribed after each connect; empty: none
	EventFormat string   // "plain" (default), "json" or "xml"
	Filters     []Filter // applied after each connect

	// OnEvent receives events on the connection's reader goroutine; it
	// must be fast (see Options.OnEvent).
	OnEvent func(*Event)
	// ReuseEvent: see Options.ReuseEvent (no allocation per event; the
	// Event is valid only during OnEvent).
	ReuseEvent bool
	// OnLog receives log/data frames (send "log N" from OnConnect).
	OnLog func(*LogData)
	// OnConnect runs after each (re)connect and subscription, before the
	// connection is handed to API callers, e.g. to resynchronise state. An
	// error drops the connection and counts as a failed attempt.
	OnConnect func(ctx context.Context, c *Conn) error
	// Logger gets connect/disconnect records (default slog.Default()).
	Logger *slog.Logger
}

// Status is a snapshot of a Client's connection state.
type Status struct {
	Connected      bool
	ConnectedSince time.Time // zero when not connected
	LastEvent      time.Time // last event frame received
	LastError      string
	LastErrorTime  time.Time
	Reconnects     uint64
}

// Client keeps one authenticated connection to FreeSWITCH up, reconnecting
// with capped exponential backoff and full jitter. It is safe for
// concurrent use.
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
		return nil, errors.New("esl: ClientOptions.Address is required")
	}
	if !validArg(opts.Password) {
		return nil, errors.New("esl: ClientOptions.Password is empty or contains CR/LF")
	}
	if opts.EventFormat == "" {
		opts.EventFormat = "plain"
	}
	if !validFormat(opts.EventFormat) {
		return nil, fmt.Errorf("esl: EventFormat %q: want plain, json or xml", opts.EventFormat)
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
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 10 * time.Second
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
		return errors.New("esl: Client.Run called twice")
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
			c.log.Warn("freeswitch event socket: connect failed",
				"address", c.opts.Address, "attempt", attempt+1, "retry_in", d, "error", err.Error())
			attempt++
			if !sleepCtx(ctx, d) {
				return c.exitErr(ctx)
			}
			continue
		}
		msg := "freeswitch event socket: connected"
		if connected {
			c.st.reconnects.Add(1)
			msg = "freeswitch event socket: reconnected"
		}
		connected = true
		up := time.Now()
		c.mu.Lock()
		c.since = up
		c.mu.Unlock()
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
			<-conn.Done()
			return c.exitErr(ctx)
		}
		err = conn.Err()
		c.setErr(err)
		if time.Since(up) >= c.opts.BackoffMax {
			attempt = 0
		}
		d := bo.Delay(attempt)
		c.log.Warn("freeswitch event socket: connection lost, will reconnect",
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

// connect dials, authenticates, subscribes, filters and runs OnConnect.
func (c *Client) connect(ctx context.Context) (*Conn, error) {
	conn, err := Dial(ctx, c.opts.Address, c.opts.Password, Options{
		DialTimeout:    c.opts.DialTimeout,
		CommandTimeout: c.opts.CommandTimeout,
		MaxBodyBytes:   c.opts.MaxBodyBytes,
		OnEvent:        c.opts.OnEvent,
		ReuseEvent:     c.opts.ReuseEvent,
		OnLog:          c.opts.OnLog,
		counters:       &c.st,
	})
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithTimeout(ctx, c.opts.CommandTimeout)
	defer cancel()
	err = c.setup(sctx, conn)
	if err != nil {
		conn.Close()
		<-conn.Done()
		return nil, err
	}
	return conn, nil
}

func (c *Client) setup(ctx context.Context, conn *Conn) error {
	if len(c.opts.Events) > 0 {
		if err := conn.Subscribe(ctx, c.opts.EventFormat, c.opts.Events...); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
	} else {
		conn.smu.Lock()
		conn.format = c.opts.EventFormat
		conn.smu.Unlock()
	}
	for _, f := range c.opts.Filters {
		if err := conn.Filter(ctx, f.Header, f.Value); err != nil {
			return fmt.Errorf("filter: %w", err)
		}
	}
	if c.opts.OnConnect != nil {
		if err := c.opts.OnConnect(ctx, conn); err != nil {
			return fmt.Errorf("OnConnect: %w", err)
		}
	}
	return nil
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

// API runs an api command on the current connection; ErrNotConnected at
// once if there is none.
func (c *Client) API(ctx context.Context, cmd string) ([]byte, error) {
	conn, err := c.current()
	if err != nil {
		return nil, err
	}
	return conn.API(ctx, cmd)
}

// BgAPI runs a bgapi command on the current connection and waits for its
// result; ErrNotConnected at once if there is none.
func (c *Client) BgAPI(ctx context.Context, cmd string) ([]byte, error) {
	conn, err := c.current()
	if err != nil {
		return nil, err
	}
	return conn.BgAPI(ctx, cmd)
}

// SendCommand sends a raw command on the current connection.
func (c *Client) SendCommand(ctx context.Context, cmd string) (*Reply, error) {
	conn, err := c.current()
	if err != nil {
		return nil, err
	}
	return conn.SendCommand(ctx, cmd)
}

// Status returns the connection state.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Status{
		Connected:      c.conn.Load() != nil,
		ConnectedSince: c.since,
		LastEvent:      c.st.lastEventTime(),
		LastError:      c.lastErr,
		LastErrorTime:  c.lastErrAt,
		Reconnects:     c.st.reconnects.Load(),
	}
}

// Stats returns the counters summed over all connections.
func (c *Client) Stats() Stats { return c.st.snapshot() }

// Close stops Run (waiting for it if it is running) and closes the connection.
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
