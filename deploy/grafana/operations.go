package grafana

// operationsRow is the "Operations" row of the Asterisk and ViciDial
// dashboard (issue 16): inbound queue wait, list penetration, recording
// storage, DAHDI/PRI spans and the last reload.
func operationsRow(sel string) Row {
	rate := func(m string) string { return "rate(" + m + sel + "[$__rate_interval])" }
	return Row{Title: "Operations", Panels: []Panel{
		{Title: "Inbound queue wait (average, p90)", Kind: TimeSeries, Width: 12, Unit: "s",
			Description: "vicidial_queue_wait_seconds: time calls waited in the in-group's queue, answered or not (vicidial_closer_log.queue_seconds).",
			Queries: []Query{
				{Expr: "sum by (ingroup) (" + rate("vicidial_queue_wait_seconds_sum") + ") / sum by (ingroup) (" + rate("vicidial_queue_wait_seconds_count") + ")", Legend: "avg {{ingroup}}"},
				{Expr: "histogram_quantile(0.9, sum by (ingroup, le) (" + rate("vicidial_queue_wait_seconds_bucket") + "))", Legend: "p90 {{ingroup}}"}},
			Thresholds: []Threshold{green, at(30, "yellow"), at(60, "red")}},
		{Title: "List penetration", Kind: "bargauge", Width: 12, Unit: "percentunit", Min: f(0), Max: f(1),
			Description: "Share of each list's leads dialled at least once (vicidial_list, counted every list_penetration_interval).",
			Queries:     []Query{{Expr: "sort_desc(vicidial_list_penetration_ratio" + sel + ")", Legend: "{{server}} list {{list_id}}", Instant: true}},
			Thresholds:  []Threshold{green, at(0.8, "yellow"), at(0.95, "red")}},
		{Title: "Recordings filesystem used", Kind: "bargauge", Width: 8, Unit: "percentunit", Min: f(0), Max: f(1),
			Description: "Used / (used + available) of the filesystem holding each recording directory, as df's Use%.",
			Queries: []Query{{Expr: "recordings_filesystem_used_bytes" + sel + " / (recordings_filesystem_used_bytes" + sel + " + recordings_filesystem_avail_bytes" + sel + ")",
				Legend: "{{server}} {{directory}}", Instant: true}},
			Thresholds: []Threshold{green, at(0.8, "yellow"), at(0.9, "red")}},
		{Title: "Recordings tree", Kind: TimeSeries, Width: 8, Unit: "bytes",
			Description: "Bytes of the files under each recording directory at the last walk (a lower bound when recordings_walk_truncated is 1).",
			Queries:     []Query{{Expr: "recordings_bytes" + sel, Legend: "{{server}} {{directory}}"}}},
		{Title: "Oldest recording", Kind: Stat, Width: 8, Unit: "s",
			Queries: []Query{{Expr: "max by (directory) (recordings_oldest_file_age_seconds" + sel + ")", Legend: "{{directory}}"}}},
		{Title: "DAHDI spans up", Kind: StateTime, Width: 12, Min: f(0), Max: f(1),
			Description: "1 when the span reports no alarm (DAHDIShowStatus Alarms OK).",
			Queries:     []Query{{Expr: "asterisk_dahdi_span_up" + sel, Legend: "{{server}} span {{span}}"}},
			Thresholds:  []Threshold{red, at(1, "green")}},
		{Title: "Last reload succeeded", Kind: Stat, Width: 6, Min: f(0), Max: f(1),
			Description: "asterisk_reload_last_success: the Status of the last AMI Reload event (0 = failed).",
			Queries:     []Query{{Expr: "asterisk_reload_last_success" + sel, Legend: "{{server}} {{module}}"}},
			Thresholds:  []Threshold{red, at(1, "green")}},
		{Title: "Reloads by result", Kind: TimeSeries, Width: 6, Unit: "short",
			Queries: []Query{{Expr: "sum by (result) (increase(asterisk_reload_results_total" + sel + "[$__rate_interval])) > 0", Legend: "{{result}}"}}},
	}}
}
