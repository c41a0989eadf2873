package vicidial

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/collector/vicidial/vicidialtest"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// slack is how many seconds a duration may have grown between loading the
// rows and reading the metric.
const slack = 5

// agentUgly and pauseUgly are seed.sql's agent name and pause code with a
// quote, a backslash and a newline.
const (
	agentUgly = "ag\"7\\x\n"
	pauseUgly = "B\"\\\n"
)

// TestScrapeSeedRows checks every ViciDial metric against seed.sql. Each
// expected value is worked out from the rows by ViciDial's Real-Time report
// rules (AST_timeonVDADall.php); the comments say how.
func TestScrapeSeedRows(t *testing.T) {
	reset(t)
	inst, _ := newInstance(t, instanceConfig("vici1"), Scrapers())
	s := collect(t, inst)
	promtoolCheck(t, s.text)

	s.want(t, 1, "vicidial_up")
	for _, sc := range Scrapers() {
		s.want(t, 1, "voip_exporter_scrape_collector_success", "source", "vicidial", "collector", sc.Name())
	}

	// 11 sessions with a server_ip ("ghost" has none).
	s.want(t, 11, "vicidial_agents_logged_in")
	// agent003 INCALL with its call; agent008 QUEUE; agent009 and agent010
	// both INCALL on lead 1005: 3-WAY.
	s.want(t, 4, "vicidial_agents_incall")
	// agent005, ag"7…, agent011: PAUSED with lead 0.
	s.want(t, 3, "vicidial_agents_paused")
	// agent001 READY, agent002 CLOSER.
	s.want(t, 2, "vicidial_agents_waiting")
	// agent004 INCALL, its callerid not in vicidial_auto_calls.
	s.want(t, 1, "vicidial_agents_in_dead_calls")
	// agent006 PAUSED with lead 1003.
	s.want(t, 1, "vicidial_agents_dispo")

	type agent struct {
		user, state, campaign string
		seconds               float64 // time in state when the rows were loaded
		inCall                bool
		calls                 float64
	}
	agents := []agent{
		{"agent001", StateReady, "SALES", 30, false, 12},  // last_state_change -30 s
		{"agent002", StateCloser, "SALES", 45, false, 7},  // last_state_change -45 s
		{"agent003", StateInCall, "SALES", 120, true, 20}, // last_call_time -120 s
		{"agent004", StateDead, "SALES", 300, false, 9},   // dead: from last_state_change (-300 s), not last_call_time
		{"agent005", StatePaused, "SALES", 600, false, 3}, // last_state_change -600 s
		{"agent006", StateDispo, "SALES", 20, false, 4},   // last_state_change -20 s
		{agentUgly, StatePaused, "SURVEY", 90, false, 1},  // last_state_change -90 s
		{"agent008", StateQueue, "SALES", 5, true, 5},     // last_call_time -5 s
		{"agent009", StateThreeWay, "SALES", 50, true, 6}, // most recent call on lead 1005: agent010's, -50 s
		{"agent010", StateThreeWay, "SALES", 50, true, 8}, // same
		{"agent011", StatePaused, "SURVEY", 75, false, 2}, // last_state_change -75 s (last_call_time -100 s)
	}
	if got := len(s.series("vicidial_agent_status")); got != len(agents) {
		t.Errorf("vicidial_agent_status has %d series, want %d: %v", got, len(agents), s.series("vicidial_agent_status"))
	}
	for _, a := range agents {
		s.want(t, 1, "vicidial_agent_status", "agent", a.user, "status", a.state, "campaign", a.campaign)
		s.wantAbout(t, a.seconds, slack, "vicidial_agent_state_duration_seconds", "agent", a.user)
		s.want(t, a.calls, "vicidial_agent_calls_today", "agent", a.user)
		if a.inCall {
			s.wantAbout(t, a.seconds, slack, "vicidial_agent_incall_duration_seconds", "agent", a.user)
		} else {
			s.wantAbsent(t, "vicidial_agent_incall_duration_seconds", "agent", a.user)
		}
	}
	s.wantAbsent(t, "vicidial_agent_status", "agent", "ghost", "status", StatePaused, "campaign", "SALES")

	// Pauses: only PAUSED agents; agent006 (DISPO) is not paused.
	for _, p := range []struct {
		user, code string
		seconds    float64
	}{{"agent005", "LUNCH", 600}, {agentUgly, pauseUgly, 90}, {"agent011", NoPauseCode, 75}} {
		s.want(t, 1, "vicidial_agent_pause_code", "agent", p.user, "pause_code", p.code)
		s.wantAbout(t, p.seconds, slack, "vicidial_agent_pause_duration_seconds", "agent", p.user)
		s.want(t, 1, "vicidial_agents_paused_by_code", "pause_code", p.code)
	}
	if got := len(s.series("vicidial_agent_pause_code")); got != 3 {
		t.Errorf("vicidial_agent_pause_code: %v", s.series("vicidial_agent_pause_code"))
	}

	// Queues: LIVE rows per campaign_id; active campaigns and in-groups
	// with none read 0; inactive ones (OLDCAMP, OLDLINE) are not listed.
	s.want(t, 2, "vicidial_queue_depth", "ingroup", "SUPPORT")
	s.want(t, 1, "vicidial_queue_depth", "ingroup", "SALES")
	s.want(t, 0, "vicidial_queue_depth", "ingroup", "SURVEY")
	s.want(t, 0, "vicidial_queue_depth", "ingroup", "BILLING")
	s.wantAbsent(t, "vicidial_queue_depth", "ingroup", "OLDCAMP")
	s.wantAbsent(t, "vicidial_queue_depth", "ingroup", "OLDLINE")
	s.wantAbout(t, 40, slack, "vicidial_queue_longest_wait_seconds", "ingroup", "SUPPORT")
	s.wantAbout(t, 8, slack, "vicidial_queue_longest_wait_seconds", "ingroup", "SALES")
	s.wantAbsent(t, "vicidial_queue_longest_wait_seconds", "ingroup", "SURVEY")

	// Real-Time report line: 9 rows, XFER excluded: 8 active; LIVE 3; IVR 1;
	// ringing = not LIVE, not CLOSER: SENT 2 + RINGING 1 + IVR 1 = 4.
	s.want(t, 8, "vicidial_calls_active")
	s.want(t, 3, "vicidial_calls_waiting")
	s.want(t, 4, "vicidial_calls_ringing")
	s.want(t, 1, "vicidial_calls_in_ivr")

	// Campaign stats of active campaigns and in-groups.
	s.want(t, 500, "vicidial_campaign_calls_today", "campaign", "SALES")
	s.want(t, 200, "vicidial_campaign_answers_today", "campaign", "SALES")
	s.want(t, 6, "vicidial_campaign_drops_today", "campaign", "SALES")
	s.want(t, 0.03, "vicidial_campaign_drop_ratio", "campaign", "SALES") // 6 / 200
	s.want(t, 0.03, "vicidial_campaign_drop_limit_ratio", "campaign", "SALES")
	s.want(t, 1234, "vicidial_campaign_dialable_leads", "campaign", "SALES")
	s.want(t, 0, "vicidial_campaign_drop_ratio", "campaign", "SURVEY") // no answers: 0, as MathZDC
	s.want(t, 0.05, "vicidial_campaign_drop_limit_ratio", "campaign", "SURVEY")
	s.want(t, 5.0/75, "vicidial_campaign_drop_ratio", "campaign", "SUPPORT")
	s.want(t, 80, "vicidial_campaign_calls_today", "campaign", "SUPPORT")
	s.wantAbsent(t, "vicidial_campaign_drop_limit_ratio", "campaign", "SUPPORT") // an in-group
	s.wantAbsent(t, "vicidial_campaign_dialable_leads", "campaign", "SUPPORT")
	s.wantAbsent(t, "vicidial_campaign_calls_today", "campaign", "OLDCAMP") // inactive

	// Recordings, last hour: inbound closecallid 2 only (1 and 6 are
	// recorded, 3 is 5 s long, 4 is BILLING (override NEVER), 5 is two hours
	// old, 7 was a drop no agent took); outbound …0002.2 and …0006.6 (…0001.1
	// recorded, …0003.3 VDAD, …0004.4 SURVEY (NEVER), …0005.5 three hours old).
	s.want(t, 1, "vicidial_recordings_missing", "direction", "inbound")
	s.want(t, 2, "vicidial_recordings_missing", "direction", "outbound")

	// The pool's self metrics.
	s.want(t, 3, "voip_exporter_sql_max_open_connections", "source", "vicidial")
	if h := inst.Health(); !h.Connected || h.Address != mdb.Addr() || h.LastError != "" {
		t.Errorf("health = %+v", h)
	}
}

// TestStateChangesBetweenScrapes changes the rows as the dialer and the
// agent screen would between two scrapes, and checks the metrics follow.
func TestStateChangesBetweenScrapes(t *testing.T) {
	reset(t)
	inst, _ := newInstance(t, instanceConfig("vici1"), Scrapers())
	before := collect(t, inst)
	before.want(t, 11, "vicidial_agents_logged_in")
	before.wantAbout(t, 600, slack, "vicidial_agent_pause_duration_seconds", "agent", "agent005")

	// agent001 gets a call; agent004 dispositions its dead call and is
	// ready; agent005's pause goes on (moved 100 s further back rather than
	// sleeping); agent011 logs out; agent012 logs in; SUPPORT's oldest
	// waiting call is answered; SALES drops two more calls out of 50 more
	// answers.
	run(t, `INSERT INTO vicidial_auto_calls (server_ip, campaign_id, status, lead_id, uniqueid, callerid, channel, phone_number, call_time, call_type)
		VALUES ('10.0.0.5', 'SALES', 'XFER', 1013, '1700001300.23', 'V1123001300000001013', 'SIP/carrier-00000023', '3125550113', NOW() - INTERVAL 2 SECOND, 'OUT')`)
	run(t, `UPDATE vicidial_live_agents SET status = 'INCALL', lead_id = 1013, callerid = 'V1123001300000001013',
		last_call_time = NOW(), last_state_change = NOW() WHERE user = 'agent001'`)
	run(t, `UPDATE vicidial_live_agents SET status = 'READY', lead_id = 0, callerid = '', last_state_change = NOW() - INTERVAL 3 SECOND WHERE user = 'agent004'`)
	run(t, `UPDATE vicidial_live_agents SET last_state_change = last_state_change - INTERVAL 100 SECOND WHERE user = 'agent005'`)
	run(t, `DELETE FROM vicidial_live_agents WHERE user = 'agent011'`)
	run(t, `INSERT INTO vicidial_live_agents (user, server_ip, conf_exten, extension, status, lead_id, campaign_id, last_call_time, last_state_change, calls_today, pause_code)
		VALUES ('agent012', '10.0.0.5', '8600063', 'SIP/1013', 'READY', 0, 'SURVEY', NOW() - INTERVAL 10 SECOND, NOW() - INTERVAL 10 SECOND, 0, '')`)
	run(t, `DELETE FROM vicidial_auto_calls WHERE callerid = 'Y1123000600000001006'`)
	run(t, `UPDATE vicidial_campaign_stats SET drops_today = 8, answers_today = 250 WHERE campaign_id = 'SALES'`)

	after := collect(t, inst)
	promtoolCheck(t, after.text)
	after.want(t, 11, "vicidial_agents_logged_in") // −agent011 +agent012
	after.want(t, 5, "vicidial_agents_incall")     // + agent001
	after.want(t, 2, "vicidial_agents_paused")     // − agent011
	after.want(t, 3, "vicidial_agents_waiting")    // − agent001, + agent004, + agent012
	after.want(t, 0, "vicidial_agents_in_dead_calls")
	after.want(t, 1, "vicidial_agents_dispo")

	after.want(t, 1, "vicidial_agent_status", "agent", "agent001", "status", StateInCall, "campaign", "SALES")
	after.wantAbsent(t, "vicidial_agent_status", "agent", "agent001", "status", StateReady, "campaign", "SALES")
	after.wantAbout(t, 0, slack, "vicidial_agent_incall_duration_seconds", "agent", "agent001")
	after.want(t, 1, "vicidial_agent_status", "agent", "agent004", "status", StateReady, "campaign", "SALES")
	after.wantAbout(t, 3, slack, "vicidial_agent_state_duration_seconds", "agent", "agent004")
	after.wantAbout(t, 700, slack, "vicidial_agent_pause_duration_seconds", "agent", "agent005")
	after.want(t, 1, "vicidial_agent_status", "agent", "agent012", "status", StateReady, "campaign", "SURVEY")
	after.wantAbout(t, 10, slack, "vicidial_agent_state_duration_seconds", "agent", "agent012")
	after.wantAbsent(t, "vicidial_agent_state_duration_seconds", "agent", "agent011")
	after.wantAbsent(t, "vicidial_agent_pause_code", "agent", "agent011", "pause_code", NoPauseCode)
	after.wantAbsent(t, "vicidial_agents_paused_by_code", "pause_code", NoPauseCode)

	after.want(t, 1, "vicidial_queue_depth", "ingroup", "SUPPORT")
	after.wantAbout(t, 15, slack, "vicidial_queue_longest_wait_seconds", "ingroup", "SUPPORT")
	after.want(t, 2, "vicidial_calls_waiting")
	after.want(t, 7, "vicidial_calls_active")
	after.want(t, 0.032, "vicidial_campaign_drop_ratio", "campaign", "SALES") // 8 / 250
}

// TestDatabaseStoppedMidRun stops MariaDB between scrapes: the instance
// reports vicidial_up 0 promptly, logs it once, and recovers when the
// database is back, on the same pool.
func TestDatabaseStoppedMidRun(t *testing.T) {
	reset(t)
	inst, logs := newInstance(t, instanceConfig("vici1"), Scrapers())
	collect(t, inst).want(t, 1, "vicidial_up")

	if err := mdb.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := mdb.Restart(); err != nil && !strings.Contains(err.Error(), "already running") {
			t.Error(err)
		}
	})
	for i := 0; i < 3; i++ {
		start := time.Now()
		down := collect(t, inst)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("a scrape of a stopped database took %v", d)
		}
		down.want(t, 0, "vicidial_up")
		down.wantAbsent(t, "vicidial_agents_logged_in")
		// One failed ping, not seven failed collectors.
		down.want(t, float64(i+1), "voip_exporter_scrape_errors_total", "source", "vicidial")
		if got := down.series("voip_exporter_scrape_collector_success"); len(got) != 0 {
			t.Errorf("collectors ran against a stopped database: %v", got)
		}
		if i == 0 {
			if h := inst.Health(); h.Connected || h.LastError == "" {
				t.Errorf("health while down = %+v", h)
			}
		}
	}
	if n := strings.Count(logs.String(), "ViciDial database unreachable"); n != 1 {
		t.Errorf("logged unreachable %d times, want once:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), vicidialtest.Password) {
		t.Errorf("the password reached the log:\n%s", logs)
	}

	if err := mdb.Restart(); err != nil {
		t.Fatal(err)
	}
	up := collect(t, inst)
	up.want(t, 1, "vicidial_up")
	up.want(t, 11, "vicidial_agents_logged_in")
	if h := inst.Health(); !h.Connected || h.Reconnects != 1 {
		t.Errorf("health after restart = %+v", h)
	}
	if !strings.Contains(logs.String(), "ViciDial database reachable again") {
		t.Errorf("no recovery log line:\n%s", logs)
	}
}

// TestLockedTableHitsTheDeadline holds a write lock on vicidial_live_agents,
// as a busy dialer can on these MyISAM tables: the agent collectors fail at
// the scrape deadline, the others still report, and the scrape ends on time.
func TestLockedTableHitsTheDeadline(t *testing.T) {
	reset(t)
	cfg := instanceConfig("vici1")
	cfg.Timeout = 1500 * time.Millisecond
	cfg.MaxOpenConns, cfg.MaxIdleConns = 8, 8 // room for every collector at once
	inst, _ := newInstance(t, cfg, Scrapers())

	lockPool, err := OpenPool(mdb.RootConfig(), 1, 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer lockPool.Close()
	conn, err := lockPool.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "LOCK TABLES vicidial_live_agents WRITE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s := collect(t, inst)
	took := time.Since(start)
	if _, err := conn.ExecContext(context.Background(), "UNLOCK TABLES"); err != nil {
		t.Fatal(err)
	}
	if took > cfg.Timeout+time.Second {
		t.Errorf("scrape took %v with a %v timeout", took, cfg.Timeout)
	}
	s.want(t, 1, "vicidial_up") // other collectors succeeded
	for _, c := range []string{"agents", "agent_status", "pauses"} {
		s.want(t, 0, "voip_exporter_scrape_collector_success", "source", "vicidial", "collector", c)
	}
	for _, c := range []string{"queues", "realtime", "campaign_stats", "recordings"} {
		s.want(t, 1, "voip_exporter_scrape_collector_success", "source", "vicidial", "collector", c)
	}
	s.wantAbsent(t, "vicidial_agents_logged_in")
	s.want(t, 3, "vicidial_calls_waiting")

	// The connections cut at the deadline are replaced: the next scrape is whole.
	collect(t, inst).want(t, 11, "vicidial_agents_logged_in")
}

// TestMissingGrantIsNoData gives a user SELECT on only some tables, as an
// operator who does not want recordings checked would: those collectors
// report no data (not failure), and say why once.
func TestMissingGrantIsNoData(t *testing.T) {
	reset(t)
	run(t, `CREATE USER IF NOT EXISTS 'partial'@'%' IDENTIFIED BY 'pw2'`)
	run(t, `GRANT SELECT ON asterisk.vicidial_live_agents TO 'partial'@'%'`)
	run(t, `GRANT SELECT ON asterisk.vicidial_auto_calls TO 'partial'@'%'`)
	t.Cleanup(func() { _ = mdb.Exec(`DROP USER 'partial'@'%'`) })

	cfg := instanceConfig("partial")
	cfg.User, cfg.Password = "partial", "pw2"
	inst, logs := newInstance(t, cfg, Scrapers())
	var s scrape
	for i := 0; i < 2; i++ {
		s = collect(t, inst)
	}
	s.want(t, 1, "vicidial_up")
	for _, sc := range Scrapers() {
		s.want(t, 1, "voip_exporter_scrape_collector_success", "source", "vicidial", "collector", sc.Name())
	}
	s.want(t, 11, "vicidial_agents_logged_in")
	s.want(t, 3, "vicidial_calls_waiting")
	s.wantAbsent(t, "vicidial_recordings_missing", "direction", "inbound")
	s.wantAbsent(t, "vicidial_campaign_drop_ratio", "campaign", "SALES")
	s.wantAbsent(t, "vicidial_queue_depth", "ingroup", "SUPPORT") // needs vicidial_campaigns too
	for _, c := range []string{"recordings", "campaign_stats", "queues"} {
		if n := strings.Count(logs.String(), "collector="+c+" "); n != 1 {
			t.Errorf("collector %s logged %d times, want once:\n%s", c, n, logs)
		}
	}
	if !strings.Contains(logs.String(), "SELECT command denied") {
		t.Errorf("the log does not say why:\n%s", logs)
	}
}

// TestReadOnlyUser checks the user the tests (and docs) give the exporter
// can read ViciDial's tables and write none.
func TestReadOnlyUser(t *testing.T) {
	reset(t)
	pool, err := OpenPool(mdb.Config(), 1, 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	if err := pool.QueryRow("SELECT COUNT(*) FROM vicidial_live_agents").Scan(&n); err != nil || n != 12 {
		t.Fatalf("SELECT: %d, %v", n, err)
	}
	for _, q := range []string{
		"UPDATE vicidial_live_agents SET status = 'READY'",
		"DELETE FROM vicidial_auto_calls",
		"INSERT INTO recording_log (filename) VALUES ('x')",
		"CREATE TABLE x (a INT)",
	} {
		if _, err := pool.Exec(q); err == nil || !strings.Contains(err.Error(), "denied") {
			t.Errorf("%s: err = %v, want denied", q, err)
		}
	}
}

// TestConfigForms reaches the server by DSN and by unix socket as well as by
// host/port.
func TestConfigForms(t *testing.T) {
	reset(t)
	mc := mdb.Config()
	mc.Timeout, mc.ReadTimeout, mc.WriteTimeout = 0, 0, 0
	for name, cfg := range map[string]config.ViciDial{
		"dsn":    {Name: "dsn", DSN: config.Secret(mc.FormatDSN()), Timeout: 3 * time.Second, MaxOpenConns: 2, MaxIdleConns: 2},
		"socket": {Name: "socket", Socket: mdb.Socket, User: vicidialtest.User, Password: config.Secret(vicidialtest.Password), Database: "asterisk", Timeout: 3 * time.Second, MaxOpenConns: 2, MaxIdleConns: 2},
	} {
		t.Run(name, func(t *testing.T) {
			inst, _ := newInstance(t, cfg, []source.Scraper[*DB]{agentsScraper{}})
			s := collect(t, inst)
			s.want(t, 1, "vicidial_up")
			s.want(t, 11, "vicidial_agents_logged_in")
			if inst.Address() == "" || strings.Contains(inst.Address(), "p@ss") {
				t.Errorf("address %q", inst.Address())
			}
		})
	}
}

// TestProbe scrapes the test server as an unconfigured /probe target.
func TestProbe(t *testing.T) {
	reset(t)
	m := config.Module{Source: "vicidial", Password: config.Secret(vicidialtest.Password), Timeout: 3 * time.Second}
	p := NewProbe(vicidialtest.User+"@"+mdb.Addr()+"/asterisk", m, Scrapers(), nil)
	s := collect(t, p)
	s.want(t, 1, "vicidial_up")
	s.want(t, 11, "vicidial_agents_logged_in")
	s.want(t, 2, "vicidial_recordings_missing", "direction", "outbound")

	m.Password = "wrong"
	bad := NewProbe(mdb.Addr(), m, Scrapers(), nil) // default user exporter, database asterisk
	s = collect(t, bad)
	s.want(t, 0, "vicidial_up")
	if h := bad.Health(); !strings.Contains(h.LastError, "Access denied") {
		t.Errorf("health = %+v", h)
	}
	s = collect(t, NewProbe("user@/db", m, Scrapers(), nil))
	s.want(t, 0, "vicidial_up")
}

func TestParseProbeTarget(t *testing.T) {
	for in, want := range map[string]ProbeTarget{
		"db1":                     {"exporter", "db1:3306", "asterisk"},
		"10.0.0.5:3307":           {"exporter", "10.0.0.5:3307", "asterisk"},
		"ro@10.0.0.5/vici":        {"ro", "10.0.0.5:3306", "vici"},
		"a@b@[::1]:3310/asterisk": {"a@b", "[::1]:3310", "asterisk"},
		"[2001:db8::1]":           {"exporter", "[2001:db8::1]:3306", "asterisk"},
	} {
		got, err := ParseProbeTarget(in)
		if err != nil || got != want {
			t.Errorf("ParseProbeTarget(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "@h", "h:0", "h:x", "h/", "u@", "h/a?b", "tcp(h:1)"} {
		if got, err := ParseProbeTarget(in); err == nil {
			t.Errorf("ParseProbeTarget(%q) = %+v, want an error", in, got)
		}
	}
}
