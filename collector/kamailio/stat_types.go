package kamailio

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Kamailio's statistics carry no type on the wire: `stats.fetch all` gives
// a name and a number, nothing else (src/core/counters.c keeps one flag,
// CNT_F_NO_RESET, and no RPC reports it). STAT_NO_RESET does not make a
// gauge either: tsilo's total_ruris is no-reset and only grows, websocket's
// ws_current_connections is resettable and goes up and down. So a type is
// given only where the module's source shows what the number is — how it
// is updated (update_stat(+1) only: counter; +1 and -1, or set: gauge) —
// and every other statistic is exported untyped unless the instance's
// stat_types says otherwise.
//
// knownStats are the statistics, outside the groups stats_fetch.go maps
// to families of their own, that Kamailio 5.6.3's modules register
// (stat_export_t arrays, register_stat, counter_register), each typed from
// the line named beside it (paths under kamailio/src/modules/).
var knownStats = map[string]knownStat{
	// sst/sst.c:125; README §6.1 "Number of dialogs which got expired session timer"
	"sst.expired_sst": {prometheus.CounterValue, "sst/sst.c:125"},
	// siptrace/siptrace.c:702 update_stat(sto->stat, 1)
	"siptrace.traced_requests": {prometheus.CounterValue, "siptrace/siptrace.c:702"},
	"siptrace.traced_replies":  {prometheus.CounterValue, "siptrace/siptrace.c:702"},
	// sipcapture/sipcapture.c:1798 update_stat(sco->stat, 1)
	"sipcapture.captured_requests": {prometheus.CounterValue, "sipcapture/sipcapture.c:1798"},
	"sipcapture.captured_replies":  {prometheus.CounterValue, "sipcapture/sipcapture.c:1798"},
	// msilo/msilo.c:818, 1225, 1227, 1247, 1253: update_stat(…, 1) only
	"msilo.stored_messages":  {prometheus.CounterValue, "msilo/msilo.c:818"},
	"msilo.dumped_messages":  {prometheus.CounterValue, "msilo/msilo.c:1225"},
	"msilo.dumped_reminders": {prometheus.CounterValue, "msilo/msilo.c:1227"},
	"msilo.failed_reminders": {prometheus.CounterValue, "msilo/msilo.c:1247"},
	"msilo.failed_messages":  {prometheus.CounterValue, "msilo/msilo.c:1253"},
	// imc/imc.c:128 "active_rooms": rooms that exist now
	"imc.active_rooms": {prometheus.GaugeValue, "imc/imc.c:128"},
	// nat_traversal/nat_traversal.c:344-474: +1 and -1 (STAT_NO_RESET)
	"nat_traversal.keepalive_endpoints":  {prometheus.GaugeValue, "nat_traversal/nat_traversal.c:450,474"},
	"nat_traversal.registered_endpoints": {prometheus.GaugeValue, "nat_traversal/nat_traversal.c:397,405"},
	"nat_traversal.subscribed_endpoints": {prometheus.GaugeValue, "nat_traversal/nat_traversal.c:414,422"},
	"nat_traversal.dialog_endpoints":     {prometheus.GaugeValue, "nat_traversal/nat_traversal.c:344,356"},
	// tsilo/ts_hash.c:261-413, ts_append.c:88 (all STAT_NO_RESET): stored_* ±1, total_* and added_branches only grow
	"tsilo.stored_ruris":        {prometheus.GaugeValue, "tsilo/ts_hash.c:261,289"},
	"tsilo.stored_transactions": {prometheus.GaugeValue, "tsilo/ts_hash.c:346,413"},
	"tsilo.total_ruris":         {prometheus.CounterValue, "tsilo/ts_hash.c:262"},
	"tsilo.total_transactions":  {prometheus.CounterValue, "tsilo/ts_hash.c:347"},
	"tsilo.added_branches":      {prometheus.CounterValue, "tsilo/ts_append.c:88"},
	// http_async_client/http_multi.c:99-613: update_stat(…, 1) only (flagged STAT_NO_RESET)
	"http_async_client.requests": {prometheus.CounterValue, "http_async_client/http_multi.c:421"},
	"http_async_client.replies":  {prometheus.CounterValue, "http_async_client/http_multi.c:613"},
	"http_async_client.errors":   {prometheus.CounterValue, "http_async_client/http_multi.c:429"},
	"http_async_client.timeouts": {prometheus.CounterValue, "http_async_client/http_multi.c:99"},
	// http_client/http_client.c:263-267, functions.c:343-434
	"httpclient.connections": {prometheus.GaugeValue, "http_client/http_client.c:296"},
	"httpclient.connok":      {prometheus.CounterValue, "http_client/functions.c:432"},
	"httpclient.connfail":    {prometheus.CounterValue, "http_client/functions.c:343,434"},
	// pike/pike_funcs.c:52,137 counter_inc only
	"pike.blocked_ips": {prometheus.CounterValue, "pike/pike_funcs.c:137"},
	// uac/uac_reg.c:180-182, 589-2061: counter_inc and counter_add(…, -1): accounts now
	"uac.regtotal":    {prometheus.GaugeValue, "uac/uac_reg.c:589,663"},
	"uac.regactive":   {prometheus.GaugeValue, "uac/uac_reg.c:1077,1105"},
	"uac.regdisabled": {prometheus.GaugeValue, "uac/uac_reg.c:1068,1858"},
	// db_mysql/db_mysql.c:52 "incremented each time a Mysql error happened"
	"mysql.driver_errors": {prometheus.CounterValue, "db_mysql/db_mysql.c:52"},
	// websocket/websocket.c stats[], ws_conn.c:140-416 (current ±1, max_* a high-water mark),
	// ws_frame.c and ws_handshake.c (update_stat(…, 1) only)
	"websocket.ws_current_connections":             {prometheus.GaugeValue, "websocket/ws_conn.c:140,239"},
	"websocket.ws_sip_current_connections":         {prometheus.GaugeValue, "websocket/ws_conn.c:142,246"},
	"websocket.ws_msrp_current_connections":        {prometheus.GaugeValue, "websocket/ws_conn.c:144,252"},
	"websocket.ws_max_concurrent_connections":      {prometheus.GaugeValue, "websocket/ws_conn.c:243"},
	"websocket.ws_sip_max_concurrent_connections":  {prometheus.GaugeValue, "websocket/ws_conn.c:250"},
	"websocket.ws_msrp_max_concurrent_connections": {prometheus.GaugeValue, "websocket/ws_conn.c:256"},
	"websocket.ws_failed_connections":              {prometheus.CounterValue, "websocket/ws_frame.c:277"},
	"websocket.ws_local_closed_connections":        {prometheus.CounterValue, "websocket/ws_frame.c:347"},
	"websocket.ws_remote_closed_connections":       {prometheus.CounterValue, "websocket/ws_frame.c:353"},
	"websocket.ws_received_frames":                 {prometheus.CounterValue, "websocket/ws_frame.c:569"},
	"websocket.ws_transmitted_frames":              {prometheus.CounterValue, "websocket/ws_frame.c:288"},
	"websocket.ws_sip_failed_connections":          {prometheus.CounterValue, "websocket/ws_frame.c:279"},
	"websocket.ws_sip_local_closed_connections":    {prometheus.CounterValue, "websocket/ws_frame.c:349"},
	"websocket.ws_sip_remote_closed_connections":   {prometheus.CounterValue, "websocket/ws_frame.c:355"},
	"websocket.ws_sip_received_frames":             {prometheus.CounterValue, "websocket/ws_frame.c:628"},
	"websocket.ws_sip_transmitted_frames":          {prometheus.CounterValue, "websocket/ws_frame.c:293"},
	"websocket.ws_msrp_failed_connections":         {prometheus.CounterValue, "websocket/ws_frame.c:281"},
	"websocket.ws_msrp_local_closed_connections":   {prometheus.CounterValue, "websocket/ws_frame.c:351"},
	"websocket.ws_msrp_remote_closed_connections":  {prometheus.CounterValue, "websocket/ws_frame.c:357"},
	"websocket.ws_msrp_received_frames":            {prometheus.CounterValue, "websocket/ws_frame.c:657"},
	"websocket.ws_msrp_transmitted_frames":         {prometheus.CounterValue, "websocket/ws_frame.c:295"},
	"websocket.ws_failed_handshakes":               {prometheus.CounterValue, "websocket/ws_handshake.c:101"},
	"websocket.ws_successful_handshakes":           {prometheus.CounterValue, "websocket/ws_handshake.c:112,366,368"},
	"websocket.ws_sip_successful_handshakes":       {prometheus.CounterValue, "websocket/ws_handshake.c:112,366,368"},
	"websocket.ws_msrp_successful_handshakes":      {prometheus.CounterValue, "websocket/ws_handshake.c:112,366,368"},
}

type knownStat struct {
	typ prometheus.ValueType
	src string // where upstream shows the type
}

// ParseStatType reads a stat_types value: counter, gauge or untyped.
func ParseStatType(s string) (prometheus.ValueType, error) {
	switch s {
	case "counter":
		return prometheus.CounterValue, nil
	case "gauge":
		return prometheus.GaugeValue, nil
	case "untyped":
		return prometheus.UntypedValue, nil
	}
	return 0, fmt.Errorf("stat type %q: want counter, gauge or untyped", s)
}

func typeName(t prometheus.ValueType) string {
	switch t {
	case prometheus.CounterValue:
		return "counter"
	case prometheus.GaugeValue:
		return "gauge"
	}
	return "untyped"
}
