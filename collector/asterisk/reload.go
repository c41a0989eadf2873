package asterisk

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// Reload results from the AMI Reload event (AMI mode only), so "did the
// last reload break something" is a series
// (asterisk/asterisk@f0c1c1a7b79b0f8cc0311649bf36824cbeee30a9):
//
//   - ast_module_reload (main/loader.c:1731-1816) ends with
//     publish_reload_message (:1722-1728): Event Reload, class system, with
//     Module (the module, or "All" for `core reload` / `reload`) and Status,
//     the numeric enum ast_module_reload_result documented at loader.c:59-84:
//     0 success, 1 queued (Asterisk still booting), 2 module not found,
//     3 error, 4 a reload already in progress, 5 module not initialised,
//     6 module without reload support.
//   - FullyBooted (main/asterisk.c:1012 at the end of boot; main/manager.c:
//     3442 at login) carries Uptime and LastReload (seconds since
//     ast_lastreloadtime, which ast_module_reload sets, loader.c:1750).
//
// `dialplan reload` (pbx_config.c:1582-1605) reloads extensions.conf by
// calling pbx_load_module directly: it sends no Reload event. `module reload
// pbx_config` and `core reload` go through ast_module_reload and do. A
// reload's own config errors (a bad line in extensions.conf) are logged by
// the module and do not change Status unless its reload callback fails.

// reloadEventMask is the class of Reload and FullyBooted.
const reloadEventMask = "system"

// reloadFilters are the Filter actions for the events reloadTracker reads.
var reloadFilters = []string{"Event: Reload", "Event: FullyBooted"}

// reloadResults names ast_module_reload_result (loader.c:59-84), by value.
var reloadResults = []string{"success", "queued", "not_found", "error", "in_progress", "uninitialized", "not_supported"}

var (
	reloadsTotal = newDesc("reload", "results_total",
		"Module reloads by result (AMI Reload event Status: success, queued, not_found, error, in_progress, uninitialized, not_supported), since the exporter started. New; answers seed 004's asterisk_dialplan_errors.",
		"result")
	reloadLastSuccess = newDesc("reload", "last_success",
		"1 when the last reload (AMI Reload event) succeeded or was queued, 0 when it failed (module not found, error, in progress, uninitialized, not supported); absent before the first Reload event.",
		"module")
	reloadLastStatus = newDesc("reload", "last_status",
		"Status of the last AMI Reload event: ast_module_reload_result (0 success, 1 queued, 2 not found, 3 error, 4 in progress, 5 uninitialized, 6 not supported).",
		"module")
	reloadLastTime = newDesc("reload", "last_timestamp_seconds",
		"When the last reload happened (Unix time): the last Reload event, or FullyBooted's LastReload.")
	fullyBootedTime = newDesc("", "fully_booted_timestamp_seconds",
		"When Asterisk last reported FullyBooted (Unix time of the event, as seen by the exporter).")
)

// reloadTracker keeps the last Reload and FullyBooted events.
type reloadTracker struct {
	mu      sync.Mutex
	counts  [7]uint64
	have    bool
	module  string
	status  int
	at      time.Time // the last reload
	booted  time.Time
	nowFunc func() time.Time
}

func newReloadTracker() *reloadTracker { return &reloadTracker{nowFunc: time.Now} }

// Handle reads one event; others are ignored.
func (r *reloadTracker) Handle(m *ami.Message) {
	switch m.Event() {
	case "Reload":
		st, err := strconv.Atoi(strings.TrimSpace(m.Get("Status")))
		if err != nil {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if st >= 0 && st < len(r.counts) {
			r.counts[st]++
		}
		r.have, r.module, r.status = true, clip(m.Get("Module"), maxLabelBytes), st
		if st != 1 && st != 4 { // loader.c returns these before setting ast_lastreloadtime
			r.at = r.nowFunc()
		}
	case "FullyBooted":
		now := r.nowFunc()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.booted = now
		if s, err := strconv.Atoi(strings.TrimSpace(m.Get("LastReload"))); err == nil && s >= 0 {
			if t := now.Add(-time.Duration(s) * time.Second); t.After(r.at) {
				r.at = t
			}
		}
	}
}

func (r *reloadTracker) collect(ch chan<- prometheus.Metric) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, name := range reloadResults {
		counter(ch, reloadsTotal, float64(r.counts[i]), name)
	}
	if r.have {
		ok := 0.0
		if r.status == 0 || r.status == 1 {
			ok = 1
		}
		gauge(ch, reloadLastSuccess, ok, r.module)
		gauge(ch, reloadLastStatus, float64(r.status), r.module)
	}
	if !r.at.IsZero() {
		gauge(ch, reloadLastTime, float64(r.at.UnixNano())/1e9)
	}
	if !r.booted.IsZero() {
		gauge(ch, fullyBootedTime, float64(r.booted.UnixNano())/1e9)
	}
}

// withReloads wraps an event handler so the tracker sees every event first.
func withReloads(r *reloadTracker, next func(*ami.Message)) func(*ami.Message) {
	return func(m *ami.Message) {
		r.Handle(m)
		if next != nil {
			next(m)
		}
	}
}
