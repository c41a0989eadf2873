package web

import (
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/source"
)

func TestStatusPage(t *testing.T) {
	calls := []CallView{
		{Server: "fs1", Domain: "ok.example", Codec: "PCMU", MOS: 4.4, Started: time.Now().Add(-time.Minute)},
		{Server: "fs1", Domain: "bad.example", Codec: "PCMA", MOS: 2.1, LossRatio: 0.08, JitterSeconds: 0.045},
		{Server: "fs2", Domain: "new.example", Codec: "G722"}, // no figures yet
		{Server: "fs2", Domain: "<script>x</script>", Codec: "opus", MOS: 3.5},
	}
	ts := newTestServer(t, Options{
		StatusPage: true,
		Instances: []source.Instance{
			&fakeInstance{name: "fs1", addr: "10.0.0.1:8021", connected: true},
			&fakeInstance{name: "fs-down", addr: "10.0.0.2:8021", lastErr: "dial tcp: connection refused"},
		},
		Calls: func() []CallView { return append([]CallView(nil), calls...) },
	})
	code, body := get(t, ts.URL+"/")
	if code != 200 {
		t.Fatalf("code %d", code)
	}
	for _, want := range []string{
		`data-name="fs-down"`, `data-name="fs1"`, "connection refused", `<span class="up">up</span>`,
		`<span class="down">down</span>`, "1 target(s) up, 1 down", "4 live call leg(s)", `http-equiv="refresh"`,
		"&lt;script&gt;x&lt;/script&gt;", "8 %", "45 ms",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>x") {
		t.Error("a domain was not escaped")
	}
	// Down targets first; calls worst first, unknown quality last.
	if strings.Index(body, `data-name="fs-down"`) > strings.Index(body, `data-name="fs1"`) {
		t.Error("down target not listed first")
	}
	order := []string{"bad.example", "&lt;script&gt;", "ok.example", "new.example"}
	last := -1
	for _, d := range order {
		i := strings.Index(body, d)
		if i < last {
			t.Errorf("calls not worst first: %q out of order", d)
		}
		last = i
	}
	if code, _ := get(t, ts.URL+"/nope"); code != 404 {
		t.Errorf("/nope = %d", code)
	}
}

func TestMOSKind(t *testing.T) {
	for m, want := range map[float64]string{0: "unknown", 4.41: "good", 3.8: "fair", 3.2: "poor", 2.0: "bad"} {
		if got := mosKind(m); got != want {
			t.Errorf("mosKind(%v) = %s, want %s", m, got, want)
		}
	}
}
