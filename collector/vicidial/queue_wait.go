package vicidial

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/source"
)

// Inbound queue wait, from vicidial_closer_log.queue_seconds.
//
// ViciDial inserts an in-group call's row when the call enters the queue,
// status QUEUE and queue_seconds 0 (agi-VDAD_ALL_inbound.agi:2359), and
// writes queue_seconds when the call leaves the queue: sent to an agent
// (:4034, the drop timer at that moment) or dropped, timed out, sent to
// voicemail… (:4141, :4604, :5214, :6213, :6499). Rows that never queued
// (NANQUE, after hours: :1565, :1815) have queue_seconds 0. ViciDial's own
// estimate of the recent wait reads only rows whose status is not QUEUE or
// NANQUE (:4400), and so does this histogram.
//
// Each scrape reads the rows above a high-water mark on closecallid (the
// primary key: a range read, never a table scan), at most
// queueWaitBatch rows; a backlog is caught up over the next scrapes. The
// mark stops at the oldest row still in QUEUE, so its wait is counted once it
// is known; rows above it already counted are remembered and not counted
// again. A row still QUEUE an hour after its call_date is given up (an AGI
// that died leaves one). The first scrape starts at the current
// MAX(closecallid): calls before the exporter started are not in the
// histogram (a counter starts at 0 with the process, so rate() is right from
// the start). A queued call holds the mark back up to that hour: a batch
// starts at the mark, so more than queueWaitBatch rows behind it wait for it.
const (
	queueWaitBatch = 5000
	// queueWaitMaxGroups bounds the in-group label (ViciDial installs have
	// tens, rarely hundreds, of in-groups).
	queueWaitMaxGroups = 2000
)

const queueWaitStartQuery = `SELECT COALESCE(MAX(closecallid), 0) FROM vicidial_closer_log`

var queueWaitQuery = `SELECT closecallid, campaign_id, status, queue_seconds, call_date < NOW() - INTERVAL 1 HOUR
FROM vicidial_closer_log
WHERE closecallid > ?
ORDER BY closecallid
LIMIT ` + strconv.Itoa(queueWaitBatch)

// queueWaitBuckets are the upper bounds, in seconds, of the wait histogram:
// service levels are usually set at 20, 30 or 60 s.
var queueWaitBuckets = []float64{5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600}

var queueWaitDesc = newDesc("queue", "wait_seconds",
	"Time inbound calls waited in the in-group's queue (vicidial_closer_log.queue_seconds), answered or not, counted when the call left the queue; since the exporter started. Average and quantiles are PromQL. Seed 004: asterisk_avg_wait_time_seconds.",
	"ingroup")

type waitHist struct {
	count   uint64
	sum     float64
	buckets []uint64 // per bound, not cumulative
}

// queueWait is one instance's high-water mark and histograms.
type queueWait struct {
	mu      sync.Mutex // held for a whole read: concurrent scrapes wait
	started bool
	mark    uint64              // every row at or below it is counted or given up
	counted map[uint64]struct{} // rows above mark already counted
	groups  map[string]*waitHist
}

func (w *queueWait) observe(group string, v float64) {
	h := w.groups[group]
	if h == nil {
		if len(w.groups) >= queueWaitMaxGroups {
			return
		}
		h = &waitHist{buckets: make([]uint64, len(queueWaitBuckets))}
		w.groups[group] = h
	}
	h.count++
	h.sum += v
	if i := sort.SearchFloat64s(queueWaitBuckets, v); i < len(queueWaitBuckets) {
		h.buckets[i]++
	}
}

// queueWaitScraper exports the per-in-group wait histogram.
type queueWaitScraper struct{}

func (queueWaitScraper) Name() string { return "queue_wait" }
func (queueWaitScraper) Help() string {
	return "inbound queue wait histogram per in-group, from vicidial_closer_log rows since the last scrape (queue_seconds)"
}
func (queueWaitScraper) Default() bool { return true }

func (s queueWaitScraper) Scrape(ctx context.Context, db *DB, ch chan<- prometheus.Metric) error {
	if db.OneOff {
		return source.NoData("queue_wait: counts since the last scrape, so only on a configured instance")
	}
	w := db.queueWait()
	w.mu.Lock()
	defer w.mu.Unlock()
	err := s.read(ctx, db, w)
	names := make([]string, 0, len(w.groups))
	for g := range w.groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		h := w.groups[g]
		cum := make(map[float64]uint64, len(queueWaitBuckets))
		var c uint64
		for i, b := range queueWaitBuckets {
			c += h.buckets[i]
			cum[b] = c
		}
		m, merr := prometheus.NewConstHistogram(queueWaitDesc, h.count, h.sum, cum, label(g))
		if merr != nil {
			m = prometheus.NewInvalidMetric(queueWaitDesc, merr)
		}
		ch <- m
	}
	return err
}

// read advances the mark over the rows since the last scrape.
func (s queueWaitScraper) read(ctx context.Context, db *DB, w *queueWait) error {
	if !w.started {
		var start uint64
		if err := db.SQL.QueryRowContext(ctx, queueWaitStartQuery).Scan(&start); err != nil {
			return db.classify(s.Name(), err)
		}
		w.started, w.mark = true, start
		return nil
	}
	rows, err := db.SQL.QueryContext(ctx, queueWaitQuery, w.mark)
	if err != nil {
		return db.classify(s.Name(), err)
	}
	type row struct {
		id      uint64
		group   sql.NullString
		status  sql.NullString
		wait    sql.NullFloat64
		stale   sql.NullBool
		counted bool
	}
	var batch []row
	err = db.scanAll(s.Name(), rows, func() error {
		var r row
		if err := rows.Scan(&r.id, &r.group, &r.status, &r.wait, &r.stale); err != nil {
			return err
		}
		batch = append(batch, r)
		return nil
	})
	if err != nil {
		return err
	}
	pending := false // a row below the current one is still queued
	for _, r := range batch {
		switch {
		case r.status.String == "QUEUE" && !r.stale.Bool:
			pending = true
			continue
		case r.status.String == "QUEUE", r.status.String == "NANQUE":
			// Given up, or never queued: not a wait.
		default:
			if _, done := w.counted[r.id]; !done {
				w.observe(r.group.String, max(r.wait.Float64, 0))
			}
		}
		if pending {
			w.counted[r.id] = struct{}{}
		} else {
			w.mark = r.id
			delete(w.counted, r.id)
		}
	}
	return nil
}
