package vicidial

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

	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// ProbeTarget is an ad-hoc /probe target: "[user@]host[:port][/database]",
// with the password from the probe module. User, port and database default
// to exporter, 3306 and asterisk.
type ProbeTarget struct {
	User, Addr, Database string
}

// ParseProbeTarget parses "[user@]host[:port][/database]".
func ParseProbeTarget(target string) (ProbeTarget, error) {
	t := ProbeTarget{User: config.DefaultViciDialUser, Database: config.DefaultViciDialDatabase}
	rest := target
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		t.User, rest = rest[:i], rest[i+1:]
		if t.User == "" {
			return t, errors.New("empty user before @")
		}
	}
	if host, db, ok := strings.Cut(rest, "/"); ok {
		rest, t.Database = host, db
		if db == "" || strings.ContainsAny(db, "/?") {
			return t, fmt.Errorf("bad database name %q", db)
		}
	}
	host, port := rest, strconv.Itoa(config.DefaultViciDialPort)
	if h, p, err := net.SplitHostPort(rest); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		host = rest[1 : len(rest)-1]
	}
	if host == "" || strings.ContainsAny(host, "()@/[] \t\r\n?") {
		return t, fmt.Errorf("bad host %q", host)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return t, fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	t.Addr = net.JoinHostPort(host, port)
	if _, _, err := net.SplitHostPort(t.Addr); err != nil {
		return t, err
	}
	return t, nil
}

// Probe is a one-off instance for a /probe target that is not configured: it
// connects with the module's password, scrapes once and disconnects.
type Probe struct {
	target   string
	module   config.Module
	scrapers []source.Scraper[*DB]
	log      *slog.Logger

	mu      sync.Mutex
	lastErr string
	errAt   time.Time
}

// NewProbe builds a probe of target with the module's settings.
func NewProbe(target string, module config.Module, scrapers []source.Scraper[*DB], logger *slog.Logger) *Probe {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
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

// Collect connects to the target and scrapes it once.
func (p *Probe) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	coll := &source.Collector[*DB]{Source: Namespace, Scrapers: p.scrapers, Logger: p.log}
	t, err := ParseProbeTarget(p.target)
	var db *DB
	if err == nil {
		mc := mysql.NewConfig()
		mc.User, mc.Passwd, mc.Net, mc.Addr, mc.DBName = t.User, string(p.module.Password), "tcp", t.Addr, t.Database
		mc.Timeout, mc.ReadTimeout, mc.WriteTimeout = p.module.Timeout, p.module.Timeout, p.module.Timeout
		mc.Logger = driverLogger{p.log}
		pool, perr := OpenPool(mc, 2, 2, time.Minute)
		if err = perr; err == nil {
			defer pool.Close()
			db = NewDB(pool, p.log)
			err = pool.PingContext(ctx)
		}
	} else {
		err = fmt.Errorf("target %q: %w (want [user@]host[:port][/database])", p.target, err)
	}
	if err != nil {
		p.setErr(err)
		p.log.Warn("probe could not connect", "target", p.target, "err", err)
		coll.Ready = func() error { return err }
		_ = coll.Collect(ctx, ch)
		return
	}
	coll.Client = db
	if err := coll.Collect(ctx, ch); err != nil {
		p.setErr(err)
	}
	sendPoolStats(ch, db.SQL.Stats())
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
