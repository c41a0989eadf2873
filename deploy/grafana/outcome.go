package grafana

// carriersRow is the "Carriers" row: call outcomes per gateway (outcome/, voip_call_*) of one source
// ("freeswitch", "asterisk"), for the instances the dashboard's $server selects. ASR = answered /
// attempts; NER (ITU-T E.425) counts busy, no answer and rejected as effective too; ACD = answered
// seconds / answered attempts; PDD: INVITE to the first 180/183 (or the answer).
func carriersRow(source string) Row {
	sel := func(extra string) string {
		s := `source="` + source + `",server=~"$server"`
		if extra != "" {
			s = extra + "," + s
		}
		return "{" + s + "}"
	}
	rate := func(metric, extra string) string {
		return "rate(" + metric + sel(extra) + "[$__rate_interval])"
	}
	byGW := func(expr string) string { return "sum by (gateway) (" + expr + ")" }
	attempts := byGW(rate("voip_call_attempts_total", ""))
	ratio := []Threshold{red, at(0.3, orange), at(0.5, "green")}
	return Row{Title: "Carriers", Panels: []Panel{
		{Title: "ASR by gateway", Kind: TimeSeries, Width: 8, Unit: "percentunit", Min: f(0), Max: f(1),
			Description: "Answer-seizure ratio: answered attempts / all attempts (gateway none: legs through no gateway).",
			Queries:     []Query{{Expr: byGW(rate("voip_call_attempts_total", `outcome="answered"`)) + " / " + attempts, Legend: "{{gateway}}"}},
			Thresholds:  ratio},
		{Title: "NER by gateway", Kind: TimeSeries, Width: 8, Unit: "percentunit", Min: f(0), Max: f(1),
			Description: "Network effectiveness ratio (ITU-T E.425): answered, busy, no answer and rejected attempts / all attempts; low when the network, not the called party, fails.",
			Queries:     []Query{{Expr: byGW(rate("voip_call_attempts_total", `outcome=~"answered|busy|no_answer|rejected"`)) + " / " + attempts, Legend: "{{gateway}}"}},
			Thresholds:  ratio},
		{Title: "Attempts by outcome", Kind: TimeSeries, Width: 8, Unit: "ops", Stack: true, Queries: []Query{
			{Expr: "sum by (gateway, outcome) (" + rate("voip_call_attempts_total", "") + ")", Legend: "{{gateway}} {{outcome}}"}}},
		{Title: "ACD by gateway", Kind: TimeSeries, Width: 8, Unit: "s", Description: "Average duration of the answered attempts (billsec).",
			Queries: []Query{{Expr: byGW(rate("voip_call_answered_duration_seconds_sum", "")) + " / " + byGW(rate("voip_call_answered_duration_seconds_count", "")), Legend: "{{gateway}}"}}},
		{Title: "PDD p50 and p90 by gateway", Kind: TimeSeries, Width: 8, Unit: "s", Description: "Post-dial delay: INVITE to the first 180/183 or early media, else to the answer.",
			Queries: []Query{
				{Expr: "histogram_quantile(0.5, sum by (gateway, le) (" + rate("voip_call_post_dial_delay_seconds_bucket", "") + "))", Legend: "p50 {{gateway}}"},
				{Expr: "histogram_quantile(0.9, sum by (gateway, le) (" + rate("voip_call_post_dial_delay_seconds_bucket", "") + "))", Legend: "p90 {{gateway}}"}},
			Thresholds: []Threshold{green, at(5, orange), at(10, "red")}},
		{Title: "SIP final responses by class", Kind: TimeSeries, Width: 8, Unit: "ops", Stack: true, Queries: []Query{
			{Expr: "sum by (gateway, class) (" + rate("voip_call_sip_final_responses_total", "") + ")", Legend: "{{gateway}} {{class}}"}}},
		{Title: "Top failure causes (time range)", Kind: Table, Width: 12, Description: "Unanswered attempts by hangup cause (Q.850 names), per gateway.",
			Queries: []Query{{Expr: "topk(10, sum by (gateway, cause) (increase(voip_call_failures_total" + sel("") + "[$__range])))", Format: "table", Instant: true}}},
		{Title: "Top SIP failure codes (time range)", Kind: Table, Width: 12,
			Queries: []Query{{Expr: `topk(10, sum by (gateway, code) (increase(voip_call_sip_final_responses_total` + sel(`class!="2xx"`) + "[$__range])))", Format: "table", Instant: true}}},
	}}
}
