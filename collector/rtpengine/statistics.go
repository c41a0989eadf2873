package rtpengine

import (
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ng"
)

// The ng `statistics` reply is built by statistics_ng() from the same
// statistics_gather_metrics() list as rtpengine's HTTP /metrics
// (daemon/statistics.c, daemon/websocket.c websocket_http_metrics in
// mr10.5.3.5), so this collector exports the figures of that endpoint under
// its names and labels, without needing --listen-http. Where rtpengine's name
// lacks its unit (call_duration_total, call_duration2_total) we add it; its
// per-second rates, averages and standard deviations are left out: PromQL
// derives them from the counters.
var (
	statSessions    = newDesc("sessions", "Sessions up now (type=own: handled here; foreign: learnt from a peer through Redis). rtpengine's sessionsown/sessionsforeign.", "type")
	statTranscoded  = newDesc("transcoded_media", "Media streams being transcoded now. rtpengine's transcodedmedia.")
	statStreams     = newDesc("mediastreams", "Media streams up now by where they are relayed (userspace, kernel, mixed). rtpengine's media_userspace/_kernel/_mixed.", "type")
	statUptime      = newDesc("uptime_seconds", "Time since rtpengine started.")
	statManaged     = newDesc("sessions_total", "Sessions rtpengine handled and closed (managedsessions; running sessions are not included).")
	statClosed      = newDesc("closed_sessions_total", "Sessions closed, by reason: rejected, timeout, silent_timeout, final_timeout, offer_timeout, terminated (delete), force_terminated.", "reason")
	statPackets     = newDesc("packets_total", "RTP/RTCP packets relayed, by where (userspace, kernel). rtpengine's relayedpackets_user/_kernel.", "type")
	statPacketErrs  = newDesc("packet_errors_total", "Packets that could not be relayed, by where (userspace, kernel). rtpengine's relayedpacketerrors_user/_kernel.", "type")
	statBytes       = newDesc("bytes_total", "Bytes relayed, by where (userspace, kernel). rtpengine's relayedbytes_user/_kernel.", "type")
	statZeroWay     = newDesc("zero_packet_streams_total", "Closed sessions in which no packet was relayed either way (zerowaystreams).")
	statOneWay      = newDesc("one_way_sessions_total", "Closed sessions whose media flowed one way only (onewaystreams).")
	statDuration    = newDesc("call_duration_seconds_total", "Summed duration of the closed sessions (totalcallsduration). rtpengine's call_duration_total.")
	statDuration2   = newDesc("call_duration_seconds_squared_total", "Summed squared duration of the closed sessions, in s² (totalcallsduration2; for the standard deviation). rtpengine's call_duration2_total.")
	statMOS         = newDesc("mos_total", "Sum of every MOS rtpengine computed from an RTCP report (mos_total); divide by rtpengine_mos_samples_total for the average.")
	statMOS2        = newDesc("mos2_total", "Sum of the squares of those MOS values (mos2_total).")
	statMOSSamples  = newDesc("mos_samples_total", "MOS values rtpengine computed from RTCP reports (mos_samples_total).")
	statRequests    = newDesc("requests_total", "ng commands received, by control client (proxy address) and command.", "proxy", "request")
	statRequestSecs = newDesc("request_seconds_total", "Time spent processing ng commands, by control client and command.", "proxy", "request")
	statProxyErrs   = newDesc("errors_total", "ng commands answered with an error, by control client.", "proxy")
	statPortsUsed   = newDesc("ports_used", "Media ports in use on one local interface.", "name", "address")
	statPortsFree   = newDesc("ports_free", "Media ports free on one local interface.", "name", "address")
	statPorts       = newDesc("ports", "Media ports configured on one local interface (port-min to port-max).", "name", "address")
	statTranscoders = newDesc("transcoders", "Transcoders running now, by codec chain.", "chain")
	statTcPackets   = newDesc("transcode_packets_total", "Packets fed to transcoders, by codec chain.", "chain")
	statTcBytes     = newDesc("transcode_bytes_total", "Bytes fed to transcoders, by codec chain.", "chain")
	statTcSamples   = newDesc("transcode_samples_total", "PCM samples produced by transcoders, by codec chain.", "chain")
)

// maxLabelValues bounds the proxies, interfaces and codec chains exported
// per scrape together, 64 of each on average (each is a label value).
const maxLabelValues = 64

// ngCommands maps the short names of the per-proxy counters (offercount,
// startreccount…) to the command names rtpengine's /metrics uses as the
// request label (control_ng.c: ng_command_strings_short, ng_command_strings).
var ngCommands = map[string]string{
	"ping": "ping", "offer": "offer", "answer": "answer", "delete": "delete", "query": "query", "list": "list",
	"startrec": "start recording", "stoprec": "stop recording", "startfwd": "start forwarding",
	"stopfwd": "stop forwarding", "blkdtmf": "block DTMF", "unblkdtmf": "unblock DTMF",
	"blkmedia": "block media", "unblkmedia": "unblock media", "playmedia": "play media",
	"stopmedia": "stop media", "playdtmf": "play DTMF", "stats": "statistics", "slnmedia": "silence media",
	"unslnmedia": "unsilence media", "pub": "publish", "subreq": "subscribe request",
	"subans": "subscribe answer", "unsub": "unsubscribe",
}

type statistics struct{}

func (*statistics) Name() string { return "statistics" }
func (*statistics) Help() string {
	return "ng statistics: sessions, streams, packets, bytes, errors, closed sessions, MOS sums, ports"
}
func (*statistics) Default() bool { return true }

func (*statistics) Scrape(ctx context.Context, c Caller, ch chan<- prometheus.Metric) error {
	reply, err := c.Call(ctx, "statistics", nil)
	if err != nil {
		return err
	}
	sendStatistics(reply.Dict("statistics"), ch)
	return nil
}

// sendStatistics exports one statistics dictionary; figures it lacks (an
// older or newer rtpengine) are left out.
func sendStatistics(st ng.Dict, ch chan<- prometheus.Metric) {
	send := func(d ng.Dict, key string, desc *prometheus.Desc, t prometheus.ValueType, labels ...string) {
		if v, ok := d.Number(key); ok {
			ch <- prometheus.MustNewConstMetric(desc, t, v, labels...)
		}
	}
	cur := st.Dict("currentstatistics")
	send(cur, "sessionsown", statSessions, prometheus.GaugeValue, "own")
	send(cur, "sessionsforeign", statSessions, prometheus.GaugeValue, "foreign")
	send(cur, "transcodedmedia", statTranscoded, prometheus.GaugeValue)
	send(cur, "media_userspace", statStreams, prometheus.GaugeValue, "userspace")
	send(cur, "media_kernel", statStreams, prometheus.GaugeValue, "kernel")
	send(cur, "media_mixed", statStreams, prometheus.GaugeValue, "mixed")

	tot := st.Dict("totalstatistics")
	send(tot, "uptime", statUptime, prometheus.GaugeValue)
	send(tot, "managedsessions", statManaged, prometheus.CounterValue)
	for _, r := range [...]struct{ key, reason string }{
		{"rejectedsessions", "rejected"}, {"timeoutsessions", "timeout"},
		{"silenttimeoutsessions", "silent_timeout"}, {"finaltimeoutsessions", "final_timeout"},
		{"offertimeoutsessions", "offer_timeout"}, {"regularterminatedsessions", "terminated"},
		{"forcedterminatedsessions", "force_terminated"},
	} {
		send(tot, r.key, statClosed, prometheus.CounterValue, r.reason)
	}
	for _, w := range [...]struct{ suffix, label string }{{"_user", "userspace"}, {"_kernel", "kernel"}} {
		send(tot, "relayedpackets"+w.suffix, statPackets, prometheus.CounterValue, w.label)
		send(tot, "relayedpacketerrors"+w.suffix, statPacketErrs, prometheus.CounterValue, w.label)
		send(tot, "relayedbytes"+w.suffix, statBytes, prometheus.CounterValue, w.label)
	}
	send(tot, "zerowaystreams", statZeroWay, prometheus.CounterValue)
	send(tot, "onewaystreams", statOneWay, prometheus.CounterValue)
	send(tot, "totalcallsduration", statDuration, prometheus.CounterValue)
	send(tot, "totalcallsduration2", statDuration2, prometheus.CounterValue)

	mos := st.Dict("mos")
	send(mos, "mos_total", statMOS, prometheus.CounterValue)
	send(mos, "mos2_total", statMOS2, prometheus.CounterValue)
	send(mos, "mos_samples_total", statMOSSamples, prometheus.CounterValue)

	// A label value seen twice would make the scrape fail as a whole.
	seen := map[string]bool{}
	first := func(kind string, v ...string) bool {
		k := kind + "\x00" + strings.Join(v, "\x00")
		if seen[k] || len(seen) >= 3*maxLabelValues {
			return false
		}
		seen[k] = true
		return true
	}
	for _, p := range st.Dict("controlstatistics").List("proxies") {
		px, _ := p.(ng.Dict)
		proxy := px.String("proxy")
		if px == nil || !first("proxy", proxy) {
			continue
		}
		for key := range px {
			short, ok := strings.CutSuffix(key, "count")
			if !ok {
				continue
			}
			if short == "error" {
				send(px, key, statProxyErrs, prometheus.CounterValue, proxy)
				continue
			}
			cmd, known := ngCommands[short]
			if !known {
				cmd = short // a command newer than this table
			}
			send(px, key, statRequests, prometheus.CounterValue, proxy, cmd)
			send(px, short+"duration", statRequestSecs, prometheus.CounterValue, proxy, cmd)
		}
	}

	for _, it := range st.List("interfaces") {
		in, _ := it.(ng.Dict)
		name, addr, ports := in.String("name"), in.String("address"), in.Dict("ports")
		if in == nil || !first("interface", name, addr) {
			continue
		}
		send(ports, "used", statPortsUsed, prometheus.GaugeValue, name, addr)
		send(ports, "free", statPortsFree, prometheus.GaugeValue, name, addr)
		send(ports, "totals", statPorts, prometheus.GaugeValue, name, addr)
	}

	for _, it := range st.List("transcoders") {
		tc, _ := it.(ng.Dict)
		chain := tc.String("chain")
		if tc == nil || !first("chain", chain) {
			continue
		}
		send(tc, "num", statTranscoders, prometheus.GaugeValue, chain)
		send(tc, "packets", statTcPackets, prometheus.CounterValue, chain)
		send(tc, "bytes", statTcBytes, prometheus.CounterValue, chain)
		send(tc, "samples", statTcSamples, prometheus.CounterValue, chain)
	}
}
