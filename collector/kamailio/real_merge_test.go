package kamailio

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/binrpc"
	"github.com/voip-exporter/voip_exporter/source"
)

// fetchProm GETs xhttp_prom's page as Kamailio serves it.
func fetchProm(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRealXHTTPPromMerge: the test Kamailio sets xhttp_prom_stats "all", so xhttp_prom prints every
// internal statistic as kamailio_<group>_<name> (xhttp_prom/prom.c metric_generate) besides the
// user-defined metrics, one of which (prom_gauge "dialog", set to -7) is named like the exporter's
// kamailio_dialog. Each number is exported once and nothing is logged per scrape: the internal
// statistics come from stats.fetch, the clashing user gauge is left out (logged once), the other user
// metrics are merged; with stats.fetch off the internal statistics are merged, untyped.
func TestRealXHTTPPromMerge(t *testing.T) {
	k := needReal(t)
	// xhttp_prom prints a user metric once the script has set it
	if c := k.Send(t, "OPTIONS", ""); c != 200 {
		t.Fatalf("OPTIONS: %d", c)
	}
	page := fetchProm(t, k.MetricsURL)
	for _, want := range []string{"# Kamailio whole internal statistics", "\nkamailio_core_rcv_requests ", "\nkamailio_dialog -7"} {
		if !strings.Contains(page, want) {
			t.Fatalf("xhttp_prom page lacks %q (is xhttp_prom_stats \"all\" set?):\n%s", want, page)
		}
	}
	t.Run("stats.fetch on", func(t *testing.T) {
		inst, logs := startInstance(t, realConfig(k, k.CtlUnix), nil)
		var out string
		for range 20 {
			out = scrape(t, inst) // a pedantic registry: a family twice fails the gather
		}
		expect(t, out, map[string]string{
			`voip_exporter_scrape_collector_success{collector="xhttp_prom",source="kamailio"}`: "1",
			// the exporter's kamailio_dialog (dialog.active_dialogs), not xhttp_prom's -7
			`kamailio_dialog{type="active"}`: sample(out, `kamailio_dialog{type="active"}`),
		})
		if strings.Contains(out, "\nkamailio_dialog -7") || strings.Contains(out, "\nkamailio_core_rcv_requests ") ||
			strings.Contains(out, "\nkamailio_script_my_invites_seen ") {
			t.Errorf("an xhttp_prom copy of a stats.fetch number was merged:\n%s", grep(out, "kamailio_dialog"))
		}
		if typeOf(out, "kamailio_kam_sip_requests_total") != "counter" || sample(out, "kamailio_kam_last_request_size_bytes") == "" {
			t.Error("user-defined xhttp_prom metrics not merged")
		}
		if n := countLines(logs.String(), "xhttp_prom family left out"); n != 1 || !strings.Contains(logs.String(), "family=kamailio_dialog") {
			t.Errorf("%d 'left out' log lines over 20 scrapes, want 1 for kamailio_dialog:\n%s", n, logs)
		}
		if n := countLines(logs.String(), "level=ERROR") + countLines(logs.String(), "collector failed"); n != 0 {
			t.Errorf("%d error lines:\n%s", n, logs)
		}
	})
	t.Run("stats.fetch off", func(t *testing.T) {
		inst, _ := startInstance(t, realConfig(k, k.CtlUnix), func(s source.Scraper[RPC]) bool {
			return s.Default() && s.Name() != "stats.fetch"
		})
		out := scrape(t, inst)
		if sample(out, "kamailio_core_rcv_requests") == "" || typeOf(out, "kamailio_core_rcv_requests") != "untyped" {
			t.Errorf("with stats.fetch off, xhttp_prom's internal statistics are not merged untyped:\n%s", grep(out, "kamailio_core_rcv"))
		}
	})
}

// recorder logs the start and end of each BINRPC call and each xhttp_prom GET, in order.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(e string) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

type recRPC struct {
	RPC
	rec *recorder
	// hold, when set, keeps stats.fetch in flight until an xhttp_prom GET starts or hold is
	// closed: a scrape that fetched concurrently would show it in the recording every time.
	hold       chan struct{}
	httpStarts chan struct{}
}

func (c recRPC) Call(ctx context.Context, method string, args ...any) (*binrpc.Reply, error) {
	c.rec.add("rpc start " + method)
	defer c.rec.add("rpc end " + method)
	if c.hold != nil && method == "stats.fetch" {
		select {
		case <-c.httpStarts:
		case <-c.hold:
		}
	}
	return c.RPC.Call(ctx, method, args...)
}

// TestXHTTPPromAfterBINRPC: over 20 scrapes of the real Kamailio, every xhttp_prom GET starts after the
// last BINRPC call of its scrape has ended, so the tcp receiver serving the GET has not allocated
// for it while pkg.stats, core.tcp_info and stats.fetch read Kamailio.
func TestXHTTPPromAfterBINRPC(t *testing.T) {
	k := needReal(t)
	rec := &recorder{}
	httpStarts := make(chan struct{}, 100)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add("http start")
		httpStarts <- struct{}{}
		defer rec.add("http end")
		_, _ = io.WriteString(w, fetchProm(t, k.MetricsURL))
	}))
	defer proxy.Close()
	cfg := realConfig(k, k.CtlTCP)
	cfg.CustomMetricsURL = proxy.URL + "/metrics"
	inst, _ := startInstance(t, cfg, nil)
	inner := inst.coll.Client
	for i := range 20 {
		r := recRPC{RPC: inner, rec: rec}
		if i == 0 {
			// the first scrape holds stats.fetch back for a second or until a GET starts
			r.hold, r.httpStarts = make(chan struct{}), httpStarts
			timer := time.AfterFunc(time.Second, func() { close(r.hold) })
			defer timer.Stop()
		}
		inst.coll.Client = r
		rec.mu.Lock()
		rec.events = nil
		rec.mu.Unlock()
		out := scrape(t, inst)
		if sample(out, `voip_exporter_scrape_collector_success{collector="xhttp_prom",source="kamailio"}`) != "1" {
			t.Fatal("xhttp_prom failed")
		}
		rec.mu.Lock()
		ev := append([]string(nil), rec.events...)
		rec.mu.Unlock()
		httpAt, lastRPC, calls := -1, -1, 0
		for i, e := range ev {
			switch {
			case e == "http start":
				httpAt = i
			case strings.HasPrefix(e, "rpc end"):
				lastRPC, calls = i, calls+1
			}
		}
		if httpAt < 0 || calls < 10 || httpAt < lastRPC {
			t.Fatalf("xhttp_prom GET at %d, last of %d BINRPC calls ended at %d:\n%s", httpAt, calls, lastRPC, strings.Join(ev, "\n"))
		}
	}
}
