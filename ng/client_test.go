package ng_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/collector/rtpengine/rtpenginetest"
	"github.com/voip-exporter/voip_exporter/ng"
)

// TestRealPingAndError talks to the real rtpengine: ping answers pong
// (control_ng.c), and a query for an unknown call is an *ErrorReply with
// rtpengine's reason.
func TestRealPingAndError(t *testing.T) {
	e, err := rtpenginetest.Start(44500)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	ctx := context.Background()
	c := &ng.Client{Address: e.NGAddr}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(ctx, "query", ng.Dict{"call-id": "no-such-call"})
	var er *ng.ErrorReply
	if !errors.As(err, &er) || er.Result != "error" || !strings.Contains(er.Reason, "Unknown call-id") {
		t.Fatalf("err = %v", err)
	}
	if s := c.Stats(); s.Calls != 2 || s.Failures != 1 || s.Errors != 0 || s.BytesReceived == 0 {
		t.Errorf("stats = %+v", s)
	}
}

// TestRetransmitSameCookie: a server that ignores the first datagram gets
// the request again with the same cookie, and a stray reply with another
// cookie is skipped.
func TestRetransmitSameCookie(t *testing.T) {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var seen atomic.Int32
	cookies := make(chan string, 4)
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFromUDP(buf)
			if err != nil {
				return
			}
			cookie, _, _ := strings.Cut(string(buf[:n]), " ")
			cookies <- cookie
			if seen.Add(1) == 1 {
				continue // lost
			}
			_, _ = pc.WriteToUDP([]byte("other d6:result4:ponge"), from)
			_, _ = pc.WriteToUDP([]byte(cookie+" d6:result4:ponge"), from)
		}
	}()
	c := &ng.Client{Address: pc.LocalAddr().String(), Retransmit: 20 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	first, second := <-cookies, <-cookies
	if first != second || len(first) != 16 {
		t.Errorf("cookies %q, %q: want one 16-digit cookie twice", first, second)
	}
	if s := c.Stats(); s.Retransmits < 1 || s.Calls != 1 {
		t.Errorf("stats = %+v", s)
	}
}

// TestNoAnswerEndsAtDeadline: a server that never answers ends the call
// with the context's error.
func TestNoAnswerEndsAtDeadline(t *testing.T) {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c := &ng.Client{Address: pc.LocalAddr().String(), Retransmit: 10 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.Call(ctx, "ping", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if s := c.Stats(); s.Errors != 1 {
		t.Errorf("stats = %+v", s)
	}
}
