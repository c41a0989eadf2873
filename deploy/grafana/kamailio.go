package grafana

func init() { sourceDashboards["kamailio.json"] = kamailio }

func kamailio() Dashboard {
	sel := `{server=~"$server"}`
	rate := func(m string) string { return "rate(" + m + sel + "[$__rate_interval])" }
	return Dashboard{
		UID: "voip-kamailio", Title: "Kamailio",
		Description: "Kamailio transactions, replies, memory, dispatcher, dialogs, TCP/TLS, rtpengine (voip_exporter over BINRPC).",
		Tags:        []string{"voip", "kamailio", "voip_exporter"},
		Variables:   []Variable{{Name: "server", Label: "Kamailio", Metric: "kamailio_up"}},
		Rows: []Row{
			{Title: "Health", Panels: []Panel{
				{Title: "Up", Kind: Stat, Width: 4, Queries: []Query{{Expr: "kamailio_up" + sel, Legend: "{{server}}"}},
					Thresholds: []Threshold{red, at(1, "green")}},
				{Title: "Uptime", Kind: Stat, Width: 4, Unit: "s", Queries: []Query{{Expr: "kamailio_core_uptime_seconds" + sel, Legend: "{{server}}"}}},
				{Title: "Processes", Kind: Stat, Width: 4, Queries: []Query{{Expr: "kamailio_core_processes" + sel, Legend: "{{server}}"}}},
				{Title: "Version", Kind: Table, Width: 12, Queries: []Query{{Expr: "kamailio_core_info" + sel, Format: "table", Instant: true}}},
			}},
			{Title: "Transactions and replies", Panels: []Panel{
				{Title: "Requests by method", Kind: TimeSeries, Width: 12, Unit: "reqps", Queries: []Query{
					{Expr: "sum by (server, method) (" + rate("kamailio_core_rcv_request_total") + ")", Legend: "{{server}} {{method}}"}}},
				{Title: "Transactions by reply class", Kind: TimeSeries, Width: 12, Unit: "ops", Stack: true, Queries: []Query{
					{Expr: "sum by (server, code) (" + rate("kamailio_tmx_code_total") + ")", Legend: "{{server}} {{code}}"}}},
				{Title: "Stateless replies by code", Kind: TimeSeries, Width: 12, Unit: "ops", Queries: []Query{
					{Expr: "sum by (server, code) (" + rate("kamailio_sl_reply_total") + ")", Legend: "{{server}} {{code}}"}}},
				{Title: "Transactions in flight", Kind: TimeSeries, Width: 12, Queries: []Query{
					{Expr: "kamailio_tm_stats_current" + sel, Legend: "current {{server}}"},
					{Expr: "kamailio_tm_stats_waiting" + sel, Legend: "waiting {{server}}"}}},
			}},
			{Title: "Memory", Panels: []Panel{
				{Title: "Shared memory used", Kind: TimeSeries, Width: 12, Unit: "percentunit", Max: f(1), Queries: []Query{
					{Expr: `kamailio_shm_bytes{type="real_used",server=~"$server"} / ignoring(type) kamailio_shm_bytes{type="total",server=~"$server"}`, Legend: "{{server}}"}},
					Thresholds: []Threshold{green, at(0.9, "red")}},
				{Title: "Private (pkg) memory used by process", Kind: TimeSeries, Width: 12, Unit: "bytes", Queries: []Query{
					{Expr: "topk(10, kamailio_pkgmem_real_used_bytes" + sel + ")", Legend: "{{server}} {{rank}} {{pid}}"}}},
			}},
			{Title: "Dispatcher", Panels: []Panel{
				{Title: "Targets active", Kind: StateTime, Width: 12, Min: f(0), Max: f(1),
					Queries:    []Query{{Expr: "kamailio_dispatcher_list_target" + sel, Legend: "{{server}} {{set_name}} {{destination}}"}},
					Thresholds: []Threshold{red, at(1, "green")}},
				{Title: "Target latency (estimated)", Kind: TimeSeries, Width: 12, Unit: "s", Queries: []Query{
					{Expr: "kamailio_dispatcher_list_target_latency_est_seconds" + sel, Legend: "{{server}} {{destination}}"}}},
			}},
			{Title: "Dialogs, connections, media", Panels: []Panel{
				{Title: "Active dialogs", Kind: TimeSeries, Width: 8, Queries: []Query{
					{Expr: "kamailio_dlg_stats_active_all" + sel, Legend: "all {{server}}"},
					{Expr: "kamailio_dlg_profile_get_size_dialog" + sel, Legend: "{{profile}} {{server}}"}}},
				{Title: "TCP / TLS connections", Kind: TimeSeries, Width: 8, Queries: []Query{
					{Expr: "kamailio_tcp_connections" + sel, Legend: "tcp {{server}}"},
					{Expr: "kamailio_tls_connections" + sel, Legend: "tls {{server}}"}}},
				{Title: "rtpengine nodes enabled", Kind: StateTime, Width: 8, Min: f(0), Max: f(1),
					Queries:    []Query{{Expr: "kamailio_rtpengine_enabled" + sel, Legend: "{{server}} {{url}}"}},
					Thresholds: []Threshold{red, at(1, "green")}},
			}},
		},
	}
}
