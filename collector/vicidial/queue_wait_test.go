package vicidial

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/voip-exporter/voip_exporter/source"
)

// histogram is name{labels}'s histogram, or nil.
func (s scrape) histogram(name string, labels ...string) *dto.Histogram {
	for _, m := range s.families[name].GetMetric() {
		if matches(m, labels) {
			return m.GetHistogram()
		}
	}
	return nil
}

// wantHist checks a histogram's count, sum and cumulative buckets (le → count).
func (s scrape) wantHist(t testing.TB, count uint64, sum float64, buckets map[float64]uint64, name string, labels ...string) {
	t.Helper()
	h := s.histogram(name, labels...)
	if h == nil {
		t.Errorf("%s%v: absent\n%s", name, labels, s.text)
		return
	}
	if h.GetSampleCount() != count || h.GetSampleSum() != sum {
		t.Errorf("%s%v: count %d sum %v, want %d and %v", name, labels, h.GetSampleCount(), h.GetSampleSum(), count, sum)
	}
	for _, b := range h.GetBucket() {
		if want, ok := buckets[b.GetUpperBound()]; ok && b.GetCumulativeCount() != want {
			t.Errorf("%s%v: le=%v holds %d, want %d", name, labels, b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
}

// TestQueueWait follows hand-made vicidial_closer_log rows as ViciDial
// writes them (agi-VDAD_ALL_inbound.agi: QUEUE at entry, queue_seconds when
// the call leaves the queue; NANQUE never queued).
func TestQueueWait(t *testing.T) {
	reset(t)
	inst, _ := newInstance(t, instanceConfig("vici1"), []source.Scraper[*DB]{queueWaitScraper{}})
	// The first scrape sets the mark at the seed's last row: seed.sql's
	// calls are before the exporter started and are not counted.
	s := collect(t, inst)
	s.want(t, 1, "voip_exporter_scrape_collector_success", "source", "vicidial", "collector", "queue_wait")
	if n := len(s.series("vicidial_queue_wait_seconds")); n != 0 {
		t.Fatalf("seed rows counted: %v", s.series("vicidial_queue_wait_seconds"))
	}

	run(t, `INSERT INTO vicidial_closer_log (lead_id, campaign_id, call_date, status, user, queue_seconds, uniqueid) VALUES
	 (9001, 'SUPPORT', NOW(), 'SALE', 'agent001', 4, 'q1'),
	 (9002, 'SUPPORT', NOW(), 'DROP', 'VDCL', 12, 'q2'),
	 (9003, 'SUPPORT', NOW(), 'QUEUE', 'VDCL', 0, 'q3'),
	 (9004, 'SUPPORT', NOW(), 'A', 'agent002', 50, 'q4'),
	 (9005, 'SUPPORT', NOW(), 'NANQUE', 'VDCL', 0, 'q5'),
	 (9006, 'SALESLINE', NOW(), 'INCALL', 'agent003', 20.5, 'q6'),
	 (9007, 'SALESLINE', NOW() - INTERVAL 2 HOUR, 'QUEUE', 'VDCL', 0, 'q7')`)
	// SUPPORT: 4, 12 and 50 s (q3 still queued, q5 never queued):
	// count 3, sum 4+12+50 = 66; ≤5: 1 (4), ≤10: 1, ≤15: 2 (4, 12), ≤45: 2, ≤60: 3.
	// SALESLINE: 20.5 s (q7 queued for 2 h: given up): count 1, ≤20: 0, ≤30: 1.
	for range 2 { // a second scrape counts nothing again
		s = collect(t, inst)
		promtoolCheck(t, s.text)
		s.wantHist(t, 3, 66, map[float64]uint64{5: 1, 10: 1, 15: 2, 45: 2, 60: 3, 600: 3}, "vicidial_queue_wait_seconds", "ingroup", "SUPPORT")
		s.wantHist(t, 1, 20.5, map[float64]uint64{20: 0, 30: 1}, "vicidial_queue_wait_seconds", "ingroup", "SALESLINE")
	}

	// q3 is answered after 7 s (agi-VDAD_ALL_inbound.agi:4034 sets
	// queue_seconds, vdc_db_query.php:8417 status INCALL): SUPPORT count 4,
	// sum 66+7 = 73, ≤10: 2 (4, 7); q4, counted while q3 waited, not again.
	run(t, `UPDATE vicidial_closer_log SET status = 'INCALL', queue_seconds = 7 WHERE uniqueid = 'q3'`)
	s = collect(t, inst)
	s.wantHist(t, 4, 73, map[float64]uint64{5: 1, 10: 2, 15: 3, 60: 4}, "vicidial_queue_wait_seconds", "ingroup", "SUPPORT")
	s.wantHist(t, 1, 20.5, map[float64]uint64{30: 1}, "vicidial_queue_wait_seconds", "ingroup", "SALESLINE")

	// A later call over every bucket: +700 s → count 5, sum 773, ≤600 still 4.
	run(t, `INSERT INTO vicidial_closer_log (lead_id, campaign_id, call_date, status, user, queue_seconds, uniqueid)
	 VALUES (9008, 'SUPPORT', NOW(), 'DROP', 'VDCL', 700, 'q8')`)
	s = collect(t, inst)
	s.wantHist(t, 5, 773, map[float64]uint64{600: 4}, "vicidial_queue_wait_seconds", "ingroup", "SUPPORT")
}
