package grafana

func init() { sourceDashboards["freeswitch.json"] = freeswitch }

func freeswitch() Dashboard {
	sel := `{server=~"$server"}`
	return Dashboard{
		UID: "voip-freeswitch", Title: "FreeSWITCH",
		Description: "FreeSWITCH sessions, rates, carriers (ASR, NER, ACD, PDD, causes), call quality (MOS, loss, jitter, RTT), SIP profiles and gateways, registrations (voip_exporter).",
		Tags:        []string{"voip", "freeswitch", "voip_exporter"},
		Variables:   []Variable{{Name: "server", Label: "FreeSWITCH", Metric: "freeswitch_up"}},
		Rows: []Row{
			{Title: "Health", Panels: []Panel{
				{Title: "Up", Kind: Stat, Width: 4, Queries: []Query{{Expr: "freeswitch_up" + sel, Legend: "{{server}}"}},
					Thresholds: []Threshold{red, at(1, "green")}},
				{Title: "Uptime", Kind: Stat, Width: 4, Unit: "s", Queries: []Query{{Expr: "freeswitch_uptime_seconds" + sel, Legend: "{{server}}"}}},
				{Title: "Clock offset", Kind: Stat, Width: 4, Unit: "s", Description: "FreeSWITCH minus exporter clock (strepoch).",
					Queries: []Query{{Expr: "freeswitch_time_offset_seconds" + sel, Legend: "{{server}}"}}},
				{Title: "Idle CPU", Kind: Stat, Width: 4, Unit: "percentunit",
					Queries:    []Query{{Expr: "freeswitch_current_idle_cpu_ratio" + sel, Legend: "{{server}}"}},
					Thresholds: []Threshold{red, at(0.2, orange), at(0.4, "green")}},
				{Title: "Version", Kind: Table, Width: 8,
					Queries: []Query{{Expr: "freeswitch_version_info" + sel, Format: "table", Instant: true}}},
			}},
			{Title: "Sessions", Panels: []Panel{
				{Title: "Calls and channels", Kind: TimeSeries, Width: 12, Queries: []Query{
					{Expr: "freeswitch_current_calls" + sel, Legend: "calls {{server}}"},
					{Expr: "freeswitch_current_channels" + sel, Legend: "channels {{server}}"}}},
				{Title: "Sessions vs max", Kind: TimeSeries, Width: 12, Unit: "percentunit", Queries: []Query{
					{Expr: "freeswitch_current_sessions" + sel + " / freeswitch_max_sessions" + sel, Legend: "{{server}}"}},
					Thresholds: []Threshold{green, at(0.9, "red")}},
				{Title: "Sessions per second", Kind: TimeSeries, Width: 12, Queries: []Query{
					{Expr: "freeswitch_current_sps" + sel, Legend: "now {{server}}"},
					{Expr: "freeswitch_current_sps_peak_last_5min" + sel, Legend: "5 min peak {{server}}"},
					{Expr: "freeswitch_max_sps" + sel, Legend: "max {{server}}"}}},
				{Title: "New sessions rate", Kind: TimeSeries, Width: 12, Unit: "ops", Queries: []Query{
					{Expr: "rate(freeswitch_sessions_total" + sel + "[$__rate_interval])", Legend: "{{server}}"}}},
			}},
			carriersRow("freeswitch"), // outcome.go
			{Title: "Call quality (finished legs)", Panels: []Panel{
				{Title: "MOS (E-model) distribution", Kind: Heatmap, Width: 12, Description: "Finished call legs by MOS, ITU-T G.107 E-model.",
					Queries: []Query{{Expr: `sum by (le) (increase(freeswitch_qos_mos_score_bucket{estimator="emodel",server=~"$server"}[$__rate_interval]))`, Legend: "{{le}}", Format: "heatmap"}}},
				{Title: "MOS median and 10th percentile by domain", Kind: TimeSeries, Width: 12, Min: f(1), Max: f(5), Queries: []Query{
					{Expr: `histogram_quantile(0.5, sum by (domain, le) (rate(freeswitch_qos_mos_score_bucket{estimator="emodel",server=~"$server"}[$__rate_interval])))`, Legend: "p50 {{domain}}"},
					{Expr: `histogram_quantile(0.1, sum by (domain, le) (rate(freeswitch_qos_mos_score_bucket{estimator="emodel",server=~"$server"}[$__rate_interval])))`, Legend: "p10 {{domain}}"}},
					Thresholds: []Threshold{red, at(3.1, orange), at(3.6, "yellow"), at(4.0, "green")}},
				{Title: "Loss ratio by domain (mean per leg)", Kind: TimeSeries, Width: 8, Unit: "percentunit", Queries: []Query{
					{Expr: `sum by (domain) (rate(freeswitch_qos_loss_ratio_sum{server=~"$server"}[$__rate_interval])) / sum by (domain) (rate(freeswitch_qos_loss_ratio_count{server=~"$server"}[$__rate_interval]))`, Legend: "{{domain}}"}},
					Thresholds: []Threshold{green, at(0.005, "yellow"), at(0.02, "red")}},
				{Title: "Jitter p90 by codec", Kind: TimeSeries, Width: 8, Unit: "s", Queries: []Query{
					{Expr: `histogram_quantile(0.9, sum by (codec, le) (rate(freeswitch_qos_jitter_seconds_bucket{server=~"$server"}[$__rate_interval])))`, Legend: "{{codec}}"}},
					Thresholds: []Threshold{green, at(0.02, "yellow"), at(0.05, "red")}},
				{Title: "RTT distribution", Kind: Heatmap, Width: 8, Unit: "s",
					Queries: []Query{{Expr: `sum by (le) (increase(freeswitch_qos_rtt_seconds_bucket{server=~"$server"}[$__rate_interval]))`, Legend: "{{le}}", Format: "heatmap"}}},
				{Title: "Live RTCP jitter p90 by direction", Kind: TimeSeries, Width: 12, Unit: "s", Queries: []Query{
					{Expr: `histogram_quantile(0.9, sum by (direction, stream, le) (rate(freeswitch_rtcp_jitter_seconds_bucket{server=~"$server"}[$__rate_interval])))`, Legend: "{{direction}} {{stream}}"}}},
				{Title: "Live RTCP packets lost", Kind: TimeSeries, Width: 12, Unit: "pps", Queries: []Query{
					{Expr: `sum by (server, domain) (rate(freeswitch_rtcp_packets_lost_total{server=~"$server"}[$__rate_interval]))`, Legend: "{{server}} {{domain}}"}}},
				{Title: "Live legs by codec", Kind: TimeSeries, Width: 12, Stack: true, Queries: []Query{
					{Expr: `sum by (codec) (freeswitch_quality_live_legs{server=~"$server"})`, Legend: "{{codec}}"}}},
				{Title: "Finished legs by hangup cause", Kind: TimeSeries, Width: 12, Unit: "ops", Stack: true, Queries: []Query{
					{Expr: `sum by (hangup_cause) (rate(freeswitch_qos_legs_total{server=~"$server"}[$__rate_interval]))`, Legend: "{{hangup_cause}}"}}},
			}},
			{Title: "QoS export", Panels: []Panel{
				{Title: "Records waiting for the OTLP receiver", Kind: TimeSeries, Width: 8, Queries: []Query{
					{Expr: "voip_exporter_otlp_queue_records", Legend: "{{instance}}"}}},
				{Title: "Oldest waiting record", Kind: TimeSeries, Width: 8, Unit: "s", Queries: []Query{
					{Expr: "voip_exporter_otlp_queue_oldest_record_age_seconds", Legend: "{{instance}}"}}},
				{Title: "Records dropped", Kind: TimeSeries, Width: 8, Unit: "ops", Queries: []Query{
					{Expr: "sum by (reason) (rate(voip_exporter_otlp_records_dropped_total[$__rate_interval]))", Legend: "{{reason}}"}},
					Thresholds: []Threshold{green, at(0.0001, "red")}},
			}},
			{Title: "SIP profiles and gateways", Panels: []Panel{
				{Title: "Profiles running", Kind: StateTime, Width: 12, Min: f(0), Max: f(1),
					Queries:    []Query{{Expr: "freeswitch_sofia_profile_up" + sel, Legend: "{{server}} {{profile}}"}},
					Thresholds: []Threshold{red, at(1, "green")}},
				{Title: "Gateways up", Kind: StateTime, Width: 12, Min: f(0), Max: f(1),
					Queries:    []Query{{Expr: "freeswitch_sofia_gateway_up" + sel, Legend: "{{server}} {{gateway}}"}},
					Thresholds: []Threshold{red, at(1, "green")}},
				{Title: "Gateway ping", Kind: TimeSeries, Width: 12, Unit: "s",
					Queries: []Query{{Expr: "freeswitch_sofia_gateway_ping_seconds" + sel, Legend: "{{server}} {{gateway}}"}}},
				{Title: "Gateway registration state", Kind: Table, Width: 12,
					Queries: []Query{{Expr: "freeswitch_sofia_gateway_state" + sel + " == 1", Format: "table", Instant: true}}},
				{Title: "Gateway calls", Kind: TimeSeries, Width: 12, Unit: "ops", Queries: []Query{
					{Expr: "sum by (server, gateway, direction) (rate(freeswitch_sofia_gateway_calls_total" + sel + "[$__rate_interval]))", Legend: "{{server}} {{gateway}} {{direction}}"}}},
				{Title: "Gateway failed calls", Kind: TimeSeries, Width: 12, Unit: "ops", Queries: []Query{
					{Expr: "sum by (server, gateway, direction) (rate(freeswitch_sofia_gateway_failed_calls_total" + sel + "[$__rate_interval]))", Legend: "{{server}} {{gateway}} {{direction}}"}}},
				{Title: "Registrations", Kind: TimeSeries, Width: 12, Stack: true, Queries: []Query{
					{Expr: "sum by (server, network_proto) (freeswitch_registrations" + sel + ")", Legend: "{{server}} {{network_proto}}"}}},
				{Title: "Event Socket traffic", Kind: TimeSeries, Width: 12, Unit: "Bps", Queries: []Query{
					{Expr: "rate(voip_exporter_esl_bytes_read_total" + sel + "[$__rate_interval])", Legend: "{{server}}"}}},
			}},
		},
	}
}
