package vicidial

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
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

// NewProbe builds a one-off instance for a /probe target
// ("[user@]host[:port][/database]") that is not configured: it connects with
// the module's password, scrapes once and disconnects.
func NewProbe(target string, module config.Module, scrapers []source.Scraper[*DB], logger *slog.Logger) *source.Probe[*DB] {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &source.Probe[*DB]{
		Kind: Namespace, Target: target, Deadline: module.Timeout, Scrapers: scrapers, Logger: logger,
		Connect: func(ctx context.Context) (*DB, func(), func(chan<- prometheus.Metric), error) {
			t, err := ParseProbeTarget(target)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("target %q: %w (want [user@]host[:port][/database])", target, err)
			}
			mc := mysql.NewConfig()
			mc.User, mc.Passwd, mc.Net, mc.Addr, mc.DBName = t.User, string(module.Password), "tcp", t.Addr, t.Database
			mc.Timeout, mc.ReadTimeout, mc.WriteTimeout = module.Timeout, module.Timeout, module.Timeout
			mc.Logger = driverLogger{logger}
			pool, err := OpenPool(mc, 2, 2, time.Minute)
			if err != nil {
				return nil, nil, nil, err
			}
			if err := pool.PingContext(ctx); err != nil {
				pool.Close()
				return nil, nil, nil, err
			}
			db := NewDB(pool, logger)
			db.OneOff = true
			stats := func(ch chan<- prometheus.Metric) { sendPoolStats(ch, db.SQL.Stats()) }
			return db, func() { pool.Close() }, stats, nil
		},
	}
}
