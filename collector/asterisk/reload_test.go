package asterisk

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
	simast "github.com/voip-exporter/voip_exporter/sim/asterisk"
)

// waitSample scrapes until series has value want (events arrive on the
// client's reader goroutine; generous deadline, polling).
func waitSample(t *testing.T, inst *Instance, series, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		expo := scrape(t, inst)
		if sample(expo, series) == want {
			return expo
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never %s:\n%s", series, want, expo)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The simulator sends the Reload event as loader.c publishes it
// (publish_reload_message, loader.c:1722-1728: Module, numeric Status).
func TestReloadEvents(t *testing.T) {
	s := startSim(t, simast.Lab())
	inst := newInstance(t, amiConfig(s))
	waitConnected(t, inst)
	expo := scrape(t, inst)
	// Before any Reload event: every result at 0, no last status.
	for _, r := range reloadResults {
		wantSample(t, expo, `asterisk_reload_results_total{result="`+r+`"}`, "0")
	}
	if strings.Contains(expo, "asterisk_reload_last_success") {
		t.Errorf("a last reload before any Reload event:\n%s", expo)
	}

	// The subscription (Events + Filters in onConnect) may still be on its
	// way: send `core reload` (Module All, Status 0) until one is counted.
	deadline := time.Now().Add(10 * time.Second)
	var ok int
	for ok == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no Reload event counted")
		}
		s.ReloadModule("", 0)
		time.Sleep(10 * time.Millisecond)
		ok, _ = strconv.Atoi(sample(scrape(t, inst), `asterisk_reload_results_total{result="success"}`))
	}
	wantSample(t, scrape(t, inst), `asterisk_reload_last_success{module="All"}`, "1")

	// A module whose reload callback fails: Status 3 (AST_MODULE_RELOAD_ERROR).
	before := time.Now()
	s.ReloadModule("res_pjsip.so", 3)
	expo = waitSample(t, inst, `asterisk_reload_results_total{result="error"}`, "1")
	// Events arrive in order: every success of the loop above is counted
	// by now, so this is the base count.
	ok, _ = strconv.Atoi(sample(expo, `asterisk_reload_results_total{result="success"}`))
	wantSample(t, expo, `asterisk_reload_last_success{module="res_pjsip.so"}`, "0")
	wantSample(t, expo, `asterisk_reload_last_status{module="res_pjsip.so"}`, "3")
	if strings.Contains(expo, `asterisk_reload_last_success{module="All"}`) {
		t.Errorf("the previous reload's series stayed:\n%s", expo)
	}
	if ts, _ := strconv.ParseFloat(sample(expo, "asterisk_reload_last_timestamp_seconds"), 64); ts < float64(before.Unix()) {
		t.Errorf("last reload time %v, before the failed reload at %v", ts, before.Unix())
	}
	// Then a good `core reload`: success = ok + 1, last success 1 again.
	s.ReloadModule("", 0)
	expo = waitSample(t, inst, `asterisk_reload_results_total{result="success"}`, strconv.Itoa(ok+1))
	wantSample(t, expo, `asterisk_reload_last_success{module="All"}`, "1")
	wantSample(t, expo, `asterisk_reload_results_total{result="error"}`, "1")
	promtool(t, expo)
}

// FullyBooted (manager.c:3442) gives the last reload time when no Reload
// event was seen: now − LastReload.
func TestFullyBootedLastReload(t *testing.T) {
	r := newReloadTracker()
	now := time.Unix(1_800_000_000, 0)
	r.nowFunc = func() time.Time { return now }
	r.Handle(msgOf(t, "Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 323\r\nLastReload: 300\r\nStatus: Fully Booted\r\n\r\n"))
	if want := now.Add(-300 * time.Second); !r.at.Equal(want) || !r.booted.Equal(now) || r.have {
		t.Errorf("at %v booted %v have %v, want at %v", r.at, r.booted, r.have, want)
	}
	// A queued reload (Status 1: loader.c returns before setting
	// ast_lastreloadtime) does not move the time.
	r.Handle(msgOf(t, "Event: Reload\r\nPrivilege: system,all\r\nModule: All\r\nStatus: 1\r\n\r\n"))
	if want := now.Add(-300 * time.Second); !r.at.Equal(want) || r.counts[1] != 1 {
		t.Errorf("queued reload: at %v counts %v", r.at, r.counts)
	}
}

// msgOf reads one AMI message from its wire text.
func msgOf(t *testing.T, raw string) *ami.Message {
	t.Helper()
	m, err := ami.NewReader(bytes.NewReader([]byte(raw)), ami.ReaderOptions{}).ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	return m
}
