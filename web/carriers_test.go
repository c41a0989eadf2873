package web

import (
	"strings"
	"testing"
)

// The status page's carrier table: most attempts first, ASR as a percentage coloured by the Carriers
// row's thresholds (bad under 30 %, fair under 50 %), the top cause with its count, names escaped; no
// table without carriers.
func TestStatusPageCarriers(t *testing.T) {
	carriers := []CarrierView{
		{Server: "fs1", Source: "freeswitch", Gateway: "carrier-a", Attempts: 20, Answered: 13, ASR: 0.65, TopCause: "USER_BUSY", TopCauseCount: 4},
		{Server: "fs1", Source: "freeswitch", Gateway: "carrier-b", Attempts: 40, Answered: 4, ASR: 0.1, TopCause: "NORMAL_CIRCUIT_CONGESTION", TopCauseCount: 30},
		{Server: "fs1", Source: "freeswitch", Gateway: "<b>x</b>", Attempts: 1, Answered: 1, ASR: 1},
	}
	ts := newTestServer(t, Options{StatusPage: true, Carriers: func() []CarrierView { return append([]CarrierView(nil), carriers...) }})
	_, body := get(t, ts.URL+"/")
	b := strings.Index(body, `data-gateway="carrier-b"`)
	a := strings.Index(body, `data-gateway="carrier-a"`)
	if a < 0 || b < 0 || b > a {
		t.Fatalf("carrier-b (40 attempts) not listed before carrier-a (20): %d, %d", b, a)
	}
	for _, want := range []string{
		`<tr class="carrier bad" data-gateway="carrier-b">`, "<td>40</td><td>4</td><td>10 %</td>", "NORMAL_CIRCUIT_CONGESTION (30)",
		`<tr class="carrier good" data-gateway="carrier-a">`, "<td>65 %</td>", "USER_BUSY (4)", "&lt;b&gt;x&lt;/b&gt;",
		"Carriers, last 15 minutes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	ts = newTestServer(t, Options{StatusPage: true, Carriers: func() []CarrierView { return nil }})
	if _, body := get(t, ts.URL+"/"); strings.Contains(body, `id="carriers"`) {
		t.Error("a carrier table without carriers")
	}
}
