package ami

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Conn. Zero values take the defaults.
type Options struct {
	Username string // manager.conf section name (required)
	Secret   string // its secret= (required)
	// Events is the Login "Events:" header: "off" (default: no unsolicited
	// events), "on", or a class list such as "call,reporting".
	Events string
	// DialTimeout bounds TCP connect, greeting and Login (default 5s).
	DialTimeout time.Duration
	// ActionTimeout bounds one action when the caller's ctx has no deadline
	// (default 10s). If not one byte arrives from Asterisk while an action
	// waits out its deadline, the connection is considered dead and closed.
	ActionTimeout time.Duration
	// WriteTimeout bounds each write (default 5s, or the ctx deadline if sooner).
	WriteTimeout time.Duration
	// PingInterval sends a keepalive Ping when nothing was read for that
	// long; a Ping that fails closes the connection. 0: no keepalive.
	PingInterval time.Duration
	// Reader bounds every read (line length, message size).
	Reader ReaderOptions
	// MaxListItems caps the events of one event list (default 1,000,000).
	MaxListItems int
	// OnEvent receives every event that is not an item of an event list
	// this Conn asked for. It runs on the connection's single reader
	// goroutine: it must be fast and must not block or wait on this Conn.
	OnEvent func(*Message)
	// TLS, when set, wraps the TCP connection (AMI over TLS, tlsenable= in
	// manager.conf).
	TLS *tls.Config
	// Logger gets keepalive failures (default: discard).
	Logger *slog.Logger

	counters *counters // shared with a Client; nil: the Conn's own
}

func (o Options) withDefaults() Options {
	if o.Events == "" {
		o.Events = "off"
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.ActionTimeout <= 0 {
		o.ActionTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.MaxListItems <= 0 {
		o.MaxListItems = 1_000_000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.counters == nil {
		o.counters = new(counters)
	}
	return o
}

// Conn is one logged-in AMI connection. Actions may be sent from many
// goroutines at once (pipelined): each gets its own ActionID, and the single
// reader goroutine hands every response and event-list item to the action
// it belongs to, and every other event to OnEvent. Conn is safe for
// concurrent use.
type Conn struct {
	nc       net.Conn
	rd       *Reader
	opts     Options
	st       *counters
	version  string
	read     atomic.Uint64 // bytes read on this connection
	lastRead atomic.Int64  // unix nanoseconds of the last read

	wmu sync.Mutex // serialises writes

	mu        sync.Mutex // guards the fields below
	pending   map[string]*pending
	seq       uint64
	closed    bool
	err       error
	loggedOff bool // a Goodbye arrived: the coming EOF is the end of the session

	done      chan struct{} // closed when the reader goroutine has exited
	closeOnce sync.Once
}

type pending struct {
	action string
	list   bool
	resp   *Message
	items  []*Message
	ch     chan result // buffered: delivery never blocks the reader
}

type result struct {
	resp  *Message
	items []*Message
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
		r.c.lastRead.Store(time.Now().UnixNano())
		r.c.st.bytesRead.Add(uint64(n))
	}
	return n, err
}

// Dial connects to the AMI at address ("host:port"), reads the greeting,
// logs in and starts the reader goroutine. A refused login yields an error
// that errors.Is(err, ErrAuth). The secret never appears in errors.
func Dial(ctx context.Context, address string, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	if !validValue(opts.Username) || opts.Username == "" || !validValue(opts.Secret) || !validValue(opts.Events) {
		return nil, fmt.Errorf("ami: dial %s: username is empty, or username, secret or events contain CR/LF", address)
	}
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(dctx, "tcp", address)
	if err != nil {
		return nil, fmt.Errorf("ami: dial %s: %w", address, err)
	}
	if opts.TLS != nil {
		tc := tls.Client(nc, opts.TLS)
		if err := tc.HandshakeContext(dctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("ami: %s: TLS handshake: %w", address, err)
		}
		nc = tc
	}
	c := &Conn{nc: nc, opts: opts, st: opts.counters, pending: map[string]*pending{}, done: make(chan struct{})}
	c.rd = NewReader(countingReader{nc, c}, opts.Reader)

	// Greeting, read before the reader goroutine starts.
	if dl, ok := dctx.Deadline(); ok {
		nc.SetReadDeadline(dl)
	}
	stop := context.AfterFunc(dctx, func() { nc.SetReadDeadline(time.Unix(1, 0)) })
	c.version, err = c.rd.ReadGreeting()
	stopped := stop()
	if err == nil && !stopped {
		err = dctx.Err()
	}
	if err != nil {
		nc.Close()
		if dctx.Err() != nil {
			err = dctx.Err()
		}
		return nil, fmt.Errorf("ami: %s: reading greeting: %w", address, err)
	}
	nc.SetReadDeadline(time.Time{})
	go c.readLoop()

	_, err = c.Action(dctx, "Login",
		Header{"Username", opts.Username}, Header{"Secret", opts.Secret}, Header{"Events", opts.Events})
	if err != nil {
		c.Close()
		<-c.done
		var ae *ActionError
		if errors.As(err, &ae) {
			return nil, fmt.Errorf("%w as %q on %s: %s", ErrAuth, opts.Username, address, ae.Message)
		}
		return nil, fmt.Errorf("ami: %s: login: %w", address, err)
	}
	if opts.PingInterval > 0 {
		go c.keepalive()
	}
	return c, nil
}

// Version returns the AMI version from the greeting ("9.0.0" for Asterisk 20).
func (c *Conn) Version() string { return c.version }

// Done is closed once the connection is closed and its reader goroutine has
// returned (no OnEvent call runs after that).
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection closed (nil while open): ErrClosed after
// Close, ErrLoggedOff after Logoff, ErrDeadConnection, a *ProtocolError, or
// the read/write error.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Stats returns the connection's counters (shared with its Client, if any).
func (c *Conn) Stats() Stats { return c.st.snapshot() }

// RemoteAddr returns Asterisk's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Close sends a Logoff without waiting for the answer and closes the
// connection. Pending actions fail with ErrClosed. It does not wait for the
// reader goroutine: see Done.
func (c *Conn) Close() error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		c.wmu.Lock()
		c.nc.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		_, _ = c.nc.Write([]byte("Action: Logoff\r\n\r\n"))
		c.wmu.Unlock()
	}
	c.shutdown(ErrClosed)
	return nil
}

// Logoff asks Asterisk to end the session, waits for its Goodbye and closes.
func (c *Conn) Logoff(ctx context.Context) error {
	_, err := c.Action(ctx, "Logoff")
	c.shutdown(ErrLoggedOff)
	return err
}

func (c *Conn) shutdown(err error) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed, c.err = true, err
		p := c.pending
		c.pending = nil
		c.mu.Unlock()
		c.nc.Close()
		for _, w := range p {
			w.ch <- result{err: err}
		}
	})
}

// readLoop is the connection's only reader.
func (c *Conn) readLoop() {
	defer close(c.done)
	for {
		m, err := c.rd.ReadMessage()
		if err != nil {
			c.mu.Lock()
			bye := c.loggedOff
			c.mu.Unlock()
			if bye {
				c.shutdown(ErrLoggedOff)
			} else {
				c.shutdown(fmt.Errorf("ami: read: %w", err))
			}
			return
		}
		c.st.messagesRead.Add(1)
		if id := m.ActionID(); id != "" {
			if c.deliver(id, m) {
				continue
			}
		}
		if m.IsEvent() {
			c.st.eventsRead.Add(1)
			c.st.lastEvent.Store(time.Now().UnixNano())
			if c.opts.OnEvent != nil {
				c.opts.OnEvent(m)
			}
			continue
		}
		c.st.unmatched.Add(1)
	}
}

// deliver hands m to the action waiting for ActionID id. It reports false
// when m carries an ActionID nobody waits for (it is then counted and dropped
// unless it is an event).
func (c *Conn) deliver(id string, m *Message) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pending[id]
	if p == nil {
		if m.IsEvent() {
			// An item of a list whose waiter gave up: not an unsolicited event.
			c.st.unmatched.Add(1)
			return true
		}
		return false
	}
	if !m.IsEvent() {
		if strings.EqualFold(m.Response(), "Goodbye") {
			c.loggedOff = true
		}
		p.resp = m
		if !p.list || !strings.EqualFold(m.Response(), "Success") || !m.IsListStart() {
			delete(c.pending, id)
			p.ch <- result{resp: m}
		}
		return true
	}
	c.st.listItems.Add(1)
	if m.IsListComplete() && p.resp != nil {
		delete(c.pending, id)
		p.ch <- result{resp: p.resp, items: p.items}
		return true
	}
	if len(p.items) >= c.opts.MaxListItems {
		delete(c.pending, id)
		p.ch <- result{err: fmt.Errorf("%w: %s sent more than %d items", ErrListTooLong, p.action, c.opts.MaxListItems)}
		return true
	}
	p.items = append(p.items, m)
	return true
}

// Action sends one action and returns its response. A "Response: Error"
// comes back as an *ActionError together with the response.
func (c *Conn) Action(ctx context.Context, action string, headers ...Header) (*Message, error) {
	r, err := c.roundTrip(ctx, action, headers, false)
	return r.resp, err
}

// List sends an action that answers with an event list (SIPpeers,
// CoreShowChannels, PJSIPShowEndpoints…) and returns the response and the
// list's events, without the closing …Complete event. An action that
// answers "Response: Error" returns an *ActionError and no items.
func (c *Conn) List(ctx context.Context, action string, headers ...Header) (*Message, []*Message, error) {
	r, err := c.roundTrip(ctx, action, headers, true)
	return r.resp, r.items, err
}

// Command runs a CLI command through the Command action and returns its
// output as `asterisk -rx` prints it. An unknown CLI command returns an
// *ActionError for which IsUnknownCommand is true.
func (c *Conn) Command(ctx context.Context, command string) (string, error) {
	r, err := c.roundTrip(ctx, "Command", []Header{{"Command", command}}, false)
	if r.resp == nil {
		return "", err
	}
	return r.resp.Output(), err
}

// Ping sends a Ping and waits for the Pong.
func (c *Conn) Ping(ctx context.Context) error {
	_, err := c.Action(ctx, "Ping")
	return err
}

func (c *Conn) roundTrip(ctx context.Context, action string, headers []Header, list bool) (result, error) {
	if err := validateAction(action, headers); err != nil {
		c.st.actionErrors.Add(1)
		return result{}, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.ActionTimeout)
		defer cancel()
	}
	p := &pending{action: action, list: list, ch: make(chan result, 1)}
	c.wmu.Lock()
	c.mu.Lock()
	if c.closed {
		err := c.err
		c.mu.Unlock()
		c.wmu.Unlock()
		c.st.actionErrors.Add(1)
		return result{}, err
	}
	c.seq++
	id := formatID("vx-", c.seq)
	c.pending[id] = p
	c.mu.Unlock()
	mark := c.read.Load()
	wd := time.Now().Add(c.opts.WriteTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(wd) {
		wd = dl
	}
	c.nc.SetWriteDeadline(wd)
	_, err := c.nc.Write(appendAction(make([]byte, 0, 64+len(action)), action, id, headers))
	c.wmu.Unlock()
	c.st.actionsSent.Add(1)
	if err != nil {
		c.shutdown(fmt.Errorf("ami: write: %w", err))
		c.st.actionErrors.Add(1)
		return result{}, c.Err()
	}
	select {
	case r := <-p.ch:
		if r.err != nil {
			c.st.actionErrors.Add(1)
			return r, r.err
		}
		if strings.EqualFold(r.resp.Response(), "Error") {
			c.st.actionErrors.Add(1)
			return r, &ActionError{Action: action, Message: errorText(r.resp)}
		}
		return r, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		c.st.actionErrors.Add(1)
		if c.read.Load() == mark {
			c.shutdown(ErrDeadConnection)
			return result{}, fmt.Errorf("ami: %s: %w (%w)", action, ctx.Err(), ErrDeadConnection)
		}
		return result{}, fmt.Errorf("ami: %s: %w", action, ctx.Err())
	}
}

// errorText is the reason of an error response: its Message, or for a
// Command the first Output line ("No such command '…'").
func errorText(m *Message) string {
	msg := m.Get("Message")
	if out, ok := m.Lookup("Output"); ok && (msg == "" || strings.EqualFold(msg, "Command output follows")) {
		return out
	}
	return msg
}

// keepalive pings Asterisk when the connection has been quiet for PingInterval.
func (c *Conn) keepalive() {
	t := time.NewTicker(c.opts.PingInterval / 2)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, c.lastRead.Load())) < c.opts.PingInterval {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.ActionTimeout)
		err := c.Ping(ctx)
		cancel()
		if err != nil {
			c.mu.Lock()
			closed := c.closed
			c.mu.Unlock()
			if !closed {
				c.opts.Logger.Warn("asterisk manager: keepalive ping failed, closing", "error", err.Error())
				c.shutdown(fmt.Errorf("%w: keepalive ping: %v", ErrDeadConnection, err))
			}
			return
		}
	}
}
