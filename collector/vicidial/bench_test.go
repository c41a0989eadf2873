package vicidial

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/voip-exporter/voip_exporter/source"
)

// loadCallCenter replaces the seed rows with a busy call center: 300 agents
// in every state, 40 campaigns and in-groups, 150 calls in progress, and an
// hour of history (3,000 inbound and 6,000 outbound calls, 8,000
// recordings). It uses MariaDB's sequence tables (seq_1_to_N).
func loadCallCenter(tb testing.TB) {
	tb.Helper()
	reset(tb)
	for _, q := range []string{
		`DELETE FROM vicidial_live_agents`,
		`DELETE FROM vicidial_auto_calls`,
		`INSERT INTO vicidial_campaigns (campaign_id, campaign_name, active, campaign_recording, adaptive_dropped_percentage)
		 SELECT CONCAT('C', seq), CONCAT('Campaign ', seq), 'Y', 'ALLFORCE', '3' FROM seq_1_to_20`,
		`INSERT INTO vicidial_inbound_groups (group_id, group_name, active, ingroup_recording_override)
		 SELECT CONCAT('IG', seq), CONCAT('In-group ', seq), 'Y', 'DISABLED' FROM seq_1_to_20`,
		`INSERT INTO vicidial_campaign_stats (campaign_id, dialable_leads, calls_today, answers_today, drops_today)
		 SELECT CONCAT('C', seq), 1000 + seq, 500 + seq, 200 + seq, seq FROM seq_1_to_20
		 UNION ALL SELECT CONCAT('IG', seq), 0, 100 + seq, 90 + seq, seq FROM seq_1_to_20`,
		`INSERT INTO vicidial_live_agents (user, server_ip, conf_exten, extension, status, lead_id, campaign_id, callerid, comments, calls_today,
		 last_call_time, last_state_change, pause_code)
		 SELECT CONCAT('agent', seq), '10.0.0.5', 8600000 + seq, CONCAT('SIP/', 2000 + seq),
		  ELT(1 + seq % 6, 'READY', 'INCALL', 'PAUSED', 'CLOSER', 'INCALL', 'QUEUE'),
		  IF(seq % 6 IN (1, 4, 5), 100000 + seq, IF(seq % 12 = 2, 200000 + seq, 0)),
		  CONCAT('C', 1 + seq % 20), CONCAT('V', 100000 + seq), 'AUTO', seq % 50,
		  NOW() - INTERVAL seq SECOND, NOW() - INTERVAL (seq * 3) SECOND, IF(seq % 6 = 2, ELT(1 + seq % 4, 'LUNCH', 'BREAK', 'TRAIN', ''), '')
		 FROM seq_1_to_300`,
		`INSERT INTO vicidial_auto_calls (server_ip, campaign_id, status, lead_id, callerid, call_time, call_type)
		 SELECT '10.0.0.5', IF(seq % 2 = 0, CONCAT('C', 1 + seq % 20), CONCAT('IG', 1 + seq % 20)),
		  ELT(1 + seq % 6, 'LIVE', 'XFER', 'SENT', 'RINGING', 'CLOSER', 'IVR'), 100000 + seq, CONCAT('V', 100000 + seq),
		  NOW() - INTERVAL seq SECOND, IF(seq % 2 = 0, 'OUT', 'IN')
		 FROM seq_1_to_150`,
		`INSERT INTO vicidial_closer_log (lead_id, campaign_id, call_date, length_in_sec, status, user, uniqueid)
		 SELECT 300000 + seq, CONCAT('IG', 1 + seq % 20), NOW() - INTERVAL seq SECOND, 30 + seq % 300, 'SALE', CONCAT('agent', 1 + seq % 300), CONCAT(1700000000 + seq, '.1')
		 FROM seq_1_to_3000`,
		`INSERT INTO vicidial_log (uniqueid, lead_id, campaign_id, call_date, length_in_sec, status, user)
		 SELECT CONCAT(1800000000 + seq, '.2'), 400000 + seq, CONCAT('C', 1 + seq % 20), NOW() - INTERVAL (seq / 2) SECOND, seq % 200,
		  'SALE', IF(seq % 3 = 0, 'VDAD', CONCAT('agent', 1 + seq % 300))
		 FROM seq_1_to_6000`,
		`INSERT INTO recording_log (start_time, filename, vicidial_id, user)
		 SELECT call_date, CONCAT('rec', closecallid), closecallid, user FROM vicidial_closer_log WHERE closecallid % 10 != 0`,
		`INSERT INTO recording_log (start_time, filename, vicidial_id, user)
		 SELECT NOW() - INTERVAL 1 SECOND, CONCAT('orec', uniqueid), uniqueid, user FROM vicidial_log WHERE lead_id % 10 != 0 LIMIT 5000`,
	} {
		run(tb, q)
	}
}

type benchCollector struct {
	inst *Instance
	ctx  context.Context
}

func (c benchCollector) Describe(chan<- *prometheus.Desc) {}
func (c benchCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(c.ctx, c.inst.Timeout())
	defer cancel()
	c.inst.Collect(ctx, ch)
}

// BenchmarkScrape is one full ViciDial scrape of the busy call center (every
// collector, one pooled connection each, concurrently), gathered into
// metric families as the web layer does.
func BenchmarkScrape(b *testing.B) {
	loadCallCenter(b)
	inst, _ := newInstance(b, instanceConfig("bench"), Scrapers())
	reg := prometheus.NewRegistry()
	reg.MustRegister(benchCollector{inst, context.Background()})
	fams, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	series := 0
	for _, f := range fams {
		series += len(f.GetMetric())
	}
	if v := countOf(fams, "vicidial_agents_logged_in"); v != 300 {
		b.Fatalf("%v agents logged in, want 300", v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(series), "series/op")
}

// BenchmarkScrapeCollector times each collector's query alone.
func BenchmarkScrapeCollector(b *testing.B) {
	loadCallCenter(b)
	inst, _ := newInstance(b, instanceConfig("bench"), Scrapers())
	for _, s := range Scrapers() {
		b.Run(s.Name(), func(b *testing.B) {
			ch := make(chan prometheus.Metric, 4096)
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Scrape(context.Background(), inst.DB(), ch); err != nil {
					b.Fatal(err)
				}
				for len(ch) > 0 {
					<-ch
				}
			}
		})
	}
}

// BenchmarkSeedStyleScrape is seed 004's way, for comparison: a new
// connection per scrape, its four queries one after the other (agent counts,
// per-agent rows, queue depth, missing recordings), then close. Its
// recordings query compares recording_log.vicidial_id (VARCHAR) with
// closecallid (INT), so it cannot use the index and scans recording_log for
// each call: it runs under a user without the statement-time cap the
// exporter's user has (which would stop it at 5 s).
func BenchmarkSeedStyleScrape(b *testing.B) {
	loadCallCenter(b)
	run(b, `CREATE USER IF NOT EXISTS 'seedstyle'@'%' IDENTIFIED BY 'seed'`)
	run(b, `GRANT SELECT ON asterisk.* TO 'seedstyle'@'%'`)
	mc := mdb.Config()
	mc.User, mc.Passwd = "seedstyle", "seed"
	mc.ReadTimeout = time.Minute
	queries := []string{
		`SELECT status, COUNT(*) as cnt FROM vicidial_live_agents WHERE server_ip != '' GROUP BY status`,
		`SELECT user, status, pause_code, TIMESTAMPDIFF(SECOND, last_state_change, NOW()) AS state_duration FROM vicidial_live_agents WHERE server_ip != ''`,
		`SELECT campaign_id, COUNT(*) as cnt FROM vicidial_auto_calls WHERE status = 'LIVE' GROUP BY campaign_id`,
		`SELECT COUNT(*) as missing FROM vicidial_closer_log cl LEFT JOIN recording_log rl ON rl.vicidial_id = cl.closecallid
		 AND rl.start_time >= DATE_SUB(NOW(), INTERVAL 1 HOUR) WHERE cl.call_date >= DATE_SUB(NOW(), INTERVAL 1 HOUR)
		 AND cl.length_in_sec > 10 AND rl.recording_id IS NULL`,
	}
	b.ReportAllocs()
	for b.Loop() {
		pool, err := OpenPool(mc, 1, 0, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		for _, q := range queries {
			rows, err := pool.Query(q)
			if err != nil {
				b.Fatal(err)
			}
			drain(b, rows)
		}
		pool.Close()
	}
}

func drain(b *testing.B, rows *sql.Rows) {
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
}

var _ source.Instance = (*Instance)(nil)

func countOf(fams []*dto.MetricFamily, name string) float64 {
	for _, f := range fams {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}
