package esl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/voip-exporter/voip_exporter/reconnect"
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
	keep *reconnect.Keeper[*Conn]
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
	c := &Client{opts: opts}
	c.keep = reconnect.New(reconnect.Options[*Conn]{
		What:    "freeswitch event socket",
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

// Subscribe adds events to the current connection's subscription, in the client's event format (the
// next connection subscribes to Options.Events again). ErrNotConnected when there is no connection.
func (c *Client) Subscribe(ctx context.Context, events ...string) error {
	conn, err := c.current()
	if err != nil {
		return err
	}
	return conn.Subscribe(ctx, c.opts.EventFormat, events...)
}

// Nixevent removes events from the current connection's subscription.
func (c *Client) Nixevent(ctx context.Context, events ...string) error {
	conn, err := c.current()
	if err != nil {
		return err
	}
	return conn.Nixevent(ctx, events...)
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
	st := c.keep.State()
	return Status{
		Connected:      st.Connected,
		ConnectedSince: st.ConnectedSince,
		LastEvent:      c.st.lastEventTime(),
		LastError:      st.LastError,
		LastErrorTime:  st.LastErrorTime,
		Reconnects:     st.Reconnects,
	}
}

// Stats returns the counters summed over all connections.
func (c *Client) Stats() Stats {
	s := c.st.snapshot()
	st := c.keep.State()
	s.Reconnects, s.DialFailures = st.Reconnects, st.DialFailures
	return s
}

// Close stops Run (waiting for it if it is running) and closes the connection.
func (c *Client) Close() error {
	c.keep.Close()
	return nil
}
