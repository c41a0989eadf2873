package grafana

func init() { sourceDashboards["asterisk-vicidial.json"] = asteriskViciDial }

// asteriskViciDial follows seed 004's suggested layout (§9.11): fleet
// overview, calls and agents, trunks, RTP quality, agents, codecs, phone
// fleet, security — in base units.
func asteriskViciDial() Dashboard {
	sel := `{server=~"$server"}`
	return Dashboard{
		UID: "voip-asterisk-vicidial", Title: "Asterisk and ViciDial",
		Description: "Asterisk (AMI or asterisk -rx), ViciDial agents and queues, fail2ban (voip_exporter).",
		Tags:        []string{"voip", "asterisk", "vicidial", "voip_exporter"},
		Variables:   []Variable{{Name: "server", Label: "Server", Metric: "voip_exporter_scrapes_total"}},
		Rows: []Row{
			{Title: "Fleet overview", Panels: []Panel{
				{Title: "Total active calls", Kind: Stat, Width: 5, Queries: []Query{{Expr: "sum(asterisk_active_calls" + sel + ")"}},
					Thresholds: []Threshold{green, at(50, "yellow"), at(100, "red")}},
				{Title: "Agents online", Kind: Stat, Width: 5, Queries: []Query{{Expr: "sum(vicidial_agents_logged_in" + sel + ")"}},
					Thresholds: []Threshold{red, at(1, "yellow"), at(5, "green")}},
				{Title: "Trunks down", Kind: Stat, Width: 5, Queries: []Query{{Expr: `(count(max without (instance) (asterisk_sip_peer_up{server=~"$server"}) == 0) or vector(0)) + (count(max without (instance) (asterisk_pjsip_endpoint_up{server=~"$server"}) == 0) or vector(0))`}},
					Thresholds: []Threshold{green, at(1, "yellow"), at(2, "red")}},
				{Title: "Calls in queue", Kind: Stat, Width: 5, Queries: []Query{{Expr: "sum(vicidial_queue_depth" + sel + ")"}},
					Thresholds: []Threshold{green, at(5, "yellow"), at(10, "red")}},
				{Title: "Missing recordings (1 h)", Kind: Stat, Width: 4, Queries: []Query{{Expr: "sum(vicidial_recordings_missing" + sel + ")"}},
					Thresholds: []Threshold{green, at(1, "yellow"), at(5, "red")}},
			}},
			{Title: "Calls and agents", Panels: []Panel{
				{Title: "Calls, channels and agents", Kind: TimeSeries, Width: 24, Queries: []Query{
					{Expr: "asterisk_active_calls" + sel, Legend: "{{server}} calls"},
					{Expr: "asterisk_active_channels" + sel, Legend: "{{server}} channels"},
					{Expr: "vicidial_agents_incall" + sel, Legend: "{{server}} agents in call"},
					{Expr: "vicidial_agents_waiting" + sel, Legend: "{{server}} agents waiting"},
					{Expr: "vicidial_agents_paused" + sel, Legend: "{{server}} agents paused"}}},
			}},
			{Title: "SIP trunks", Panels: []Panel{
				{Title: "Trunk status", Kind: StateTime, Width: 12, Min: f(0), Max: f(1), Queries: []Query{
					{Expr: "asterisk_sip_peer_up" + sel, Legend: "{{server}} {{peer}}"},
					{Expr: "asterisk_pjsip_endpoint_up" + sel, Legend: "{{server}} {{endpoint}}"}},
					Thresholds: []Threshold{red, at(1, "green")}},
				{Title: "Trunk latency", Kind: TimeSeries, Width: 12, Unit: "s", Queries: []Query{
					{Expr: "asterisk_sip_peer_latency_seconds" + sel, Legend: "{{server}} {{peer}}"},
					{Expr: "asterisk_pjsip_contact_rtt_seconds" + sel, Legend: "{{server}} {{aor}}"}},
					Thresholds: []Threshold{green, at(0.05, "yellow"), at(0.1, "red")}},
			}},
			{Title: "RTP quality", Panels: []Panel{
				{Title: "Max packet loss", Kind: "gauge", Width: 8, Unit: "percentunit", Min: f(0), Max: f(0.1),
					Queries:    []Query{{Expr: "max(asterisk_rtp_packet_loss_ratio" + sel + ")"}},
					Thresholds: []Threshold{green, at(0.005, "yellow"), at(0.02, "red")}},
				{Title: "Max jitter", Kind: "gauge", Width: 8, Unit: "s", Min: f(0), Max: f(0.1),
					Queries:    []Query{{Expr: "max(asterisk_rtp_jitter_seconds" + sel + ")"}},
					Thresholds: []Threshold{green, at(0.02, "yellow"), at(0.05, "red")}},
				{Title: "Max RTT", Kind: "gauge", Width: 8, Unit: "s", Min: f(0), Max: f(0.5),
					Queries:    []Query{{Expr: "max(max(asterisk_rtp_rtt_seconds" + sel + ") or max(asterisk_rtcp_rtt_seconds" + sel + "))"}},
					Thresholds: []Threshold{green, at(0.15, "yellow"), at(0.3, "red")}},
				{Title: "Packet loss by peer", Kind: TimeSeries, Width: 24, Unit: "percentunit", Queries: []Query{
					{Expr: "asterisk_rtp_packet_loss_ratio" + sel, Legend: "{{server}} {{peer}} {{direction}}"}}},
			}},
			{Title: "Agents", Panels: []Panel{
				{Title: "In-call duration", Kind: "bargauge", Width: 12, Unit: "s",
					Queries:    []Query{{Expr: "sort_desc(vicidial_agent_incall_duration_seconds" + sel + ")", Legend: "{{agent}}", Instant: true}},
					Thresholds: []Threshold{green, at(600, "yellow"), at(1800, "red")}},
				{Title: "Pause duration", Kind: "bargauge", Width: 12, Unit: "s",
					Queries:    []Query{{Expr: "sort_desc(vicidial_agent_pause_duration_seconds" + sel + ")", Legend: "{{agent}}", Instant: true}},
					Thresholds: []Threshold{green, at(900, "yellow"), at(2700, "red")}},
				{Title: "Pause codes", Kind: Table, Width: 12, Queries: []Query{{Expr: "vicidial_agents_paused_by_code" + sel, Format: "table", Instant: true}}},
				{Title: "Queue depth by in-group", Kind: TimeSeries, Width: 12, Queries: []Query{
					{Expr: "vicidial_queue_depth" + sel, Legend: "{{server}} {{ingroup}}"}}},
				{Title: "Campaign drop ratio", Kind: TimeSeries, Width: 24, Unit: "percentunit", Queries: []Query{
					{Expr: "vicidial_campaign_drop_ratio" + sel, Legend: "{{server}} {{campaign}}"},
					{Expr: "vicidial_campaign_drop_limit_ratio" + sel, Legend: "{{server}} {{campaign}} limit"}}},
			}},
			{Title: "Codecs and transcoding", Panels: []Panel{
				{Title: "Active codecs", Kind: "piechart", Width: 8, Queries: []Query{{Expr: "sum by (codec) (asterisk_channels_by_codec" + sel + ")", Legend: "{{codec}}"}}},
				{Title: "Transcoding channels", Kind: Stat, Width: 8, Queries: []Query{{Expr: "sum(asterisk_transcoding_channels" + sel + ")"}},
					Thresholds: []Threshold{green, at(1, "yellow"), at(10, "red")}},
				{Title: "Codec mismatches", Kind: Table, Width: 8, Queries: []Query{{Expr: "asterisk_codec_mismatch" + sel + " > 0", Format: "table", Instant: true}}},
			}},
			{Title: "Phone fleet", Panels: []Panel{
				{Title: "Fleet state (0 offline, 1 idle, 2 in call)", Kind: StateTime, Width: 24, Height: 10, Min: f(0), Max: f(2),
					Queries:    []Query{{Expr: "asterisk_phone_fleet_state" + sel, Legend: "Ext {{peer}}"}},
					Thresholds: []Threshold{red, at(1, "yellow"), at(2, "green")}},
				{Title: "Registered", Kind: Stat, Width: 8, Queries: []Query{{Expr: "sum(asterisk_phone_fleet_registered" + sel + ")"}}},
				{Title: "In call", Kind: Stat, Width: 8, Queries: []Query{{Expr: "sum(asterisk_phone_fleet_incall" + sel + ")"}}},
				{Title: "Phones", Kind: Stat, Width: 8, Queries: []Query{{Expr: "sum(asterisk_phone_fleet_phones" + sel + ")"}}},
			}},
			carriersRow("asterisk"), // outcome.go: trunks of AMI Dial events
			operationsRow(sel),
			{Title: "Security", Panels: []Panel{
				{Title: "Active fail2ban bans", Kind: TimeSeries, Width: 12, Queries: []Query{
					{Expr: "fail2ban_active_bans" + sel, Legend: "{{server}} {{jail}}"}}},
				{Title: "Ban totals", Kind: Table, Width: 12, Queries: []Query{{Expr: "fail2ban_bans_total" + sel, Format: "table", Instant: true}}},
			}},
		},
	}
}
