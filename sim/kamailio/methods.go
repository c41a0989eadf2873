package kamailio

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/voip-exporter/voip_exporter/binrpc"
)

// method is one RPC method: the module that exports it and its reply.
type method struct {
	module string
	fn     func(st *State, e *binrpc.Encoder, args []binrpc.Value, now time.Time) (int, string)
}

// methods lists what the simulator answers, with Kamailio 5.6.3's layouts
// (testdata/kamailio/binrpc, testdata/kamailio/local).
var methods map[string]method

func init() {
	methods = map[string]method{
		"core.version":         {"core", coreVersion},
		"core.uptime":          {"core", coreUptime},
		"core.runinfo":         {"core", coreRuninfo},
		"core.shmmem":          {"core", coreShmmem},
		"core.tcp_info":        {"core", coreTCPInfo},
		"core.psa":             {"core", corePSA},
		"system.listMethods":   {"core", listMethods},
		"pkg.stats":            {"kex", pkgStats},
		"stats.fetch":          {"kex", statsFetch},
		"tm.stats":             {"tm", tmStats},
		"sl.stats":             {"sl", slStats},
		"dispatcher.list":      {"dispatcher", dispatcherList},
		"dlg.stats_active":     {"dialog", dlgStatsActive},
		"dlg.profile_get_size": {"dialog", dlgProfileGetSize},
		"htable.listTables":    {"htable", htableListTables},
		"htable.stats":         {"htable", htableStats},
		"rtpengine.show":       {"rtpengine", rtpengineShow},
		"tls.info":             {"tls", tlsInfo},
	}
}

// ctime formats like C's ctime() without the newline, as Kamailio prints.
func ctime(t time.Time) string { return t.Format("Mon Jan _2 15:04:05 2006") }

func member(e *binrpc.Encoder, name string, v int32) { e.Member(name).Int(v) }

func coreVersion(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	e.Str("kamailio " + st.Version + " (x86_64/linux) ")
	return 0, ""
}

func uptime(st *State, now time.Time) int32 { return int32(now.Sub(st.Started) / time.Second) }

func coreUptime(st *State, e *binrpc.Encoder, _ []binrpc.Value, now time.Time) (int, string) {
	e.StructStart()
	e.Member("now").Str(ctime(now))
	e.Member("up_since").Str(ctime(st.Started))
	member(e, "uptime", uptime(st, now))
	e.StructEnd()
	return 0, ""
}

func coreRuninfo(st *State, e *binrpc.Encoder, _ []binrpc.Value, now time.Time) (int, string) {
	up := uptime(st, now)
	e.StructStart()
	e.Member("name").Str("kamailio")
	e.Member("version").Str(st.Version)
	e.Member("sourceid").Str(st.SourceID)
	e.Member("compiler").Str(st.Compiler)
	e.Member("compiled").Str(st.Compiled)
	e.Member("time_now").Str(ctime(now))
	e.Member("time_started").Str(ctime(st.Started))
	member(e, "uptime_secs", up)
	e.Member("utime_days").Str(strconv.Itoa(int(up/86400)) + "d " + strconv.Itoa(int(up%86400/3600)) + "h " +
		strconv.Itoa(int(up%3600/60)) + "m " + strconv.Itoa(int(up%60)) + "s")
	e.StructEnd()
	return 0, ""
}

func coreShmmem(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	e.StructStart()
	member(e, "total", st.ShmTotal)
	member(e, "free", st.ShmFree)
	member(e, "used", st.ShmUsed)
	member(e, "real_used", st.ShmRealUsed)
	member(e, "max_used", st.ShmMaxUsed)
	member(e, "fragments", st.ShmFrags)
	e.StructEnd()
	return 0, ""
}

func coreTCPInfo(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	e.StructStart()
	member(e, "readers", st.TCPReaders)
	member(e, "max_connections", st.TCPMax)
	member(e, "max_tls_connections", st.TLSMax)
	member(e, "opened_connections", st.TCPOpened)
	member(e, "opened_tls_connections", st.TLSOpened)
	member(e, "write_queued_bytes", st.TCPWriteQueued)
	e.StructEnd()
	return 0, ""
}

func corePSA(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	for i, p := range st.Procs {
		e.StructStart()
		member(e, "index", int32(i))
		member(e, "pid", p.PID)
		member(e, "status", 1)
		member(e, "rank", p.Rank)
		e.Member("description").Str(p.Desc)
		e.StructEnd()
	}
	return 0, ""
}

func pkgStats(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	for i, p := range st.Procs {
		e.StructStart()
		member(e, "entry", int32(i))
		member(e, "pid", p.PID)
		member(e, "rank", p.Rank)
		member(e, "used", p.Used)
		member(e, "free", p.Free)
		member(e, "real_used", p.RealUsed)
		member(e, "total_size", p.TotalSize)
		member(e, "total_frags", p.Frags)
		e.Member("desc").Str(p.Desc)
		e.StructEnd()
	}
	return 0, ""
}

func listMethods(_ *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	names := make([]string, 0, len(methods))
	for n := range methods {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		e.Str(n)
	}
	return 0, ""
}

// statsFetch answers "all", "group:" (a whole group) or one "group.name";
// like Kamailio, stats.fetch sends every number as a string.
func statsFetch(st *State, e *binrpc.Encoder, args []binrpc.Value, _ time.Time) (int, string) {
	if len(args) == 0 {
		return 500, "Not enough parameters"
	}
	want := args[0].Str()
	e.StructStart()
	for _, s := range st.Stats {
		group, _, _ := strings.Cut(s.Name, ".")
		if want == "all" || want == group+":" || want == s.Name {
			e.Member(s.Name).Str(strconv.FormatInt(s.Value, 10))
		}
	}
	e.StructEnd()
	return 0, ""
}

func tmStats(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	t := st.TM
	e.StructStart()
	member(e, "current", t.Current)
	member(e, "waiting", t.Waiting)
	member(e, "total", t.Total)
	member(e, "total_local", t.TotalLocal)
	member(e, "rpl_received", t.RplReceived)
	member(e, "rpl_generated", t.RplGenerated)
	member(e, "rpl_sent", t.RplSent)
	member(e, "6xx", t.C6xx)
	member(e, "5xx", t.C5xx)
	member(e, "4xx", t.C4xx)
	member(e, "3xx", t.C3xx)
	member(e, "2xx", t.C2xx)
	member(e, "created", t.Created)
	member(e, "freed", t.Freed)
	member(e, "delayed_free", t.DelayedFree)
	e.StructEnd()
	return 0, ""
}

func slStats(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	e.StructStart()
	for _, s := range st.SL {
		member(e, s.Name, int32(s.Value))
	}
	e.StructEnd()
	return 0, ""
}

func nullStr(e *binrpc.Encoder, name, v string) {
	if v == "" {
		v = "<null string>"
	}
	e.Member(name).Str(v)
}

func dispatcherList(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	if len(st.Sets) == 0 {
		return 404, "No destination sets"
	}
	e.StructStart()
	member(e, "NRSETS", int32(len(st.Sets)))
	e.Member("RECORDS").StructStart()
	for _, set := range st.Sets {
		e.Member("SET").StructStart()
		member(e, "ID", set.ID)
		e.Member("TARGETS").StructStart()
		for _, t := range set.Targets {
			e.Member("DEST").StructStart()
			e.Member("URI").Str(t.URI)
			e.Member("FLAGS").Str(t.Flags)
			member(e, "PRIORITY", t.Priority)
			e.Member("ATTRS").StructStart()
			nullStr(e, "BODY", t.Body)
			nullStr(e, "DUID", "")
			member(e, "MAXLOAD", t.MaxLoad)
			member(e, "WEIGHT", t.Weight)
			member(e, "RWEIGHT", t.RWeight)
			nullStr(e, "SOCKET", "")
			nullStr(e, "SOCKNAME", "")
			nullStr(e, "OBPROXY", "")
			e.StructEnd()
			if st.LatencyStats {
				e.Member("LATENCY").StructStart()
				e.Member("AVG").Double(t.LatAvg)
				e.Member("STD").Double(t.LatStd)
				e.Member("EST").Double(t.LatEst)
				member(e, "MAX", t.LatMax)
				member(e, "TIMEOUT", t.LatTimeout)
				e.StructEnd()
			}
			e.StructEnd()
		}
		e.StructEnd()
		e.StructEnd()
	}
	e.StructEnd()
	e.StructEnd()
	return 0, ""
}

func dlgStatsActive(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	e.StructStart()
	member(e, "starting", st.DlgStarting)
	member(e, "connecting", st.DlgConnecting)
	member(e, "answering", st.DlgAnswering)
	member(e, "ongoing", st.DlgOngoing)
	member(e, "all", st.DlgStarting+st.DlgConnecting+st.DlgAnswering+st.DlgOngoing)
	e.StructEnd()
	return 0, ""
}

func dlgProfileGetSize(st *State, e *binrpc.Encoder, args []binrpc.Value, _ time.Time) (int, string) {
	if len(args) == 0 {
		return 400, "error at parameter 0: expected string type but end of packet reached"
	}
	name := args[0].Str()
	for _, p := range st.Profiles {
		if p.Name == name {
			e.Int(int32(p.Value))
			return 0, ""
		}
	}
	return 404, "Profile not found: " + name
}

func htableListTables(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	for _, h := range st.HTables {
		e.StructStart()
		e.Member("name").Str(h.Name)
		e.Member("dbtable").Str(h.DBTable)
		member(e, "dbmode", h.DBMode)
		member(e, "expire", h.Expire)
		member(e, "updateexpire", h.UpdateExpire)
		member(e, "size", 1<<h.Log2)
		member(e, "dmqreplicate", h.DMQReplicate)
		e.StructEnd()
	}
	return 0, ""
}

func htableStats(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	for _, h := range st.HTables {
		e.StructStart()
		e.Member("name").Str(h.Name)
		member(e, "slots", 1<<h.Log2)
		member(e, "all", h.Items)
		member(e, "min", h.Min)
		member(e, "max", h.Max)
		e.StructEnd()
	}
	return 0, ""
}

func rtpengineShow(st *State, e *binrpc.Encoder, args []binrpc.Value, _ time.Time) (int, string) {
	if len(args) == 0 {
		return 500, "Not enough parameters"
	}
	want := args[0].Str()
	found := false
	for _, r := range st.RTPEngines {
		if want != "all" && want != r.URL {
			continue
		}
		found = true
		e.StructStart()
		e.Member("url").Str(r.URL)
		member(e, "set", r.Set)
		member(e, "index", r.Index)
		member(e, "weight", r.Weight)
		disabled := int32(0)
		if r.Disabled {
			disabled = 1
		}
		member(e, "disabled", disabled)
		member(e, "recheck_ticks", r.RecheckTicks)
		e.StructEnd()
	}
	if !found && want != "all" {
		return 404, "Instance not found"
	}
	return 0, ""
}

func tlsInfo(st *State, e *binrpc.Encoder, _ []binrpc.Value, _ time.Time) (int, string) {
	e.StructStart()
	member(e, "max_connections", st.TLS.MaxConnections)
	member(e, "opened_connections", st.TLS.OpenedConnections)
	member(e, "clear_text_write_queued_bytes", st.TLS.ClearTextWriteQueuedBytes)
	e.StructEnd()
	return 0, ""
}
