package vicidial

import (
	"context"
	"testing"
	"time"
)

// BenchmarkListPenetration is the background vicidial_list count on a
// million leads in 50 lists (realistic row width: names, address, comments),
// as the read-only user runs it.
func BenchmarkListPenetration(b *testing.B) {
	reset(b)
	run(b, `INSERT INTO vicidial_list (entry_date, status, user, list_id, phone_code, phone_number, first_name, last_name,
	 address1, city, state, postal_code, comments, called_count, last_local_call_time)
	 SELECT NOW() - INTERVAL seq MINUTE, ELT(1 + seq % 4, 'NEW', 'NA', 'SALE', 'B'), CONCAT('agent', seq % 300), 1000 + seq % 50, '1',
	  LPAD(seq, 10, '7'), CONCAT('First', seq), CONCAT('Last', seq), CONCAT(seq, ' Main Street'), 'Clearwater', 'FL', '33760',
	  'imported from the vendor file', IF(seq % 4 = 0, 0, seq % 9), NOW() - INTERVAL seq SECOND
	 FROM seq_1_to_1000000`)
	b.Cleanup(func() { run(b, `TRUNCATE TABLE vicidial_list`) })
	cfg := instanceConfig("bench")
	cfg.Timeout = 30 * time.Second
	inst, _ := newInstance(b, cfg, nil)
	db := inst.DB()
	var s penetrationScraper
	b.ResetTimer()
	for b.Loop() {
		lists, err := s.query(context.Background(), db)
		if err != nil {
			b.Fatal(err)
		}
		if len(lists) != 50 {
			b.Fatalf("%d lists, want 50", len(lists))
		}
	}
}
