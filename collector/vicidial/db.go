package vicidial

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// Namespace prefixes every ViciDial metric.
const Namespace = "vicidial"

// maxRows bounds every query's result: ViciDial has a few hundred agents and
// a few dozen campaigns and in-groups, so more rows than this is a fault.
const maxRows = 10000

// maxLabelBytes bounds a label value read from the database (the columns
// used as labels are VARCHAR(20) at most).
const maxLabelBytes = 128

// DB is what the scrapers query: a pooled connection to one ViciDial
// database, and the memory of which missing tables and grants were already
// reported, so each is logged once.
type DB struct {
	SQL    *sql.DB
	Logger *slog.Logger

	reported sync.Map // message → struct{}

	// ListInterval is how often list_penetration counts vicidial_list
	// (config list_penetration_interval; 0 means the default, 5 min).
	ListInterval time.Duration
	// OneOff marks the handle of an ad-hoc /probe: it lives for one scrape,
	// so the collectors that keep state between scrapes (list_penetration,
	// queue_wait) report no data on it.
	OneOff bool

	mu           sync.Mutex
	agentsFlight *agentsFlight // the vicidial_live_agents query running now, if any
	pen          *penetration  // the last vicidial_list count
	wait         *queueWait    // the closer_log high-water mark and wait histograms
}

// queueWait is the instance's queue wait state.
func (db *DB) queueWait() *queueWait {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.wait == nil {
		db.wait = &queueWait{counted: map[uint64]struct{}{}, groups: map[string]*waitHist{}}
	}
	return db.wait
}

// penetration is the instance's vicidial_list count cache.
func (db *DB) penetration() *penetration {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.pen == nil {
		db.pen = &penetration{}
	}
	return db.pen
}

func (db *DB) listInterval() time.Duration {
	if db.ListInterval > 0 {
		return db.ListInterval
	}
	return config.DefaultViciDialListPenetrationInterval
}

// NewDB wraps a pool; logger may be nil.
func NewDB(db *sql.DB, logger *slog.Logger) *DB {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &DB{SQL: db, Logger: logger}
}

// Scrapers returns every ViciDial scraper, in a stable order.
func Scrapers() []source.Scraper[*DB] {
	return []source.Scraper[*DB]{
		agentsScraper{},
		agentStatusScraper{},
		pausesScraper{},
		queuesScraper{},
		realtimeScraper{},
		campaignStatsScraper{},
		recordingsScraper{},
		penetrationScraper{},
		queueWaitScraper{},
	}
}

// MySQL error numbers that mean "this database does not have what the
// query reads": an older ViciDial, or a grant the operator left out.
const (
	errNoSuchTable    = 1146 // ER_NO_SUCH_TABLE
	errBadField       = 1054 // ER_BAD_FIELD_ERROR
	errTableAccess    = 1142 // ER_TABLEACCESS_DENIED_ERROR
	errColumnAccess   = 1143 // ER_COLUMNACCESS_DENIED_ERROR
	errDBAccessDenied = 1044 // ER_DBACCESS_DENIED_ERROR
)

// query runs one SELECT under ctx (the scrape deadline). A table, column or
// grant the database lacks turns into source.NoData, logged once per
// instance and reason; any other failure is returned as an error.
func (db *DB) query(ctx context.Context, collector, q string) (*sql.Rows, error) {
	rows, err := db.SQL.QueryContext(ctx, q)
	if err != nil {
		return nil, db.classify(collector, err)
	}
	return rows, nil
}

func (db *DB) classify(collector string, err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case errNoSuchTable, errBadField, errTableAccess, errColumnAccess, errDBAccessDenied:
			reason := fmt.Sprintf("%s: %s (error %d)", collector, me.Message, me.Number)
			if _, seen := db.reported.LoadOrStore(reason, struct{}{}); !seen {
				db.Logger.Warn("ViciDial database lacks what a collector reads; it reports no data",
					"collector", collector, "mysql_error", me.Number, "reason", me.Message,
					"hint", "check the ViciDial version and GRANT SELECT on the tables in docs/vicidial.md")
			}
			return source.NoData(reason)
		}
	}
	return fmt.Errorf("%s: %w", collector, err)
}

// scanAll iterates rows, calling scan for each, and bounds their number.
func (db *DB) scanAll(collector string, rows *sql.Rows, scan func() error) error {
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		if n > maxRows {
			return fmt.Errorf("%s: more than %d rows", collector, maxRows)
		}
		if err := scan(); err != nil {
			return fmt.Errorf("%s: %w", collector, err)
		}
	}
	if err := rows.Err(); err != nil {
		return db.classify(collector, err)
	}
	return nil
}

func newDesc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, subsystem, name), help, labels, nil)
}

// label makes a value read from the database a safe label value: valid
// UTF-8 and bounded. Quotes, backslashes and newlines are left as they are:
// the exposition format escapes them.
func label(s string) string {
	if len(s) > maxLabelBytes {
		i := maxLabelBytes
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// gauge sends one gauge; it never panics: a metric that cannot be built is
// sent as an invalid metric, which the registry reports.
func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	for i, l := range labels {
		labels[i] = label(l)
	}
	m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	ch <- m
}
