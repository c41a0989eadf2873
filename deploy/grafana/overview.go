package grafana

func overview() Dashboard {
	return Dashboard{
		UID: "voip-overview", Title: "VoIP overview",
		Description: "Every source voip_exporter watches: up, calls, channels, trunks, queues, recordings, call quality.",
		Tags:        []string{"voip", "voip_exporter"},
		Variables:   []Variable{{Name: "server", Label: "Server", Metric: "voip_exporter_scrapes_total"}},
		Rows: []Row{
			{Title: "Sources", Panels: []Panel{
				{Title: "Sources up", Kind: Stat, Width: 6, Description: "Instances answering their last scrape.",
					Queries:    []Query{{Expr: `sum(max without (instance) (label_replace({__name__=~"(freeswitch|kamailio|asterisk|vicidial|fail2ban)_up", server=~"$server"}, "source", "$1", "__name__", "(.+)_up")))`, Legend: "up"}},
					Thresholds: []Threshold{green}},
				{Title: "Sources down", Kind: Stat, Width: 6,
					Queries:    []Query{{Expr: `count(max without (instance) (label_replace({__name__=~"(freeswitch|kamailio|asterisk|vicidial|fail2ban)_up", server=~"$server"}, "source", "$1", "__name__", "(.+)_up")) == 0) or vector(0)`, Legend: "down"}},
					Thresholds: []Threshold{green, at(1, "red")}},
				{Title: "Up by instance", Kind: StateTime, Width: 12,
					Queries: []Query{{Expr: `label_replace({__name__=~"(freeswitch|kamailio|asterisk|vicidial|fail2ban)_up", server=~"$server"}, "source", "$1", "__name__", "(.+)_up")`, Legend: "{{source}} {{server}}"}},
					Min:     f(0), Max: f(1), Thresholds: []Threshold{red, at(1, "green")}},
			}},
			{Title: "Traffic", Panels: []Panel{
				{Title: "Calls", Kind: TimeSeries, Width: 8, Stack: true,
					Queries: []Query{
						{Expr: `max by (server) (freeswitch_current_calls{server=~"$server"})`, Legend: "FreeSWITCH {{server}}"},
						{Expr: `max by (server) (kamailio_dlg_stats_active_all{server=~"$server"})`, Legend: "Kamailio dialogs {{server}}"},
						{Expr: `max by (server) (asterisk_active_calls{server=~"$server"})`, Legend: "Asterisk {{server}}"}}},
				{Title: "Channels", Kind: TimeSeries, Width: 8, Stack: true,
					Queries: []Query{{Expr: `max by (server) (freeswitch_current_channels{server=~"$server"})`, Legend: "FreeSWITCH {{server}}"}}},
				{Title: "Trunks down", Kind: Stat, Width: 8, Description: "Gateways whose OPTIONS pings fail.",
					Queries: []Query{{Expr: `(count(max without (instance) (freeswitch_sofia_gateway_up{server=~"$server"}) == 0) or vector(0))` +
						` + (count(max without (instance) (kamailio_dispatcher_list_target{server=~"$server"}) == 0) or vector(0))` +
						` + (count(max without (instance) (asterisk_sip_peer_up{server=~"$server"}) == 0) or vector(0))` +
						` + (count(max without (instance) (asterisk_pjsip_endpoint_up{server=~"$server"}) == 0) or vector(0))`, Legend: "gateways, dispatcher targets, SIP peers"}},
					Thresholds: []Threshold{green, at(1, "red")}},
			}},
			{Title: "Call quality", Panels: []Panel{
				{Title: "MOS median (E-model), finished legs", Kind: Stat, Width: 8, Min: f(1), Max: f(5),
					Queries:    []Query{{Expr: `histogram_quantile(0.5, sum by (le) (rate(freeswitch_qos_mos_score_bucket{estimator="emodel",server=~"$server"}[$__rate_interval])))`}},
					Thresholds: []Threshold{red, at(3.1, orange), at(3.6, "yellow"), at(4.0, "green")}},
				{Title: "Live call legs", Kind: Stat, Width: 8, Queries: []Query{{Expr: `sum(freeswitch_quality_live_legs{server=~"$server"}) or vector(0)`}}},
				{Title: "QoS records dropped (1 h)", Kind: Stat, Width: 8, Queries: []Query{{Expr: `sum(increase(voip_exporter_otlp_records_dropped_total[1h])) or vector(0)`}},
					Thresholds: []Threshold{green, at(1, "red")}},
			}},
			{Title: "Contact centre", Panels: []Panel{
				{Title: "Calls in queue", Kind: Stat, Width: 8, Queries: []Query{{Expr: `sum(max without (instance) (vicidial_queue_depth{server=~"$server"})) or vector(0)`}},
					Thresholds: []Threshold{green, at(5, "yellow"), at(10, "red")}},
				{Title: "Missing recordings (1 h)", Kind: Stat, Width: 8, Queries: []Query{{Expr: `sum(max without (instance) (vicidial_recordings_missing{server=~"$server"})) or vector(0)`}},
					Thresholds: []Threshold{green, at(1, "yellow"), at(5, "red")}},
				{Title: "fail2ban active bans", Kind: Stat, Width: 8, Queries: []Query{{Expr: `sum(max without (instance) (fail2ban_active_bans{server=~"$server"})) or vector(0)`}}},
			}},
			{Title: "Agents (HA, docs/ha.md)", Panels: []Panel{
				{Title: "Owner of each event-driven instance", Kind: Table, Width: 12,
					Description: "The agent processing each instance's events (voip_exporter_ha_lease_owned == 1). An instance missing here is owned by nobody.",
					Queries:     []Query{{Expr: `voip_exporter_ha_lease_owned == 1`, Format: "table", Instant: true}}},
				{Title: "Takeovers and lost leases", Kind: TimeSeries, Width: 12,
					Queries: []Query{
						{Expr: `sum by (instance) (increase(voip_exporter_ha_takeovers_total[$__rate_interval]))`, Legend: "takeovers {{instance}}"},
						{Expr: `sum by (instance) (increase(voip_exporter_ha_leases_lost_total[$__rate_interval]))`, Legend: "lost {{instance}}"}}},
			}},
			{Title: "Exporter", Panels: []Panel{
				{Title: "Scrape duration by source", Kind: TimeSeries, Width: 12, Unit: "s",
					Queries: []Query{{Expr: `max by (source, server) (voip_exporter_scrape_duration_seconds{server=~"$server"})`, Legend: "{{source}} {{server}}"}}},
				{Title: "Failing collectors", Kind: Table, Width: 12,
					Queries: []Query{{Expr: `voip_exporter_scrape_collector_success{server=~"$server"} == 0`, Format: "table", Instant: true}}},
			}},
		},
	}
}
