package vicidial

import (
	"context"
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// queuesQuery counts the calls waiting for an agent (vicidial_auto_calls
// rows in status LIVE) per campaign or in-group, and how long the oldest has
// waited. Every active campaign and in-group is listed, with 0 when nothing
// waits, so an empty queue reads 0 rather than no data.
const queuesQuery = `SELECT g.id, COUNT(vac.auto_call_id), MAX(TIMESTAMPDIFF(SECOND, vac.call_time, NOW()))
FROM (
 SELECT campaign_id AS id FROM vicidial_campaigns WHERE active = 'Y'
 UNION SELECT group_id FROM vicidial_inbound_groups WHERE active = 'Y'
 UNION SELECT campaign_id FROM vicidial_auto_calls WHERE status = 'LIVE'
) g
LEFT JOIN vicidial_auto_calls vac ON vac.campaign_id = g.id AND vac.status = 'LIVE'
WHERE g.id IS NOT NULL
GROUP BY g.id
ORDER BY g.id
LIMIT 10001`

var (
	queueDepth = newDesc("queue", "depth",
		"Calls waiting for an agent (vicidial_auto_calls status LIVE) per in-group (inbound) or campaign (outbound); 0 for active ones with none. Seed 004: asterisk_queue_depth.",
		"ingroup")
	queueLongestWait = newDesc("queue", "longest_wait_seconds",
		"How long the oldest call waiting for an agent has waited, per in-group or campaign with calls waiting. New; not in seed 004.",
		"ingroup")
)

// queuesScraper exports queue depth per in-group/campaign.
type queuesScraper struct{}

func (queuesScraper) Name() string { return "queues" }
func (queuesScraper) Help() string {
	return "calls waiting for an agent and the longest wait, per in-group or campaign (vicidial_auto_calls)"
}
func (queuesScraper) Default() bool { return true }

func (s queuesScraper) Scrape(ctx context.Context, db *DB, ch chan<- prometheus.Metric) error {
	rows, err := db.query(ctx, s.Name(), queuesQuery)
	if err != nil {
		return err
	}
	return db.scanAll(s.Name(), rows, func() error {
		var (
			group   sql.NullString
			waiting int64
			longest sql.NullInt64
		)
		if err := rows.Scan(&group, &waiting, &longest); err != nil {
			return err
		}
		gauge(ch, queueDepth, float64(waiting), group.String)
		if longest.Valid {
			gauge(ch, queueLongestWait, float64(max(longest.Int64, 0)), group.String)
		}
		return nil
	})
}
