package ng

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// MaxReply bounds one reply: a UDP datagram cannot be larger.
const MaxReply = 65535

// DefaultRetransmit is the interval between retransmissions of an unanswered
// request, the same cookie each time. Kamailio's rtpengine module waits
// rtpengine_tout_ms (default 1000) before its own retransmissions.
const DefaultRetransmit = 500 * time.Millisecond

// Client sends ng commands to one rtpengine. It keeps no connection: each
// Call uses a socket of its own, so calls run concurrently. It is safe for
// concurrent use.
type Client struct {
	// Address is rtpengine's --listen-ng address, host:port.
	Address string
	// Timeout bounds a Call whose context has no deadline (0: 5 s).
	Timeout time.Duration
	// Retransmit is the interval between retransmissions (0: DefaultRetransmit).
	Retransmit time.Duration

	calls, errs, failures, retrans, bytesRead atomic.Uint64
}

// Stats are a client's counters since it was made.
type Stats struct {
	Calls         uint64 // commands sent (retransmissions not counted)
	Errors        uint64 // calls without a usable reply: no answer, transport error, malformed reply
	Failures      uint64 // replies with "result": "error" (or "load limit")
	Retransmits   uint64 // requests sent again for want of a reply
	BytesReceived uint64 // bytes of the replies read
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	return Stats{Calls: c.calls.Load(), Errors: c.errs.Load(), Failures: c.failures.Load(),
		Retransmits: c.retrans.Load(), BytesReceived: c.bytesRead.Load()}
}

// ErrorReply is rtpengine's answer "result": "error" with its
// "error-reason" (control_ng.c), or "load limit" when it refuses new work.
type ErrorReply struct {
	Command string
	Result  string
	Reason  string
}

func (e *ErrorReply) Error() string {
	return fmt.Sprintf("rtpengine %s: %s: %s", e.Command, e.Result, e.Reason)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, MaxReply+1); return &b }}

// Call sends command with args (which may be nil) and returns the reply
// dictionary. A reply whose result is "error" is returned as *ErrorReply.
func (c *Client) Call(ctx context.Context, command string, args Dict) (Dict, error) {
	c.calls.Add(1)
	reply, err := c.call(ctx, command, args)
	if err != nil {
		var er *ErrorReply
		if errors.As(err, &er) {
			c.failures.Add(1)
		} else {
			c.errs.Add(1)
		}
	}
	return reply, err
}

func (c *Client) call(ctx context.Context, command string, args Dict) (Dict, error) {
	if _, ok := ctx.Deadline(); !ok {
		t := c.Timeout
		if t <= 0 {
			t = 5 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	req := make(Dict, len(args)+1)
	for k, v := range args {
		req[k] = v
	}
	req["command"] = command
	cookie := newCookie()
	msg := append([]byte(cookie), ' ')
	msg, err := Append(msg, req)
	if err != nil {
		return nil, err
	}
	// A connected socket, as Kamailio's rtpengine module uses: an ICMP port
	// unreachable then ends the call at once (nothing listens there) rather
	// than at the deadline. rtpengine answers from the address it was sent to.
	conn, err := (&net.Dialer{}).DialContext(ctx, "udp", c.Address)
	if err != nil {
		return nil, fmt.Errorf("rtpengine %s at %s: %w", command, c.Address, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()

	every := c.Retransmit
	if every <= 0 {
		every = DefaultRetransmit
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for sent := 0; ; sent++ {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("rtpengine %s at %s: no reply: %w", command, c.Address, ctx.Err())
		}
		if sent > 0 {
			c.retrans.Add(1)
		}
		if _, err := conn.Write(msg); err != nil {
			return nil, fmt.Errorf("rtpengine %s at %s: %w", command, c.Address, err)
		}
		next := time.Now().Add(every)
		for {
			if dl, _ := ctx.Deadline(); dl.Before(next) {
				next = dl
			}
			if ctx.Err() == nil {
				_ = conn.SetReadDeadline(next)
			}
			n, err := conn.Read(buf)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					break // retransmit, or give up when ctx is done
				}
				// ECONNREFUSED: an ICMP port unreachable came back.
				return nil, fmt.Errorf("rtpengine %s at %s: %w", command, c.Address, err)
			}
			c.bytesRead.Add(uint64(n))
			if n > MaxReply {
				return nil, fmt.Errorf("rtpengine %s at %s: reply larger than %d bytes", command, c.Address, MaxReply)
			}
			got, body, ok := cut(buf[:n])
			if !ok || got != cookie {
				continue // a late reply to an earlier call, or noise
			}
			d, err := DecodeDict(body)
			if err != nil {
				return nil, fmt.Errorf("rtpengine %s at %s: %w", command, c.Address, err)
			}
			switch res := d.String("result"); res {
			case "error", "load limit":
				reason := d.String("error-reason")
				if reason == "" {
					reason = d.String("message")
				}
				return nil, &ErrorReply{Command: command, Result: res, Reason: reason}
			}
			return d, nil
		}
	}
}

// Ping sends "ping" and checks for "pong".
func (c *Client) Ping(ctx context.Context) error {
	d, err := c.Call(ctx, "ping", nil)
	if err != nil {
		return err
	}
	if r := d.String("result"); r != "pong" {
		return fmt.Errorf("rtpengine ping: result %q, want pong", r)
	}
	return nil
}

func cut(b []byte) (cookie string, body []byte, ok bool) {
	for i, c := range b {
		if c == ' ' {
			return string(b[:i]), b[i+1:], i > 0
		}
	}
	return "", nil, false
}

func newCookie() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
