package esl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Conn. Zero values take the defaults.
type Options struct {
	// DialTimeout bounds TCP connect, greeting and authentication (default 5s).
	DialTimeout time.Duration
	// CommandTimeout bounds the wait for a command's reply when the caller's
	// ctx has no deadline (default 10s). If not one byte arrives from
	// FreeSWITCH while a command waits out its deadline, the connection is
	// considered dead and closed.
	CommandTimeout time.Duration
	// WriteTimeout bounds each write (default 5s, or the ctx deadline if sooner).
	WriteTimeout time.Duration
	// MaxBodyBytes caps any frame's Content-Length (default 8 MiB).
	MaxBodyBytes int
	// ReadBufferSize is the frame reader's buffer (default 64 KiB).
	ReadBufferSize int
	// OnEvent receives every event not consumed by BgAPI. It runs on the
	// connection's single reader goroutine: it must be fast and must not
	// block (nor call commands on this Conn and wait for them), or replies
	// and events queue up behind it.
	OnEvent func(*Event)
	// ReuseEvent makes the reader refill one Event for every OnEvent call
	// (no allocation per event). The Event and every string taken from it
	// are then valid only until OnEvent returns: copy what you keep.
	ReuseEvent bool
	// OnLog receives log/data frames (after "log N"), on the reader goroutine.
	OnLog func(*LogData)

	counters *counters // shared with a Client; nil: the Conn's own
}

func (o Options) withDefaults() Options {
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.counters == nil {
		o.counters = new(counters)
	}
	return o
}

// Conn is one authenticated inbound Event Socket connection. Commands may
// be sent from many goroutines at once: they are written under a mutex and
// their replies, which FreeSWITCH sends in request order, are handed out in
// FIFO order by the single reader goroutine, which also dispatches events
// and log lines. Conn is safe for concurrent use.
type Conn struct {
	nc   net.Conn
	rd   *Reader
	opts Options
	st   *counters
	read atomic.Uint64 // bytes read on this connection

	wmu sync.Mutex // serialises writes with the enqueueing of their waiter

	mu     sync.Mutex // guards the fields below
	queue  []chan result
	jobs   map[string]chan *Event
	closed bool
	err    error

	njobs atomic.Int32 // len(jobs), read lock-free by the reader

	smu          sync.Mutex // serialises subscription changes
	format       string     // current event format ("plain" until Subscribe)
	jobsSubbed   bool       // BACKGROUND_JOB is in the subscription
	haveFilters  bool
	filterBgJobs bool

	done      chan struct{} // closed when the reader goroutine has exited
	closeOnce sync.Once
}

type result struct {
	reply *Reply
	err   error
}

type countingReader struct {
	nc net.Conn
	c  *Conn
}

func (r countingReader) Read(p []byte) (int, error) {
	n, err := r.nc.Read(p)
	if n > 0 {
		r.c.read.Add(uint64(n))
		r.c.st.bytesRead.Add(uint64(n))
	}
	return n, err
}

// Dial connects to FreeSWITCH's event socket at address ("host:port"),
// reads the auth/request greeting, authenticates and starts the reader
// goroutine. A wrong password yields ErrAuth. The password never appears in
// errors.
func Dial(ctx context.Context, address, password string, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	if !validArg(password) {
		return nil, fmt.Errorf("esl: dial %s: password is empty or contains CR/LF", address)
	}
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(dctx, "tcp", address)
	if err != nil {
		return nil, fmt.Errorf("esl: dial %s: %w", address, err)
	}
	c := newConn(nc, opts)
	if err := c.handshake(dctx, password); err != nil {
		nc.Close()
		if errors.Is(err, ErrAuth) {
			return nil, fmt.Errorf("%w (server %s)", err, address)
		}
		return nil, fmt.Errorf("esl: %s: %w", address, err)
	}
	go c.readLoop()
	return c, nil
}

func newConn(nc net.Conn, opts Options) *Conn {
	c := &Conn{
		nc:     nc,
		opts:   opts,
		st:     opts.counters,
		jobs:   make(map[string]chan *Event),
		format: "plain",
		done:   make(chan struct{}),
	}
	c.rd = NewReader(countingReader{nc, c}, ReaderOptions{
		MaxBodyBytes: opts.MaxBodyBytes,
		BufferSize:   opts.ReadBufferSize,
	})
	return c
}

func (c *Conn) handshake(ctx context.Context, password string) error {
	if dl, ok := ctx.Deadline(); ok {
		c.nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := c.authenticate(ctx, password); err != nil {
		return err
	}
	if !stop() { // ctx ended and the AfterFunc already broke the deadline
		return ctx.Err()
	}
	return c.nc.SetDeadline(time.Time{})
}

func (c *Conn) authenticate(ctx context.Context, password string) error {
	f, err := c.rd.ReadFrame()
	if err != nil {
		return handshakeErr(ctx, "reading greeting", err)
	}
	c.st.framesRead.Add(1)
	switch f.Kind() {
	case KindAuthRequest:
	case KindRudeRejection:
		return fmt.Errorf("rejected by server: %s", firstLine(string(f.Body())))
	default:
		return fmt.Errorf("unexpected greeting %q", f.ContentType())
	}
	if _, err := c.nc.Write([]byte("auth " + password + "\n\n")); err != nil {
		return handshakeErr(ctx, "sending auth", err)
	}
	f, err = c.rd.ReadFrame()
	if err != nil {
		return handshakeErr(ctx, "reading auth reply", err)
	}
	c.st.framesRead.Add(1)
	text := f.Header("Reply-Text")
	switch {
	case f.Kind() != KindCommandReply:
		return fmt.Errorf("unexpected auth reply %q", f.ContentType())
	case hasPrefix(text, "+OK"):
	case hasPrefix(text, "-ERR invalid"):
		return ErrAuth
	default:
		return fmt.Errorf("%w: server replied %q", ErrAuth, text)
	}
	return nil
}

func handshakeErr(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
	return fmt.Errorf("%s: %w", what, err)
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// Done is closed once the connection is closed and its reader goroutine
// has returned (no OnEvent/OnLog call runs after that).
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection closed (nil while open): ErrClosed after
// Close, a *DisconnectError after text/disconnect-notice, ErrDeadConnection,
// a *FrameError, or the read/write error.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection without sending exit. Pending commands fail
// with ErrClosed. It does not wait for the reader goroutine: see Done.
func (c *Conn) Close() error {
	c.shutdown(ErrClosed)
	return nil
}

// RemoteAddr returns FreeSWITCH's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Stats returns the connection's counters (shared with its Client, if any).
func (c *Conn) Stats() Stats { return c.st.snapshot() }

// LastEvent returns when the last event frame arrived (zero if none).
func (c *Conn) LastEvent() time.Time { return c.st.lastEventTime() }

func (c *Conn) shutdown(err error) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed, c.err = true, err
		q, jobs := c.queue, c.jobs
		c.queue, c.jobs = nil, nil
		c.njobs.Store(0)
		c.mu.Unlock()
		c.nc.Close()
		for _, ch := range q {
			ch <- result{err: err}
		}
		for _, ch := range jobs {
			close(ch)
		}
	})
}

// readLoop is the connection's only reader.
func (c *Conn) readLoop() {
	defer close(c.done)
	var reuse *Event
	if c.opts.ReuseEvent {
		reuse = new(Event)
	}
	for {
		f, err := c.rd.ReadFrame()
		if err != nil {
			c.shutdown(fmt.Errorf("esl: read: %w", err))
			return
		}
		c.st.framesRead.Add(1)
		switch f.Kind() {
		case KindCommandReply, KindAPIResponse:
			c.deliver(result{reply: newReply(f)})
		case KindEventPlain, KindEventJSON, KindEventXML:
			c.st.eventsRead.Add(1)
			c.st.lastEvent.Store(time.Now().UnixNano())
			c.dispatchEvent(f, reuse)
		case KindLogData:
			if c.opts.OnLog != nil {
				c.opts.OnLog(newLogData(f))
			}
		case KindDisconnect:
			c.shutdown(&DisconnectError{Notice: string(f.Body())})
			return
		}
	}
}

func (c *Conn) dispatchEvent(f *Frame, reuse *Event) {
	jobs := c.njobs.Load() > 0
	if c.opts.OnEvent == nil && !jobs {
		return
	}
	ev := reuse
	var err error
	if ev == nil || jobs {
		ev, err = ParseEvent(f)
	} else {
		err = ev.ParseFrame(f)
	}
	if err != nil {
		c.st.eventErrors.Add(1)
		return
	}
	if jobs && ev.Name() == "BACKGROUND_JOB" {
		if ch := c.takeJob(ev.Get("Job-UUID")); ch != nil {
			ch <- ev // buffered, never blocks
			return
		}
	}
	if c.opts.OnEvent != nil {
		c.opts.OnEvent(ev)
	}
}

func (c *Conn) deliver(r result) {
	c.mu.Lock()
	if len(c.queue) == 0 {
		c.mu.Unlock()
		return // unsolicited reply: nobody waits for it
	}
	ch := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	if len(c.queue) == 0 {
		c.queue = c.queue[:0:0]
	}
	c.mu.Unlock()
	ch <- r // buffered; an abandoned waiter's reply is simply dropped
}

func (c *Conn) takeJob(id string) chan *Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.jobs[id]
	if ok {
		delete(c.jobs, id)
		c.njobs.Store(int32(len(c.jobs)))
	}
	return ch
}

func (c *Conn) addJob(id string, ch chan *Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.err
	}
	c.jobs[id] = ch
	c.njobs.Store(int32(len(c.jobs)))
	return nil
}

// roundTrip writes one command (wire ends with "\n\n") and waits for its reply.
func (c *Conn) roundTrip(ctx context.Context, wire []byte, name string) (*Reply, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.CommandTimeout)
		defer cancel()
	}
	ch := make(chan result, 1)
	c.wmu.Lock()
	c.mu.Lock()
	if c.closed {
		err := c.err
		c.mu.Unlock()
		c.wmu.Unlock()
		c.st.commandErrors.Add(1)
		return nil, err
	}
	c.queue = append(c.queue, ch)
	c.mu.Unlock()
	mark := c.read.Load()
	wd := time.Now().Add(c.opts.WriteTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(wd) {
		wd = dl
	}
	c.nc.SetWriteDeadline(wd)
	_, err := c.nc.Write(wire)
	c.wmu.Unlock()
	c.st.commandsSent.Add(1)
	if err != nil {
		c.shutdown(fmt.Errorf("esl: write: %w", err))
		c.st.commandErrors.Add(1)
		return nil, c.Err()
	}
	select {
	case r := <-ch:
		if r.err != nil {
			c.st.commandErrors.Add(1)
		}
		return r.reply, r.err
	case <-ctx.Done():
		c.st.commandErrors.Add(1)
		if c.read.Load() == mark {
			c.shutdown(ErrDeadConnection)
			return nil, fmt.Errorf("esl: %s: %w (%w)", name, ctx.Err(), ErrDeadConnection)
		}
		return nil, fmt.Errorf("esl: %s: %w", name, ctx.Err())
	}
}
