package reconnect

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Conn is what a Keeper keeps: a connection that says when it has ended and why.
type Conn interface {
	Done() <-chan struct{}
	Err() error
	Close() error
}

// Options configure a Keeper.
type Options[C Conn] struct {
	// What names the connection in log lines ("kamailio ctl").
	What string
	// Address is logged with every record (never a credential).
	Address string
	// Dial opens and prepares one connection (authentication, subscriptions…).
	Dial func(ctx context.Context) (C, error)
	// Backoff bounds the delays between attempts. The attempt count restarts
	// once a connection has stayed up for Backoff.Max.
	Backoff Backoff
	Logger  *slog.Logger
}

// State is a snapshot of a Keeper's connection.
type State struct {
	Connected      bool
	ConnectedSince time.Time // zero when not connected
	LastError      string
	LastErrorTime  time.Time
	Reconnects     uint64 // connections established after the first
	DialFailures   uint64 // failed attempts
	// Generation counts successful connects: it changes whenever the server
	// may have been restarted.
	Generation uint64
}

// Keeper keeps one connection up until Run's context ends or Close is called.
type Keeper[C Conn] struct {
	opts Options[C]
	log  *slog.Logger

	mu      sync.RWMutex
	conn    C
	up      bool
	state   State
	running bool

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a Keeper; call Run to connect.
func New[C Conn](opts Options[C]) *Keeper[C] {
	k := &Keeper[C]{opts: opts, log: opts.Logger, done: make(chan struct{})}
	if k.log == nil {
		k.log = slog.Default()
	}
	k.ctx, k.cancel = context.WithCancel(context.Background())
	return k
}

// Current returns the connection, if one is up.
func (k *Keeper[C]) Current() (C, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.conn, k.up
}

// State returns the connection state.
func (k *Keeper[C]) State() State {
	k.mu.RLock()
	defer k.mu.RUnlock()
	s := k.state
	s.Connected = k.up
	return s
}

// Run keeps a connection up until ctx is cancelled or Close is called, and
// returns then (nil after Close, else ctx's error). Each failed attempt and
// each loss is logged at Warn level with the delay before the next attempt.
func (k *Keeper[C]) Run(ctx context.Context) error {
	k.mu.Lock()
	if k.running {
		k.mu.Unlock()
		return errors.New("reconnect: Run called twice")
	}
	k.running = true
	k.mu.Unlock()
	defer close(k.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(k.ctx, cancel)
	defer stop()

	attempt := 0
	for {
		conn, err := k.opts.Dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return k.exitErr(ctx)
			}
			k.mu.Lock()
			k.state.DialFailures++
			k.mu.Unlock()
			k.setErr(err)
			d := k.opts.Backoff.Delay(attempt)
			k.log.Warn(k.opts.What+": connect failed", "address", k.opts.Address,
				"attempt", attempt+1, "retry_in", d, "error", err.Error())
			attempt++
			if !sleepCtx(ctx, d) {
				return k.exitErr(ctx)
			}
			continue
		}
		up := time.Now()
		k.mu.Lock()
		msg := k.opts.What + ": connected"
		if k.state.Generation > 0 {
			k.state.Reconnects++
			msg = k.opts.What + ": reconnected"
		}
		k.state.Generation++
		k.state.ConnectedSince = up
		k.conn, k.up = conn, true
		reconnects := k.state.Reconnects
		k.mu.Unlock()
		k.log.Info(msg, "address", k.opts.Address, "reconnects", reconnects)

		select {
		case <-conn.Done():
		case <-ctx.Done():
		}
		var zero C
		k.mu.Lock()
		k.conn, k.up = zero, false
		k.state.ConnectedSince = time.Time{}
		k.mu.Unlock()
		if ctx.Err() != nil {
			conn.Close()
			<-conn.Done()
			return k.exitErr(ctx)
		}
		err = conn.Err()
		if err == nil {
			err = errors.New("connection closed")
		}
		k.setErr(err)
		if time.Since(up) >= k.opts.Backoff.Max {
			attempt = 0
		}
		d := k.opts.Backoff.Delay(attempt)
		k.log.Warn(k.opts.What+": connection lost, will reconnect",
			"address", k.opts.Address, "retry_in", d, "error", err.Error())
		attempt++
		if !sleepCtx(ctx, d) {
			return k.exitErr(ctx)
		}
	}
}

// Close stops Run (waiting for it if it runs) and closes the connection.
func (k *Keeper[C]) Close() {
	k.cancel()
	if conn, ok := k.Current(); ok {
		conn.Close()
	}
	k.mu.RLock()
	running := k.running
	k.mu.RUnlock()
	if running {
		<-k.done
	}
}

func (k *Keeper[C]) exitErr(ctx context.Context) error {
	if k.ctx.Err() != nil {
		return nil // Close
	}
	return ctx.Err()
}

func (k *Keeper[C]) setErr(err error) {
	k.mu.Lock()
	k.state.LastError, k.state.LastErrorTime = err.Error(), time.Now()
	k.mu.Unlock()
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
