package asterisk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// ParseProbeTarget parses an ad-hoc /probe target "[user@]host[:port]"
// (user defaults to exporter, port to 5038); the secret is the probe
// module's password.
func ParseProbeTarget(target string) (user, addr string, err error) {
	user, rest := config.DefaultAsteriskUsername, target
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		user, rest = rest[:i], rest[i+1:]
		if user == "" || strings.ContainsAny(user, "\r\n") {
			return "", "", errors.New("bad user before @")
		}
	}
	host, port := rest, "5038"
	if h, p, err := net.SplitHostPort(rest); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		host = rest[1 : len(rest)-1]
	}
	if host == "" || strings.ContainsAny(host, "@/[] \t\r\n?") {
		return "", "", fmt.Errorf("bad host %q", host)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return user, net.JoinHostPort(host, port), nil
}

// Probe is a one-off instance for /probe targets that are not configured:
// it logs in, scrapes once and logs off within one collection.
type Probe struct {
	target   string
	module   config.Module
	scrapers []source.Scraper[API]
	log      *slog.Logger

	mu      sync.Mutex
	lastErr string
	errAt   time.Time
}

// NewProbe builds a probe of target ("[user@]host[:port]") with the module's settings.
func NewProbe(target string, module config.Module, scrapers []source.Scraper[API], logger *slog.Logger) *Probe {
	return &Probe{target: target, module: module, scrapers: scrapers, log: logger}
}

// Source implements source.Instance.
func (p *Probe) Source() string { return Namespace }

// Name implements source.Instance: a probe is named by its target.
func (p *Probe) Name() string { return p.target }

// Address implements source.Instance.
func (p *Probe) Address() string { return p.target }

// Timeout implements source.Instance.
func (p *Probe) Timeout() time.Duration { return p.module.Timeout }

// Run implements source.Instance; a probe keeps no connection.
func (p *Probe) Run(context.Context) {}

// Close implements the web package's probe release; nothing is held.
func (p *Probe) Close() {}

// Collect logs in to the target and scrapes it once.
func (p *Probe) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	coll := &source.Collector[API]{Source: Namespace, Scrapers: p.scrapers, Logger: p.log}
	user, addr, err := ParseProbeTarget(p.target)
	var conn *ami.Conn
	if err == nil {
		conn, err = ami.Dial(ctx, addr, ami.Options{Username: user, Secret: string(p.module.Password),
			DialTimeout: p.module.Timeout, ActionTimeout: p.module.Timeout})
	}
	if err != nil {
		p.setErr(err)
		p.log.Warn("asterisk probe could not log in", "target", p.target, "err", err)
		coll.Ready = func() error { return err }
		_ = coll.Collect(ctx, ch)
		return
	}
	defer conn.Close()
	coll.Client = memoAPI{inner: AMIAPI{Conn: conn}}
	if err := coll.Collect(WithScrape(ctx), ch); err != nil {
		p.setErr(err)
	}
	sendAMIStats(ch, conn.Stats())
}

func (p *Probe) setErr(err error) {
	p.mu.Lock()
	p.lastErr, p.errAt = err.Error(), time.Now()
	p.mu.Unlock()
}

// Health implements source.Instance.
func (p *Probe) Health() source.Health {
	p.mu.Lock()
	defer p.mu.Unlock()
	return source.Health{Source: Namespace, Name: p.target, Address: p.target, LastError: p.lastErr, LastErrorTime: p.errAt}
}
