package kamailio

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/binrpc"
)

// TestStopRestartSamePort: Stop drops an open ctl connection (EOF) and
// refuses new ones; Restart listens again on the same tcp, unix and udp
// addresses, where the real BINRPC client gets tm.stats answered again.
func TestStopRestartSamePort(t *testing.T) {
	s := New(Captured())
	t.Cleanup(func() { s.Close() })
	var addrs []string
	for _, l := range [][2]string{{"tcp", "127.0.0.1:0"}, {"unix", filepath.Join(t.TempDir(), "ctl")}, {"udp", "127.0.0.1:0"}} {
		a, err := s.Listen(l[0], l[1])
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	call := func(addr string) error {
		c, err := binrpc.Dial(ctx, addr, binrpc.Options{})
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Call(ctx, "tm.stats")
		return err
	}
	for _, a := range addrs {
		if err := call(a); err != nil {
			t.Fatalf("%s before Stop: %v", a, err)
		}
	}
	tcp := strings.TrimPrefix(addrs[0], "tcp:")
	open, err := net.DialTimeout("tcp", tcp, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	s.Stop()
	open.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(open); err != nil {
		t.Fatalf("open connection not closed by Stop: %v", err)
	}
	if c, err := net.DialTimeout("tcp", tcp, 10*time.Second); err == nil {
		c.Close()
		t.Fatal("tcp dial accepted while stopped")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if err := call(a); err != nil {
			t.Fatalf("%s after Restart: %v", a, err)
		}
	}
	if n := s.Calls("tm.stats"); n != 2*len(addrs) {
		t.Fatalf("tm.stats answered %d times, want 2 per address = %d", n, 2*len(addrs))
	}
	s.Close()
	if err := s.Restart(); err == nil {
		t.Fatal("Restart after Close succeeded")
	}
}
