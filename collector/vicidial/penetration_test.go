package vicidial

import (
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/collector/vicidial/vicidialtest"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// waitFor scrapes inst until name{labels} is present (generous deadline,
// polling; the count runs in the background).
func waitFor(t testing.TB, inst *Instance, name string, labels ...string) scrape {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := collect(t, inst)
		if _, ok := s.value(name, labels...); ok {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v never appeared; last scrape:\n%s", name, labels, s.text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestListPenetration counts hand-made lists. A lead was "called at least
// once" when called_count > 0 (ViciDial adds one per dial; admin.php's list
// page groups the list's leads by called_count).
func TestListPenetration(t *testing.T) {
	reset(t)
	// list 101: called_count 0, 1, 3, 0 → 4 leads, 2 called, 2/4 = 0.5
	// list 202: called_count 5, 1, 1    → 3 leads, 3 called, 3/3 = 1
	// list 303: called_count 0          → 1 lead, 0 called, 0/1 = 0
	run(t, `INSERT INTO vicidial_list (list_id, phone_number, status, called_count) VALUES
	 (101, '5550001', 'NEW', 0), (101, '5550002', 'NA', 1), (101, '5550003', 'SALE', 3), (101, '5550004', 'NEW', 0),
	 (202, '5550005', 'B', 5), (202, '5550006', 'DROP', 1), (202, '5550007', 'NA', 1),
	 (303, '5550008', 'NEW', 0)`)
	cfg := instanceConfig("vici1")
	cfg.ListPenetrationInterval = time.Hour // one count in this test's lifetime
	inst, _ := newInstance(t, cfg, []source.Scraper[*DB]{penetrationScraper{}})

	s := waitFor(t, inst, "vicidial_list_leads", "list_id", "101")
	promtoolCheck(t, s.text)
	s.want(t, 4, "vicidial_list_leads", "list_id", "101")
	s.want(t, 2, "vicidial_list_leads_called", "list_id", "101")
	s.want(t, 0.5, "vicidial_list_penetration_ratio", "list_id", "101")
	s.want(t, 3, "vicidial_list_leads", "list_id", "202")
	s.want(t, 3, "vicidial_list_leads_called", "list_id", "202")
	s.want(t, 1, "vicidial_list_penetration_ratio", "list_id", "202")
	s.want(t, 1, "vicidial_list_leads", "list_id", "303")
	s.want(t, 0, "vicidial_list_leads_called", "list_id", "303")
	s.want(t, 0, "vicidial_list_penetration_ratio", "list_id", "303")
	if n := len(s.series("vicidial_list_leads")); n != 3 {
		t.Errorf("%d lists, want 3: %v", n, s.series("vicidial_list_leads"))
	}
	// The count is fresh (bounded by the test's own deadline:
	// it finished before this scrape, which began under 30 s later).
	s.wantAbout(t, 0, 30, "vicidial_list_count_age_seconds")
	s.wantAbout(t, 0, 30, "vicidial_list_count_duration_seconds")
	s.want(t, 1, "voip_exporter_scrape_collector_success", "source", "vicidial", "collector", "list_penetration")

	// Within the interval the cache answers: a lead dialled now is not seen.
	run(t, `UPDATE vicidial_list SET called_count = 1 WHERE list_id = 303`)
	s = collect(t, inst)
	s.want(t, 0, "vicidial_list_leads_called", "list_id", "303")

	// Past the interval the next scrape starts a new count: 1/1 = 1.
	inst.DB().ListInterval = time.Nanosecond
	deadline := time.Now().Add(30 * time.Second)
	for {
		s = collect(t, inst)
		if v, _ := s.value("vicidial_list_leads_called", "list_id", "303"); v == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the recount never showed list 303 called:\n%s", s.text)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.want(t, 1, "vicidial_list_penetration_ratio", "list_id", "303")
}

// TestListPenetrationNoGrant: without a grant on vicidial_list the collector
// reports no data (no error series), as the other collectors do.
func TestListPenetrationNoGrant(t *testing.T) {
	reset(t)
	run(t, `REVOKE SELECT ON asterisk.vicidial_list FROM 'exporter'@'%'`)
	t.Cleanup(func() { run(t, `GRANT SELECT ON asterisk.vicidial_list TO 'exporter'@'%'`) })
	inst, logs := newInstance(t, instanceConfig("vici1"), []source.Scraper[*DB]{penetrationScraper{}})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "list_penetration") {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the missing grant:\n%s", logs)
		}
		collect(t, inst)
		time.Sleep(20 * time.Millisecond)
	}
	s := collect(t, inst)
	s.wantAbsent(t, "vicidial_list_leads", "list_id", "101")
	if len(s.series("vicidial_list_leads")) != 0 {
		t.Errorf("series without a grant: %v", s.series("vicidial_list_leads"))
	}
}

// An ad-hoc /probe lives for one scrape: the collectors that keep state
// between scrapes report no data there (success, no series), and start no
// background count on a pool that closes after the scrape.
func TestStatefulCollectorsOnProbe(t *testing.T) {
	reset(t)
	run(t, `INSERT INTO vicidial_list (list_id, phone_number, called_count) VALUES (101, '5550001', 1)`)
	m := config.Module{Source: "vicidial", Password: config.Secret(vicidialtest.Password), Timeout: 3 * time.Second}
	p := NewProbe(vicidialtest.User+"@"+mdb.Addr()+"/asterisk", m, []source.Scraper[*DB]{penetrationScraper{}, queueWaitScraper{}}, nil)
	defer p.Close()
	for range 2 {
		s := collect(t, p)
		s.want(t, 1, "voip_exporter_scrape_collector_success", "source", "vicidial", "collector", "list_penetration")
		s.want(t, 1, "voip_exporter_scrape_collector_success", "source", "vicidial", "collector", "queue_wait")
		if len(s.series("vicidial_list_leads")) != 0 || len(s.series("vicidial_queue_wait_seconds")) != 0 {
			t.Errorf("stateful series on a probe:\n%s", s.text)
		}
	}
}
