package vicidial

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// realtimeQuery counts the calls the dialer handles by status, as the top
// line of ViciDial's Real-Time Main Report does (AST_timeonVDADall.php reads
// vicidial_auto_calls "where status NOT IN('XFER')").
const realtimeQuery = `SELECT status, COUNT(*) FROM vicidial_auto_calls WHERE status NOT IN ('XFER') GROUP BY status LIMIT 10001`

var (
	callsActive = newDesc("calls", "active",
		"Calls being placed or handled and not yet with an agent: the Real-Time report's \"current active calls\" (vicidial_auto_calls, XFER excluded). New; not in seed 004.")
	callsRinging = newDesc("calls", "ringing",
		"The Real-Time report's \"calls ringing\": active calls neither waiting for an agent (LIVE) nor CLOSER; as the report counts them, calls in an IVR are included. New; not in seed 004.")
	callsWaiting = newDesc("calls", "waiting",
		"The Real-Time report's \"calls waiting for agents\": vicidial_auto_calls in status LIVE, all in-groups and campaigns together. New; not in seed 004 (the sum of asterisk_queue_depth).")
	callsInIVR = newDesc("calls", "in_ivr",
		"The Real-Time report's \"calls in IVR\": vicidial_auto_calls in status IVR. New; not in seed 004.")
)

// realtimeScraper exports the Real-Time report's call counters.
type realtimeScraper struct{}

func (realtimeScraper) Name() string { return "realtime" }
func (realtimeScraper) Help() string {
	return "the Real-Time report's call counters: active, ringing, waiting for agents, in IVR (vicidial_auto_calls)"
}
func (realtimeScraper) Default() bool { return true }

func (s realtimeScraper) Scrape(ctx context.Context, db *DB, ch chan<- prometheus.Metric) error {
	rows, err := db.query(ctx, s.Name(), realtimeQuery)
	if err != nil {
		return err
	}
	var active, ringing, waiting, ivr float64
	err = db.scanAll(s.Name(), rows, func() error {
		var (
			status string
			n      float64
		)
		if err := rows.Scan(&status, &n); err != nil {
			return err
		}
		active += n
		switch status {
		case "LIVE":
			waiting += n
		case "CLOSER":
		default:
			// AST_timeonVDADall.php: every row that is not LIVE and not
			// CLOSER counts as ringing, IVR rows included.
			ringing += n
			if status == "IVR" {
				ivr += n
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	gauge(ch, callsActive, active)
	gauge(ch, callsRinging, ringing)
	gauge(ch, callsWaiting, waiting)
	gauge(ch, callsInIVR, ivr)
	return nil
}
