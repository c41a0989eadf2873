package kamailio

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/binrpc"
	"github.com/voip-exporter/voip_exporter/source"
)

var (
	dlgStarting = newDesc("dlg_stats_active", "starting",
		"Dialogs created, no reply yet (dlg.stats_active starting). Seed 003: same name.")
	dlgConnecting = newDesc("dlg_stats_active", "connecting",
		"Dialogs with a provisional reply (dlg.stats_active connecting). Seed 003: same name.")
	dlgAnswering = newDesc("dlg_stats_active", "answering",
		"Dialogs answered, ACK not yet seen (dlg.stats_active answering). Seed 003: same name.")
	dlgOngoing = newDesc("dlg_stats_active", "ongoing",
		"Dialogs confirmed (dlg.stats_active ongoing). Seed 003: same name.")
	dlgAll = newDesc("dlg_stats_active", "all",
		"Dialogs in any of the states above (dlg.stats_active all). Seed 003: same name.")
	dlgProfile = newDesc("dlg_profile_get_size", "dialog",
		"Dialogs now in a dialog profile named in the instance's dlg_profiles (dlg.profile_get_size). Seed 003: same name.", "profile")
	dlgProfileErrors = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "kamailio", "dlg_profile_errors_total"),
		"Scrapes in which dlg.profile_get_size failed for a profile of the instance's dlg_profiles (404: not declared in Kamailio's dialog profiles_no_value/profiles_with_value).",
		[]string{"profile"}, nil)
)

// dlg runs `dlg.stats_active` and `dlg.profile_get_size` for each
// configured profile.
//
// A configured profile Kamailio does not know (fault 404 "Profile not
// found") is said three ways: one log line per profile (with the hint),
// collector_success 0 on every scrape while it is missing (the collector
// did not export what it was configured to), and
// voip_exporter_kamailio_dlg_profile_errors_total{profile} counting the
// scrapes it failed in.
type dlg struct {
	profiles []string
	log      *slog.Logger

	mu     sync.Mutex
	warned map[string]bool
	errs   map[string]uint64
}

func (d *dlg) setLogger(l *slog.Logger) { d.log = l }

func (*dlg) Name() string { return "dlg" }
func (*dlg) Help() string {
	return "dialogs by state from `dlg.stats_active`, and the size of each configured profile from `dlg.profile_get_size`"
}
func (*dlg) Default() bool { return true }

func (d *dlg) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	type result struct {
		n   float64
		err error
	}
	// the profile calls go out at once with stats_active: one round trip
	res := make([]result, len(d.profiles))
	var wg sync.WaitGroup
	for i, p := range d.profiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := rpc.Call(ctx, "dlg.profile_get_size", p)
			if err != nil {
				res[i].err = err
				return
			}
			v, ok := r.First().Float()
			if !ok {
				res[i].err = badReply("dlg.profile_get_size", "no number")
			}
			res[i].n = v
		}()
	}
	r, err := rpc.Call(ctx, "dlg.stats_active")
	wg.Wait()
	if err != nil {
		return err
	}
	st := r.First()
	if _, ok := num(st, "all"); !ok {
		return badReply("dlg.stats_active", "no all")
	}
	f := func(name string) float64 { v, _ := num(st, name); return v }
	gauge(ch, dlgStarting, f("starting"))
	gauge(ch, dlgConnecting, f("connecting"))
	gauge(ch, dlgAnswering, f("answering"))
	gauge(ch, dlgOngoing, f("ongoing"))
	gauge(ch, dlgAll, f("all"))
	var firstErr error
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.errs == nil {
		d.errs, d.warned = map[string]uint64{}, map[string]bool{}
	}
	for i, p := range d.profiles {
		err := res[i].err
		if err == nil {
			gauge(ch, dlgProfile, res[i].n, p)
			continue
		}
		d.errs[p]++
		var fl *binrpc.Fault
		if asFault(err, &fl) && fl.Code == 404 {
			// "Profile not found": a configuration mismatch, logged once
			if !d.warned[p] && d.log != nil {
				d.log.Warn("kamailio dialog profile not found: it is not exported until Kamailio declares it (dialog profiles_no_value/profiles_with_value)",
					"profile", p, "fault", fl.Message)
			}
			d.warned[p] = true
			err = &loggedError{fmt.Errorf("dialog profile %q: %w", p, err)}
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	for _, p := range d.profiles {
		counter(ch, dlgProfileErrors, float64(d.errs[p]), p)
	}
	return firstErr
}
