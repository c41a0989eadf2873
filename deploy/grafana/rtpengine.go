package grafana

func init() { sourceDashboards["rtpengine.json"] = rtpengine }

func rtpengine() Dashboard {
	sel := `{server=~"$server"}`
	rate := func(m string) string { return "rate(" + m + sel + "[$__rate_interval])" }
	return Dashboard{
		UID: "voip-rtpengine", Title: "rtpengine",
		Description: "rtpengine media relay: sessions, relayed media, closed sessions, MOS (voip_exporter over the ng protocol).",
		Tags:        []string{"voip", "rtpengine", "voip_exporter"},
		Variables:   []Variable{{Name: "server", Label: "rtpengine", Metric: "rtpengine_up"}},
		Rows: []Row{
			{Title: "rtpengine", Panels: []Panel{
				{Title: "Up", Kind: Stat, Width: 4, Queries: []Query{{Expr: "rtpengine_up" + sel, Legend: "{{server}}"}},
					Thresholds: []Threshold{red, at(1, "green")}},
				{Title: "Sessions", Kind: TimeSeries, Width: 6, Queries: []Query{
					{Expr: "rtpengine_sessions" + sel, Legend: "{{server}} {{type}}"}}},
				{Title: "Relayed packets", Kind: TimeSeries, Width: 7, Unit: "pps", Queries: []Query{
					{Expr: "sum by (server) (" + rate("rtpengine_packets_total") + ")", Legend: "{{server}}"},
					{Expr: "sum by (server) (" + rate("rtpengine_packet_errors_total") + ")", Legend: "errors {{server}}"}}},
				{Title: "Average MOS (RTCP reports)", Kind: TimeSeries, Width: 7, Min: f(1), Max: f(5), Queries: []Query{
					{Expr: "rate(rtpengine_mos_total" + sel + "[$__rate_interval]) / rate(rtpengine_mos_samples_total" + sel + "[$__rate_interval])", Legend: "{{server}}"}},
					Thresholds: []Threshold{red, at(3.5, "yellow"), at(4, "green")}},
				{Title: "Closed sessions by reason", Kind: TimeSeries, Width: 8, Unit: "ops", Stack: true, Queries: []Query{
					{Expr: "sum by (server, reason) (" + rate("rtpengine_closed_sessions_total") + ")", Legend: "{{server}} {{reason}}"}}},
				{Title: "One-way and zero-packet sessions", Kind: TimeSeries, Width: 8, Unit: "ops", Queries: []Query{
					{Expr: rate("rtpengine_one_way_sessions_total"), Legend: "one-way {{server}}"},
					{Expr: rate("rtpengine_zero_packet_streams_total"), Legend: "no media {{server}}"}}},
				{Title: "Finished calls: MOS distribution", Kind: Heatmap, Width: 8, Description: "Average MOS of each SSRC of each finished call (ng query).",
					Queries: []Query{{Expr: `sum by (le) (increase(rtpengine_qos_mos_score_bucket{server=~"$server"}[$__rate_interval]))`, Legend: "{{le}}", Format: "heatmap"}}},
				{Title: "Media ports used", Kind: TimeSeries, Width: 12, Unit: "percentunit", Max: f(1), Queries: []Query{
					{Expr: "rtpengine_ports_used" + sel + " / rtpengine_ports" + sel, Legend: "{{server}} {{name}} {{address}}"}},
					Thresholds: []Threshold{green, at(0.9, "red")}},
				{Title: "Average call duration", Kind: TimeSeries, Width: 12, Unit: "s", Queries: []Query{
					{Expr: "rate(rtpengine_call_duration_seconds_total" + sel + "[$__rate_interval]) / rate(rtpengine_sessions_total" + sel + "[$__rate_interval])", Legend: "{{server}}"}}},
			}},
		},
	}
}
