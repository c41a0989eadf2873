package vicidial

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/source"
)

// penetrationQuery counts, per list, the leads and the leads dialled at
// least once (called_count > 0: ViciDial increments called_count on every
// dial of the lead, and its own list page, admin.php "SELECT status,
// if(called_count >= 100, 100, called_count), count(*) from vicidial_list
// where list_id=…", counts leads by it the same way).
//
// vicidial_list is ViciDial's largest table (millions of rows), so this
// query never runs on a scrape: it runs once per list_penetration_interval
// (default 5 min) in the background and scrapes report its last result and
// its age. It is one GROUP BY list_id. No index of ViciDial's schema covers
// called_count (list_id, list_phone and list_status hold list_id with
// phone_number or status), so the plan MariaDB picks is one sequential read
// of the table into a 50-row temporary table: 0.35 s for 1,000,000 leads in
// 50 lists (BenchmarkListPenetration, MyISAM as ViciDial creates it). Forcing
// the list_id index, to read in list order, costs 5.3–5.8 s: each row is then
// a random read. The covering list_status index answers "status <> 'NEW'"
// in 0.26 s, but a lead's status is not whether it was dialled (a lead can be
// loaded or reset to any status), so the exact called_count is used. The
// query has no ORDER BY … LIMIT: with one, MariaDB picks the list_id index to
// skip the sort, and the 5 s random reads. scanAll bounds the rows instead.
const penetrationQuery = `SELECT list_id, COUNT(*), SUM(called_count > 0)
FROM vicidial_list
GROUP BY list_id`

var (
	listLeads = newDesc("list", "leads",
		"Leads in the list (vicidial_list rows), counted every list_penetration_interval. Seed 004: part of vicidial_list_penetration.",
		"list_id")
	listLeadsCalled = newDesc("list", "leads_called",
		"Leads of the list dialled at least once (called_count > 0), counted every list_penetration_interval. Seed 004: part of vicidial_list_penetration.",
		"list_id")
	listPenetration = newDesc("list", "penetration_ratio",
		"Share of the list's leads dialled at least once (leads_called / leads, 0 to 1). Seed 004: vicidial_list_penetration.",
		"list_id")
	listCountAge = newDesc("list", "count_age_seconds",
		"Age of the vicidial_list counts exported (seconds since the last successful count finished). New.")
	listCountDuration = newDesc("list", "count_duration_seconds",
		"How long the last successful vicidial_list count took. New.")
)

// penetrationTimeout bounds one background count: it is not under a scrape's
// deadline, but it must not hold MyISAM read locks on vicidial_list for long.
const penetrationTimeout = time.Minute

type listCount struct {
	id            string
	leads, called int64
}

// penetration is one instance's cache of the last vicidial_list count.
type penetration struct {
	mu       sync.Mutex
	running  bool
	started  time.Time // of the last count started
	done     time.Time // when the last successful count finished
	took     time.Duration
	lists    []listCount
	lastErr  error
	failures int
}

// penetrationScraper exports per-list penetration from the cache, and starts
// a count in the background when the cache is older than the interval.
type penetrationScraper struct{}

func (penetrationScraper) Name() string { return "list_penetration" }
func (penetrationScraper) Help() string {
	return "per list: leads, leads dialled at least once and their ratio, counted in the background every list_penetration_interval (vicidial_list)"
}
func (penetrationScraper) Default() bool { return true }

func (s penetrationScraper) Scrape(ctx context.Context, db *DB, ch chan<- prometheus.Metric) error {
	if db.OneOff {
		return source.NoData("list_penetration: counts in the background, so only on a configured instance")
	}
	p := db.penetration()
	now := time.Now()
	p.mu.Lock()
	if !p.running && (p.started.IsZero() || now.Sub(p.started) >= db.listInterval()) {
		p.running, p.started = true, now
		go s.count(db, p)
	}
	lists, done, took, lastErr := p.lists, p.done, p.took, p.lastErr
	p.mu.Unlock()
	if done.IsZero() {
		// No count has finished yet: nothing to report, and no error unless
		// the count failed (a missing table or grant is NoData, logged once).
		return lastErr
	}
	for _, l := range lists {
		gauge(ch, listLeads, float64(l.leads), l.id)
		gauge(ch, listLeadsCalled, float64(l.called), l.id)
		if l.leads > 0 {
			gauge(ch, listPenetration, float64(l.called)/float64(l.leads), l.id)
		}
	}
	gauge(ch, listCountAge, max(now.Sub(done).Seconds(), 0))
	gauge(ch, listCountDuration, took.Seconds())
	return nil
}

// count runs the query off the scrape path and stores the result.
func (s penetrationScraper) count(db *DB, p *penetration) {
	ctx, cancel := context.WithTimeout(context.Background(), penetrationTimeout)
	defer cancel()
	start := time.Now()
	lists, err := s.query(ctx, db)
	took := time.Since(start)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = false
	if err != nil {
		p.lastErr = err
		p.failures++
		db.Logger.Warn("counting vicidial_list failed; scrapes keep the previous count", "err", err)
		return
	}
	p.lists, p.done, p.took, p.lastErr = lists, time.Now(), took, nil
}

func (s penetrationScraper) query(ctx context.Context, db *DB) ([]listCount, error) {
	rows, err := db.query(ctx, s.Name(), penetrationQuery)
	if err != nil {
		return nil, err
	}
	var out []listCount
	err = db.scanAll(s.Name(), rows, func() error {
		var (
			id            uint64
			leads, called int64
		)
		if err := rows.Scan(&id, &leads, &called); err != nil {
			return err
		}
		out = append(out, listCount{id: strconv.FormatUint(id, 10), leads: leads, called: called})
		return nil
	})
	return out, err
}
