package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name the test sentinel monitors its primary under.
const MasterName = "voipprimary"

// Group is a primary, a replica of it and one Redis Sentinel watching them (Debian's redis-sentinel),
// quick to fail over: the primary is down after one second without an answer.
type Group struct {
	Primary, Replica *Server
	SentinelAddr     string
	sentinel         *exec.Cmd
	done             chan struct{}
}

// StartSentinel starts the group on free loopback ports; the test fails (never skips) when
// redis-sentinel is not installed.
func StartSentinel(tb testing.TB) *Group {
	tb.Helper()
	primary := Start(tb)
	replica := Start(tb, "--replicaof", "127.0.0.1", strconv.Itoa(primary.port))
	bin, err := exec.LookPath("redis-sentinel")
	if err != nil {
		tb.Fatalf("redis-sentinel not found (make test installs Debian's redis-sentinel package): %v", err)
	}
	port := freePort(tb)
	dir := tb.TempDir()
	conf := filepath.Join(dir, "sentinel.conf") // sentinel rewrites its configuration: a file of its own
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`port %d
bind 127.0.0.1
dir %s
sentinel monitor %s 127.0.0.1 %d 1
sentinel down-after-milliseconds %s 1000
sentinel failover-timeout %s 5000
sentinel parallel-syncs %s 1
`, port, dir, MasterName, primary.port, MasterName, MasterName, MasterName)), 0o644); err != nil {
		tb.Fatal(err)
	}
	g := &Group{Primary: primary, Replica: replica, SentinelAddr: "127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{})}
	g.sentinel = exec.Command(bin, conf, "--loglevel", "warning")
	g.sentinel.Env = withoutFaketime(os.Environ())
	if err := g.sentinel.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { _ = g.sentinel.Wait(); close(g.done) }()
	tb.Cleanup(func() { _ = g.sentinel.Process.Kill(); <-g.done })
	// Ready when the sentinel names the primary and the replica has synced.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if addr, err := g.PrimaryAddr(); err == nil && addr == primary.Addr() && g.replicaSynced() {
			return g
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redis sentinel group not ready on %s", g.SentinelAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PrimaryAddr asks the sentinel which server is the primary now.
func (g *Group) PrimaryAddr() (string, error) {
	c := redis.NewSentinelClient(&redis.Options{Addr: g.SentinelAddr, DialTimeout: time.Second, ReadTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	a, err := c.GetMasterAddrByName(ctx, MasterName).Result()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(a[0], a[1]), nil
}

func (g *Group) replicaSynced() bool {
	c := redis.NewClient(&redis.Options{Addr: g.Replica.Addr(), DialTimeout: time.Second, ReadTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := c.Info(ctx, "replication").Result()
	return err == nil && strings.Contains(info, "master_link_status:up")
}
