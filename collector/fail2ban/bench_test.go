package fail2ban

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// BenchmarkSession is one scrape's fail2ban-client session against the real
// server's three test jails: one client process.
func BenchmarkSession(b *testing.B) {
	c := &Client{Path: f2b.Client, Socket: f2b.Socket}
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := c.Status(ctx, nil)
		cancel()
		if err != nil || len(s.Jails.Statuses) != 3 {
			b.Fatalf("%+v, %v", s, err)
		}
	}
	b.ReportMetric(1, "processes/op")
}

// BenchmarkSeedStyle is seed 004's way on the same server: `fail2ban-client
// status`, then `fail2ban-client status <jail>` per jail, 1 + 3 processes.
func BenchmarkSeedStyle(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		out, err := exec.Command(f2b.Client, "-s", f2b.Socket, "status").Output()
		if err != nil {
			b.Fatal(err)
		}
		st, err := ParseServerStatus(out)
		if err != nil {
			b.Fatal(err)
		}
		for _, j := range st.Jails {
			out, err := exec.Command(f2b.Client, "-s", f2b.Socket, "status", j).Output()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ParseJailReplies(out); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(4, "processes/op")
}
