package binrpc_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/binrpc"
	kamsim "github.com/voip-exporter/voip_exporter/sim/kamailio"
)

func TestConnOverEveryTransport(t *testing.T) {
	s := kamsim.New(kamsim.Captured())
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	for _, l := range [][2]string{{"unix", filepath.Join(t.TempDir(), "ctl")}, {"tcp", "127.0.0.1:0"}, {"udp", "127.0.0.1:0"}} {
		addr, err := s.Listen(l[0], l[1])
		if err != nil {
			t.Fatal(err)
		}
		c, err := binrpc.Dial(ctx, addr, binrpc.Options{CallTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		// concurrent calls share the connection (pipelined)
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := c.Call(ctx, "dlg.profile_get_size", "PROVIDER_A_IN")
				if err != nil {
					t.Error(err)
					return
				}
				if v, _ := r.First().Int(); v != 4 {
					t.Errorf("%s: profile size %d", addr, v)
				}
			}()
		}
		wg.Wait()
		_, err = c.Call(ctx, "tls.info")
		var f *binrpc.Fault
		if !errors.As(err, &f) || f.Code != 500 || !f.MethodNotFound() {
			t.Errorf("%s: tls.info: %v", addr, err)
		}
		if st := c.Stats(); st.Calls != 21 || st.Faults != 1 || st.CallErrors != 0 {
			t.Errorf("%s: stats %+v", addr, st)
		}
		c.Close()
	}
}

func TestConnDeadPeerAndLimits(t *testing.T) {
	s := kamsim.New(kamsim.Captured())
	t.Cleanup(func() { s.Close() })
	addr, _ := s.Listen("tcp", "127.0.0.1:0")
	c, err := binrpc.Dial(context.Background(), addr, binrpc.Options{CallTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.SetStall(true)
	if _, err := c.Call(context.Background(), "core.uptime"); !errors.Is(err, binrpc.ErrTimeout) {
		t.Errorf("stalled: %v", err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), binrpc.ErrDeadConnection) {
		t.Errorf("conn err %v", c.Err())
	}

	// a reply announcing more than MaxReplyBytes breaks the connection
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	go func() {
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		buf := make([]byte, 64)
		_, _ = nc.Read(buf)
		_, _ = nc.Write(binrpc.AppendHeader(nil, binrpc.PacketReply, 1<<30, 1))
		_, _ = io.Copy(io.Discard, nc)
	}()
	c2, _ := binrpc.Dial(context.Background(), "tcp:"+l.Addr().String(), binrpc.Options{CallTimeout: time.Second, MaxReplyBytes: 1 << 20})
	if _, err := c2.Call(context.Background(), "x"); !errors.Is(err, binrpc.ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
}

func TestClientReconnects(t *testing.T) {
	s := kamsim.New(kamsim.Captured())
	t.Cleanup(func() { s.Close() })
	addr, _ := s.Listen("unix", filepath.Join(t.TempDir(), "ctl"))
	c, err := binrpc.NewClient(binrpc.ClientOptions{Address: addr, BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(context.Background(), "core.uptime"); !errors.Is(err, binrpc.ErrNotConnected) {
		t.Errorf("before Run: %v", err)
	}
	go c.Run(context.Background())
	defer c.Close()
	wait := func(gen uint64) {
		deadline := time.Now().Add(5 * time.Second)
		for c.Generation() <= gen || !c.Status().Connected {
			if time.Now().After(deadline) {
				t.Fatalf("no connection: %+v", c.Status())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	wait(0)
	s.DropConnections()
	wait(1)
	if _, err := c.Call(context.Background(), "core.uptime"); err != nil {
		t.Error(err)
	}
	if st := c.Status(); st.Reconnects != 1 || st.LastError == "" {
		t.Errorf("status %+v", st)
	}
}
