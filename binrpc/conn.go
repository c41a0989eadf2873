package binrpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Conn. Zero values take the defaults.
type Options struct {
	DialTimeout   time.Duration // connect (default 5s)
	CallTimeout   time.Duration // reply wait when ctx has no deadline (default 10s)
	MaxReplyBytes int           // reply body cap (default DefaultMaxReplyBytes)

	counters *counters // shared with a Client
}

func (o *Options) defaults() {
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 10 * time.Second
	}
	if o.MaxReplyBytes <= 0 {
		o.MaxReplyBytes = DefaultMaxReplyBytes
	}
	if o.counters == nil {
		o.counters = &counters{}
	}
}

// Conn is one connection to Kamailio's ctl module. Calls may be made
// concurrently: requests are written back to back (pipelined) and replies
// matched to their callers by cookie, so concurrent calls share one round
// trip's wait. A Conn that breaks stays broken (see Done and Err).
type Conn struct {
	addr Address
	nc   net.Conn
	opts Options
	st   *counters

	wmu  sync.Mutex // one writer at a time
	wbuf []byte

	pmu     sync.Mutex
	pending map[uint32]chan packet

	lastRead atomic.Int64 // unix nanoseconds of the last byte read

	done    chan struct{}
	errOnce sync.Once
	err     error
}

// packet is one raw reply handed from the reader to its caller.
type packet struct {
	typ  PacketType
	body []byte
}

// Dial connects to address (see ParseAddress).
func Dial(ctx context.Context, address string, opts Options) (*Conn, error) {
	a, err := ParseAddress(address)
	if err != nil {
		return nil, err
	}
	opts.defaults()
	d := net.Dialer{Timeout: opts.DialTimeout}
	nc, err := d.DialContext(ctx, a.Network, a.Addr)
	if err != nil {
		return nil, fmt.Errorf("binrpc: dial %s: %w", a, err)
	}
	c := &Conn{addr: a, nc: nc, opts: opts, st: opts.counters,
		pending: make(map[uint32]chan packet), done: make(chan struct{})}
	c.lastRead.Store(time.Now().UnixNano())
	go c.readLoop()
	return c, nil
}

// Address is the address the connection was dialled to.
func (c *Conn) Address() Address { return c.addr }

// Done is closed when the connection is closed or broken.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended (nil while it is up).
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Close closes the connection; pending calls fail with ErrClosed.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	return nil
}

func (c *Conn) fail(err error) {
	c.errOnce.Do(func() {
		c.err = err
		_ = c.nc.Close()
		close(c.done)
	})
}

// Call sends method with args (string, int, float64, []byte) and waits for
// the reply. A fault reply is returned as a *Fault error. The wait ends at
// ctx's deadline, or after CallTimeout when ctx has none; a call that
// timed out while nothing at all arrived from Kamailio closes the
// connection (ErrDeadConnection), since a stuck peer is best redialled.
func (c *Conn) Call(ctx context.Context, method string, args ...any) (*Reply, error) {
	c.st.calls.Add(1)
	r, err := c.call(ctx, method, args)
	if err != nil {
		var f *Fault
		if errors.As(err, &f) {
			c.st.faults.Add(1)
		} else {
			c.st.callErrors.Add(1)
		}
	}
	return r, err
}

func (c *Conn) call(ctx context.Context, method string, args []any) (*Reply, error) {
	select {
	case <-c.done:
		return nil, c.err
	default:
	}
	ch := make(chan packet, 1)
	c.pmu.Lock()
	var cookie uint32
	for {
		cookie = rand.Uint32()
		if _, dup := c.pending[cookie]; !dup {
			break
		}
	}
	c.pending[cookie] = ch
	c.pmu.Unlock()
	defer func() {
		c.pmu.Lock()
		delete(c.pending, cookie)
		c.pmu.Unlock()
	}()

	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(c.opts.CallTimeout)
	}
	sent := time.Now()
	if err := c.write(deadline, cookie, method, args); err != nil {
		return nil, err
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case p := <-ch:
		return c.decodeReply(method, p)
	case <-c.done:
		return nil, c.err
	case <-ctx.Done():
		c.checkDead(sent)
		return nil, fmt.Errorf("%w: %s: %w", ErrTimeout, method, ctx.Err())
	case <-timer.C:
		c.checkDead(sent)
		return nil, fmt.Errorf("%w: %s after %s", ErrTimeout, method, time.Since(sent).Round(time.Millisecond))
	}
}

// checkDead closes the connection if nothing was read since the call was
// sent: the peer is stuck or gone.
func (c *Conn) checkDead(sent time.Time) {
	if c.lastRead.Load() < sent.UnixNano() {
		c.fail(ErrDeadConnection)
	}
}

func (c *Conn) write(deadline time.Time, cookie uint32, method string, args []any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var err error
	c.wbuf, err = AppendRequest(c.wbuf[:0], cookie, method, args...)
	if err != nil {
		return err
	}
	if c.addr.Datagram() && len(c.wbuf) > MaxDatagram {
		return fmt.Errorf("%w: request of %d bytes over a datagram socket", ErrTooLarge, len(c.wbuf))
	}
	_ = c.nc.SetWriteDeadline(deadline)
	n, err := c.nc.Write(c.wbuf)
	c.st.bytesWritten.Add(uint64(n))
	if err != nil {
		err = fmt.Errorf("binrpc: write %s: %w", method, err)
		c.fail(err)
		return err
	}
	return nil
}

func (c *Conn) decodeReply(method string, p packet) (*Reply, error) {
	r, err := decodeOwned(p.body)
	if err != nil {
		return nil, fmt.Errorf("%s reply: %w", method, err)
	}
	if p.typ == PacketFault {
		f := &Fault{Method: method}
		v := r.First()
		code, ok := v.Int()
		if !ok {
			return nil, malformed("%s: fault reply without a code", method)
		}
		f.Code = code
		for x := range r.All() {
			if x.Type() == TypeStr {
				f.Message = x.Str()
				break
			}
		}
		return nil, f
	}
	return r, nil
}

// readLoop reads replies and hands each to the call waiting for its cookie.
func (c *Conn) readLoop() {
	var err error
	if c.addr.Datagram() {
		err = c.readDatagrams()
	} else {
		err = c.readStream()
	}
	if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) {
		err = ErrClosed
	}
	if errors.Is(err, io.EOF) {
		err = fmt.Errorf("binrpc: %s closed the connection: %w", c.addr, io.EOF)
	}
	c.fail(err)
}

func (c *Conn) readStream() error {
	br := bufio.NewReaderSize(c.nc, 32<<10)
	var hdr [MaxHeaderSize]byte
	for {
		if _, err := io.ReadFull(br, hdr[:2]); err != nil {
			return err
		}
		c.lastRead.Store(time.Now().UnixNano())
		size, err := HeaderSize(hdr[0], hdr[1])
		if err != nil {
			return err
		}
		if _, err := io.ReadFull(br, hdr[2:size]); err != nil {
			return err
		}
		h, err := ParseHeader(hdr[:size])
		if err != nil {
			return err
		}
		if h.BodyLen > c.opts.MaxReplyBytes {
			return fmt.Errorf("%w: reply body of %d bytes (limit %d)", ErrTooLarge, h.BodyLen, c.opts.MaxReplyBytes)
		}
		body := make([]byte, h.BodyLen)
		if _, err := io.ReadFull(br, body); err != nil {
			return err
		}
		c.lastRead.Store(time.Now().UnixNano())
		c.st.bytesRead.Add(uint64(size + h.BodyLen))
		if err := c.deliver(h, body); err != nil {
			return err
		}
	}
}

func (c *Conn) readDatagrams() error {
	buf := make([]byte, MaxDatagram+1)
	for {
		n, err := c.nc.Read(buf)
		if err != nil {
			return err
		}
		c.lastRead.Store(time.Now().UnixNano())
		c.st.bytesRead.Add(uint64(n))
		if n < 2 {
			c.st.dropped.Add(1)
			continue
		}
		size, err := HeaderSize(buf[0], buf[1])
		if err != nil || n < size {
			c.st.dropped.Add(1)
			continue
		}
		h, err := ParseHeader(buf[:size])
		if err != nil || h.BodyLen != n-size || h.BodyLen > c.opts.MaxReplyBytes {
			c.st.dropped.Add(1)
			continue
		}
		body := make([]byte, h.BodyLen)
		copy(body, buf[size:n])
		if err := c.deliver(h, body); err != nil {
			return err
		}
	}
}

func (c *Conn) deliver(h Header, body []byte) error {
	if h.Type == PacketRequest {
		return malformed("Kamailio sent a request packet")
	}
	c.pmu.Lock()
	ch, ok := c.pending[h.Cookie]
	if ok {
		delete(c.pending, h.Cookie)
	}
	c.pmu.Unlock()
	if !ok {
		// the reply to a call that already timed out
		c.st.dropped.Add(1)
		return nil
	}
	ch <- packet{typ: h.Type, body: body}
	return nil
}

// Stats are monotonically increasing counters (since the Conn or Client
// was created).
type Stats struct {
	Calls        uint64 // calls made
	CallErrors   uint64 // calls that failed: transport error, timeout, bad reply
	Faults       uint64 // fault replies (method missing, bad arguments…)
	BytesRead    uint64
	BytesWritten uint64
	Dropped      uint64 // replies nobody waited for any more, bad datagrams
	Reconnects   uint64 // Client: connections established after the first
	DialFailures uint64 // Client: failed connection attempts
}

type counters struct {
	calls, callErrors, faults atomic.Uint64
	bytesRead, bytesWritten   atomic.Uint64
	dropped                   atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Calls: c.calls.Load(), CallErrors: c.callErrors.Load(), Faults: c.faults.Load(),
		BytesRead: c.bytesRead.Load(), BytesWritten: c.bytesWritten.Load(),
		Dropped: c.dropped.Load(),
	}
}

// Stats returns the connection's counters (the Client's, when it was
// dialled by one).
func (c *Conn) Stats() Stats { return c.st.snapshot() }
