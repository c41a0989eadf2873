// Package listener is the listener lifecycle the simulators share: accept connections, Stop
// (listener closed and every connection dropped, as a crash does) and Restart on the same address.
package listener

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// ErrClosed is returned by Start and Restart after Close.
var ErrClosed = errors.New("listener: closed")

// relistenFor bounds how long Restart retries listening on the old address
// (the port may be briefly held after Stop, e.g. by a concurrent Restart).
const relistenFor = 10 * time.Second

// Listener accepts connections on one address and hands each to a handler.
//
// Locking: l.mu is never held while calling the handler, closing a
// listener or connection, or waiting, so a simulator may call Start, Stop,
// Restart, Addr and DropConns while holding its own state lock (lock order:
// simulator's lock, then l.mu). The handler runs on the accept goroutine
// and may take the simulator's lock; Close waits for that goroutine, so
// Close must not be called with a lock the handler takes.
type Listener struct {
	handle func(net.Conn)

	mu      sync.Mutex // guards the fields below
	network string
	addr    string // the address of the first Start, kept after Stop
	ln      net.Listener
	conns   map[*conn]struct{}
	closed  bool
	wg      sync.WaitGroup // accept goroutines
}

// New returns a listener handing every accepted connection to handle; the
// handler must not block (start goroutines for the session). Call Start.
func New(handle func(net.Conn)) *Listener {
	return &Listener{handle: handle, conns: map[*conn]struct{}{}}
}

// Start listens on network ("tcp" or "unix") and address
// ("127.0.0.1:0", a socket path). Later Restarts listen on the address
// actually bound (the port chosen for ":0").
func (l *Listener) Start(network, address string) error {
	l.mu.Lock()
	closed, ln := l.closed, l.ln
	l.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if ln != nil {
		return errors.New("listener: already listening")
	}
	_, err := l.listen(network, address)
	return err
}

// listen binds network/address and starts accepting unless another call
// got there first; it reports whether this call's listener is the one in use.
func (l *Listener) listen(network, address string) (bool, error) {
	if network == "unix" {
		_ = os.Remove(address)
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		return false, err
	}
	l.mu.Lock()
	if l.closed || l.ln != nil {
		closed := l.closed
		l.mu.Unlock()
		ln.Close()
		if closed {
			return false, ErrClosed
		}
		return false, errors.New("listener: already listening")
	}
	l.ln, l.network, l.addr = ln, network, ln.Addr().String()
	l.wg.Add(1)
	l.mu.Unlock()
	go l.accept(ln)
	return true, nil
}

// Addr returns the address ("127.0.0.1:40123", a socket path) of the last
// Start, also while stopped; "" before Start.
func (l *Listener) Addr() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addr
}

// Listening reports whether the listener is accepting connections.
func (l *Listener) Listening() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ln != nil
}

// Conns returns the number of open accepted connections.
func (l *Listener) Conns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Stop closes the listener (connections to the address are refused) and
// every accepted connection (their peers read EOF or a reset), as a crash
// does. It does not wait for the handler's goroutines.
func (l *Listener) Stop() {
	l.mu.Lock()
	ln := l.ln
	l.ln = nil
	conns := l.takeConnsLocked()
	l.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	closeAll(conns)
}

// DropConns closes every accepted connection; the listener stays.
func (l *Listener) DropConns() {
	l.mu.Lock()
	conns := l.takeConnsLocked()
	l.mu.Unlock()
	closeAll(conns)
}

// Restart listens again on the address of Start after Stop, retrying while
// the port is still held; it is a no-op while listening.
func (l *Listener) Restart() error {
	deadline := time.Now().Add(relistenFor)
	for {
		l.mu.Lock()
		closed, ln, network, addr := l.closed, l.ln, l.network, l.addr
		l.mu.Unlock()
		switch {
		case closed:
			return ErrClosed
		case ln != nil:
			return nil
		case addr == "":
			return errors.New("listener: never started")
		}
		won, err := l.listen(network, addr)
		if won || errors.Is(err, ErrClosed) {
			return err
		}
		if err != nil && time.Now().After(deadline) {
			return err
		}
		if err != nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// Close stops the listener for good and waits for its accept goroutine
// (and so for the handler's last call).
func (l *Listener) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.Stop()
	l.wg.Wait()
	return nil
}

func (l *Listener) takeConnsLocked() []*conn {
	conns := make([]*conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	clear(l.conns)
	return conns
}

func closeAll(conns []*conn) {
	for _, c := range conns {
		c.Conn.Close()
	}
}

func (l *Listener) accept(ln net.Listener) {
	defer l.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		l.mu.Lock()
		if l.closed || l.ln != ln { // stopped between Accept and here
			l.mu.Unlock()
			c.Close()
			continue
		}
		tc := &conn{Conn: c, l: l}
		l.conns[tc] = struct{}{}
		l.mu.Unlock()
		l.handle(tc)
	}
}

// conn is an accepted connection that leaves the listener's set when closed.
type conn struct {
	net.Conn
	l *Listener
}

func (c *conn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}
