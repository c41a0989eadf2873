package vicidial

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

var (
	sqlOpenDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "sql", "open_connections"),
		"Connections the exporter holds open to the instance's database (database/sql pool).",
		[]string{"source"}, nil)
	sqlInUseDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "sql", "in_use_connections"),
		"Connections to the instance's database in use by a query.",
		[]string{"source"}, nil)
	sqlMaxOpenDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "sql", "max_open_connections"),
		"Configured maximum of connections to the instance's database (max_open_conns).",
		[]string{"source"}, nil)
	sqlWaitsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "sql", "waits_total"),
		"Queries that waited for a free connection to the instance's database.",
		[]string{"source"}, nil)
	sqlWaitSecondsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "sql", "wait_seconds_total"),
		"Time queries spent waiting for a free connection to the instance's database.",
		[]string{"source"}, nil)
)

// healthInterval is how often Run checks the database between scrapes, so
// /health stays current when nothing scrapes.
const healthInterval = 15 * time.Second

// Instance is one configured ViciDial database: a connection pool shared by
// the scrapes, and the collector over it. Every scrape first pings the
// database (one round trip on a pooled connection), so a database that is
// down costs one failed ping, not one failure per collector.
type Instance struct {
	cfg  config.ViciDial
	db   *DB
	coll *source.Collector[*DB]
	log  *slog.Logger

	mu     sync.Mutex
	health source.Health
}

// NewInstance opens the pool (without connecting: Run and scrapes do).
func NewInstance(cfg config.ViciDial, scrapers []source.Scraper[*DB], logger *slog.Logger) (*Instance, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	mc, err := cfg.MySQL()
	if err != nil {
		return nil, err
	}
	mc.Logger = driverLogger{logger}
	pool, err := OpenPool(mc, cfg.MaxOpenConns, cfg.MaxIdleConns, cfg.ConnMaxLifetime)
	if err != nil {
		return nil, fmt.Errorf("vicidial %s: %w", cfg.Name, err)
	}
	i := &Instance{
		cfg: cfg,
		db:  NewDB(pool, logger),
		log: logger,
		health: source.Health{
			Source: Namespace, Name: cfg.Name, Address: cfg.Address(),
		},
	}
	i.db.ListInterval = cfg.ListPenetrationInterval
	i.coll = &source.Collector[*DB]{Source: Namespace, Client: i.db, Scrapers: scrapers, Logger: logger, Ready: i.ping}
	return i, nil
}

// OpenPool builds a database/sql pool over go-sql-driver/mysql; mc holds the
// credentials and is not kept elsewhere.
func OpenPool(mc *mysql.Config, maxOpen, maxIdle int, lifetime time.Duration) (*sql.DB, error) {
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	pool := sql.OpenDB(conn)
	pool.SetMaxOpenConns(maxOpen)
	pool.SetMaxIdleConns(maxIdle)
	pool.SetConnMaxLifetime(lifetime)
	return pool, nil
}

// DB is the instance's database handle (the scrapers' client).
func (i *Instance) DB() *DB { return i.db }

// Source implements source.Instance.
func (i *Instance) Source() string { return Namespace }

// Name implements source.Instance.
func (i *Instance) Name() string { return i.cfg.Name }

// Address implements source.Instance: host:port or socket, no credentials.
func (i *Instance) Address() string { return i.cfg.Address() }

// Timeout implements source.Instance.
func (i *Instance) Timeout() time.Duration { return i.cfg.Timeout }

// Run implements source.Instance: it checks the database now and then, to
// keep /health current, and closes the pool when ctx ends.
func (i *Instance) Run(ctx context.Context) {
	defer i.db.SQL.Close()
	_ = i.ping()
	t := time.NewTicker(max(healthInterval, i.cfg.Timeout))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = i.ping()
		}
	}
}

// ping is the collector's readiness check: one round trip, bounded by the
// instance's timeout.
func (i *Instance) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), i.cfg.Timeout)
	defer cancel()
	err := i.db.SQL.PingContext(ctx)
	i.record(err)
	return err
}

// record updates /health and logs each change between reachable and not
// once, so a database that stays down does not flood the log.
func (i *Instance) record(err error) {
	now := time.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	h := &i.health
	if err == nil {
		if !h.Connected {
			if h.LastErrorTime.IsZero() {
				i.log.Info("connected to the ViciDial database", "address", h.Address)
			} else {
				h.Reconnects++
				i.log.Info("ViciDial database reachable again", "address", h.Address)
			}
			h.Connected, h.ConnectedSince = true, now
		}
		h.LastEvent = now
		return
	}
	if h.Connected || h.LastErrorTime.IsZero() {
		i.log.Warn("ViciDial database unreachable", "address", h.Address, "err", err)
	}
	h.Connected, h.ConnectedSince = false, time.Time{}
	h.LastError, h.LastErrorTime = err.Error(), now
}

// Collect implements source.Instance.
func (i *Instance) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	_ = i.coll.Collect(ctx, ch)
	sendPoolStats(ch, i.db.SQL.Stats())
}

func sendPoolStats(ch chan<- prometheus.Metric, s sql.DBStats) {
	ch <- prometheus.MustNewConstMetric(sqlOpenDesc, prometheus.GaugeValue, float64(s.OpenConnections), Namespace)
	ch <- prometheus.MustNewConstMetric(sqlInUseDesc, prometheus.GaugeValue, float64(s.InUse), Namespace)
	ch <- prometheus.MustNewConstMetric(sqlMaxOpenDesc, prometheus.GaugeValue, float64(s.MaxOpenConnections), Namespace)
	ch <- prometheus.MustNewConstMetric(sqlWaitsDesc, prometheus.CounterValue, float64(s.WaitCount), Namespace)
	ch <- prometheus.MustNewConstMetric(sqlWaitSecondsDesc, prometheus.CounterValue, s.WaitDuration.Seconds(), Namespace)
}

// Health implements source.Instance. It never holds a credential: the
// driver's errors name the user and address, not the password.
func (i *Instance) Health() source.Health {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.health
}

// driverLogger sends go-sql-driver/mysql's own messages (a pooled connection
// found dead, and the like) to the exporter's log at debug level, instead of
// the standard logger's stderr.
type driverLogger struct{ log *slog.Logger }

func (l driverLogger) Print(v ...any) { l.log.Debug("mysql driver: " + fmt.Sprint(v...)) }
