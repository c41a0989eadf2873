package kamailio

import (
	"context"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// stats.fetch all: every statistic of every module, one family per meaning.
// Names are seed 003's where it had one (kamailio_core_rcv_request_total…),
// fixed where it broke a rule. Kamailio sends no types: each family below
// is a counter or a gauge by how its module updates it (the source named
// in docs/kamailio.md), not by a flag or a name; statistics of the script
// and of modules outside stat_types.go's table are untyped unless the
// instance's stat_types types them.
var (
	sfCoreRequest = newDesc("core", "request_total",
		"Requests received (rcv), forwarded (fwd), dropped (drop) or failed (err) (stats.fetch core.*_requests). Seed 003: same name.", "method")
	sfCoreRcvRequest = newDesc("core", "rcv_request_total",
		"Requests received by method; unsupported = core.unsupported_methods (stats.fetch core.rcv_requests_*). Seed 003: same name.", "method")
	sfCoreReply = newDesc("core", "reply_total",
		"Replies received (rcv), forwarded (fwd), dropped (drop) or failed (err) (stats.fetch core.*_replies). Seed 003: same name.", "type")
	sfCoreRcvReply = newDesc("core", "rcv_reply_total",
		"Replies received by code or class (stats.fetch core.rcv_replies_*). Seed 003: same name.", "code")
	sfCoreRcvReplyMethod = newDesc("core", "rcv_reply_method_total",
		"Replies received by class and by the method of their request (stats.fetch core.rcv_replies_<class>_<method>). New; not in seed 003.", "code", "method")
	sfBadURI = newDesc("", "bad_uri_total",
		"Messages with a bad URI (stats.fetch core.bad_URIs_rcvd). Seed 003: same name.")
	sfBadMsgHdr = newDesc("", "bad_msg_hdr_total",
		"Messages with a bad header (stats.fetch core.bad_msg_hdr). Seed 003: kamailio_bad_msg_hdr (a counter without _total).")
	sfDNSFailed = newDesc("dns", "failed_request_total",
		"Failed DNS requests (stats.fetch dns.failed_dns_request). Seed 003: same name.")
	sfDNSSlow = newDesc("dns", "slow_request_total",
		"DNS requests slower than dns_slow_query_ms (stats.fetch dns.slow_dns_request). New; not in seed 003.")
	sfShmBytes = newDesc("shm", "bytes",
		"Shared memory: total, free, used, real_used, max_used (stats.fetch shmem.*_size, or core.shmmem). Seed 003: same name; seed 002: core.shmmem.", "type")
	sfShmFragments = newDesc("shm", "fragments",
		"Shared memory fragments (stats.fetch shmem.fragments, or core.shmmem). Seed 003: same name.")
	sfTCPConnections = newDesc("tcp", "connections",
		"Open TCP connections (stats.fetch tcp.current_opened_connections, or core.tcp_info). Seed 003: same name.")
	sfTCPWriteQueue = newDesc("tcp", "writequeue_bytes",
		"Bytes queued for writing on TCP connections (stats.fetch tcp.current_write_queue_size, or core.tcp_info). Seed 003: kamailio_tcp_writequeue.")
	sfTCPTotal = newDesc("tcp", "total",
		"TCP connection events: established, passive_open, connect_success, connect_failed, local_reject, con_timeout, con_reset, send_timeout, sendq_full (stats.fetch tcp.*). Seed 003: same name.", "type")
	sfSLReply = newDesc("sl", "reply_total",
		"Stateless replies sent by code or class (stats.fetch sl.*_replies). Seed 003: same name; seed 002: kamailio_sl_stats_codes_total (sl.stats).", "code")
	sfSLType = newDesc("sl", "type_total",
		"Stateless replies by kind: sent_reply, sent_err_reply, failure, received_ack, xxx_reply (stats.fetch sl.*). Seed 003: same name.", "type")
	sfTMXCode = newDesc("tmx", "code_total",
		"Transactions completed by reply class (stats.fetch tmx.*xx_transactions). Seed 003: same name; seed 002: kamailio_tm_stats_codes_total (tm.stats).", "code")
	sfTMXType = newDesc("tmx", "type_total",
		"Transactions created as UAS (received) or UAC (sent) (stats.fetch tmx.UA*_transactions). Seed 003: same name.", "type")
	sfTMX = newDesc("", "tmx",
		"Transactions now: active, inuse (stats.fetch tmx.active_transactions, tmx.inuse_transactions). Seed 003: same name.", "type")
	sfTMXRpl = newDesc("tmx", "rpl_total",
		"Replies handled by tm: received, relayed, absorbed, generated, sent (stats.fetch tmx.rpl_*). Seed 003: same name; seed 002: kamailio_tm_stats_rpl_*_total (tm.stats).", "type")
	sfDialog = newDesc("", "dialog",
		"Dialogs now: active, early (stats.fetch dialog.active_dialogs, dialog.early_dialogs). Seed 003: same name (it typed them as counters).", "type")
	sfDialogTotal = newDesc("dialog", "total",
		"Dialogs ended by kind: processed, expired, failed (stats.fetch dialog.*_dialogs). Seed 003: kamailio_dialog (as gauges).", "type")
	sfRegAccepted = newDesc("registrar", "accepted_regs_total",
		"REGISTER requests accepted (stats.fetch registrar.accepted_regs). New; not in seed 003.")
	sfRegRejected = newDesc("registrar", "rejected_regs_total",
		"REGISTER requests rejected (stats.fetch registrar.rejected_regs). New; not in seed 003.")
	sfRegDefaultExpire = newDesc("registrar", "default_expire_seconds",
		"Configured default registration expiry (stats.fetch registrar.default_expire). New; not in seed 003.")
	sfRegMaxExpires = newDesc("registrar", "max_expires_seconds",
		"Configured maximum registration expiry (stats.fetch registrar.max_expires). New; not in seed 003.")
	sfRegDefaultRange = newDesc("registrar", "default_expires_range_ratio",
		"Configured random range of the default expiry, 0–1 (stats.fetch registrar.default_expires_range, percent/100). New; not in seed 003.")
	sfRegRange = newDesc("registrar", "expires_range_ratio",
		"Configured random range of expiries, 0–1 (stats.fetch registrar.expires_range, percent/100). New; not in seed 003.")
	sfRegMaxContacts = newDesc("registrar", "max_contacts",
		"Configured maximum contacts per AOR, 0 = no limit (stats.fetch registrar.max_contacts). New; not in seed 003.")
	sfULRegistered = newDesc("usrloc", "registered_users",
		"Users registered in all domains (stats.fetch usrloc.registered_users). New; not in seed 003.")
	sfULUsers = newDesc("usrloc", "users",
		"Users registered in one usrloc domain (table) (stats.fetch usrloc.<domain>_users). New; not in seed 003.", "domain")
	sfULContacts = newDesc("usrloc", "contacts",
		"Contacts registered in one usrloc domain (stats.fetch usrloc.<domain>_contacts). New; not in seed 003.", "domain")
	sfULExpired = newDesc("usrloc", "expired_contacts_total",
		"Contacts expired in one usrloc domain (stats.fetch usrloc.<domain>_expires). New; not in seed 003.", "domain")
)

// statsFetch runs `stats.fetch all`.
type statsFetch struct {
	// types are the instance's stat_types: "group.name" → type, for the
	// statistics exported under a name of their own.
	types map[string]prometheus.ValueType

	mu    sync.RWMutex
	cache map[string]stat   // by statistic name ("group.name"), classified once
	owner map[string]string // family + label values → the statistic that took it
	fams  map[string]bool   // the families exported
	ndyn  int               // families built from statistic names
}

func newStatsFetch(types map[string]prometheus.ValueType) *statsFetch {
	return &statsFetch{types: types}
}

func (*statsFetch) Name() string { return "stats.fetch" }
func (*statsFetch) Help() string {
	return "every statistic of every module (core, shmem, tcp, sl, tmx, dialog, registrar, usrloc, script…) from `stats.fetch all`"
}
func (*statsFetch) Default() bool { return true }

// stat is how one statistic is exported.
type stat struct {
	desc    *prometheus.Desc
	fq      string // the family's name
	typ     prometheus.ValueType
	labels  []string
	scale   float64 // the value times scale (0: as is)
	skip    bool    // not exported (a second statistic for a taken series, or over the bound)
	dynamic bool    // a family named after the statistic (script, other modules)
	pre     *premade
}

func (s *statsFetch) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	r, err := rpc.Call(ctx, "stats.fetch", "all")
	if err != nil {
		return err
	}
	st := r.First()
	if st.Type() != 3 { // struct
		return badReply("stats.fetch", "no struct")
	}
	for item := range st.Items() {
		v, ok := item.Float()
		if !ok {
			continue
		}
		m := s.lookup(item.Name())
		if m.skip {
			continue
		}
		if m.scale != 0 {
			v *= m.scale
		}
		ch <- &constMetric{m: m.pre, value: v}
	}
	return nil
}

// maxStats bounds the statistic names remembered (and so the families
// built from them).
const maxStats = 8192

// lookup returns how the statistic full is exported, classifying it the
// first time it is seen. Two statistics that land on one series (names
// that sanitise alike) export the first one seen only.
func (s *statsFetch) lookup(full string) stat {
	s.mu.RLock()
	m, ok := s.cache[full]
	s.mu.RUnlock()
	if ok {
		return m
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.cache[full]; ok {
		return m
	}
	if s.cache == nil {
		s.cache, s.owner, s.fams = map[string]stat{}, map[string]string{}, map[string]bool{}
	}
	if len(s.cache) >= maxStats {
		return stat{skip: true}
	}
	m, ok = s.classify(full)
	if ok {
		var err error
		if m.pre, err = newPremade(m.desc, m.typ, m.labels); err != nil {
			ok = false // a label value that is not UTF-8
		}
	}
	if !ok || m.dynamic && s.ndyn >= maxDynamic {
		m = stat{skip: true}
	} else {
		if m.fq == "" {
			m.fq = staticNames[m.desc]
		}
		key := m.fq + "\xfe" + strings.Join(m.labels, "\xff")
		if o, taken := s.owner[key]; taken && o != full {
			m = stat{skip: true}
		} else {
			s.owner[key] = full
			s.fams[m.fq] = true
			if m.dynamic {
				s.ndyn++
			}
		}
	}
	s.cache[full] = m
	return m
}

// hasFamily reports whether a statistic of this instance was exported as
// family fq.
func (s *statsFetch) hasFamily(fq string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fams[fq]
}

// fixedType reports the type of a statistic exported in a family of its
// own kind (the tables of docs/kamailio.md), whose type stat_types cannot
// change; ok is false for the statistics exported under their own name.
func fixedType(full string) (t prometheus.ValueType, ok bool) {
	m, ok := (&statsFetch{}).classify(full)
	if !ok || m.dynamic {
		return 0, false
	}
	return m.typ, true
}

// classify maps one "group.name" statistic to its family.
func (s *statsFetch) classify(full string) (stat, bool) {
	group, name, ok := strings.Cut(full, ".")
	if !ok || name == "" {
		return stat{}, false
	}
	c := func(d *prometheus.Desc, l ...string) (stat, bool) {
		return stat{desc: d, typ: prometheus.CounterValue, labels: l}, true
	}
	g := func(d *prometheus.Desc, l ...string) (stat, bool) {
		return stat{desc: d, typ: prometheus.GaugeValue, labels: l}, true
	}
	// registrar's ranges are percent (registrar.c:909-914, cfg 0..100)
	pct := func(d *prometheus.Desc) (stat, bool) {
		return stat{desc: d, typ: prometheus.GaugeValue, scale: 0.01}, true
	}
	switch group {
	case "core":
		switch name {
		case "bad_URIs_rcvd":
			return c(sfBadURI)
		case "bad_msg_hdr":
			return c(sfBadMsgHdr)
		case "unsupported_methods":
			return c(sfCoreRcvRequest, "unsupported")
		case "drop_requests", "err_requests", "fwd_requests", "rcv_requests":
			return c(sfCoreRequest, strings.TrimSuffix(name, "_requests"))
		case "drop_replies", "err_replies", "fwd_replies", "rcv_replies":
			return c(sfCoreReply, strings.TrimSuffix(name, "_replies"))
		}
		if m, ok := strings.CutPrefix(name, "rcv_requests_"); ok {
			return c(sfCoreRcvRequest, m)
		}
		if code, ok := strings.CutPrefix(name, "rcv_replies_"); ok {
			if class, method, ok := strings.Cut(code, "_"); ok {
				return c(sfCoreRcvReplyMethod, class, method)
			}
			return c(sfCoreRcvReply, code)
		}
	case "dns":
		switch name {
		case "failed_dns_request":
			return c(sfDNSFailed)
		case "slow_dns_request":
			return c(sfDNSSlow)
		}
	case "shmem":
		if name == "fragments" {
			return g(sfShmFragments)
		}
		if t, ok := strings.CutSuffix(name, "_size"); ok {
			return g(sfShmBytes, t)
		}
	case "tcp":
		switch name {
		case "current_opened_connections":
			return g(sfTCPConnections)
		case "current_write_queue_size":
			return g(sfTCPWriteQueue)
		}
		return c(sfTCPTotal, name)
	case "sl":
		switch name {
		case "failures":
			return c(sfSLType, "failure")
		case "received_ACKs":
			return c(sfSLType, "received_ack")
		case "sent_err_replies":
			return c(sfSLType, "sent_err_reply")
		case "sent_replies":
			return c(sfSLType, "sent_reply")
		case "xxx_replies":
			return c(sfSLType, "xxx_reply")
		}
		if code, ok := strings.CutSuffix(name, "_replies"); ok {
			return c(sfSLReply, code)
		}
	case "tmx":
		switch name {
		case "UAC_transactions":
			return c(sfTMXType, "UAC")
		case "UAS_transactions":
			return c(sfTMXType, "UAS")
		case "active_transactions":
			return g(sfTMX, "active")
		case "inuse_transactions":
			return g(sfTMX, "inuse")
		}
		if code, ok := strings.CutSuffix(name, "_transactions"); ok {
			return c(sfTMXCode, code)
		}
		if t, ok := strings.CutPrefix(name, "rpl_"); ok {
			return c(sfTMXRpl, t)
		}
	case "dialog":
		switch name {
		case "active_dialogs", "early_dialogs":
			return g(sfDialog, strings.TrimSuffix(name, "_dialogs"))
		case "processed_dialogs", "expired_dialogs", "failed_dialogs":
			return c(sfDialogTotal, strings.TrimSuffix(name, "_dialogs"))
		}
	case "registrar":
		switch name {
		case "accepted_regs":
			return c(sfRegAccepted)
		case "rejected_regs":
			return c(sfRegRejected)
		case "default_expire":
			return g(sfRegDefaultExpire)
		case "max_expires":
			return g(sfRegMaxExpires)
		case "default_expires_range":
			return pct(sfRegDefaultRange)
		case "expires_range":
			return pct(sfRegRange)
		case "max_contacts":
			return g(sfRegMaxContacts)
		}
	case "usrloc":
		if name == "registered_users" {
			return g(sfULRegistered)
		}
		if d, ok := strings.CutSuffix(name, "_users"); ok {
			return g(sfULUsers, d)
		}
		if d, ok := strings.CutSuffix(name, "_contacts"); ok {
			return g(sfULContacts, d)
		}
		if d, ok := strings.CutSuffix(name, "_expires"); ok {
			return c(sfULExpired, d)
		}
	case "script":
		return s.named(full, "kamailio_"+sanitize(name), "kamailio_script_"+sanitize(name))
	}
	return s.named(full, "kamailio_"+sanitize(group)+"_"+sanitize(name), "kamailio_stats_"+sanitize(group)+"_"+sanitize(name))
}

// named exports a statistic under a family of its own: fq, or alt when
// this exporter uses fq itself. Its type is the instance's stat_types
// entry, else the one upstream's source gives it (knownStats), else none
// (untyped). A counter's name ends in _total.
func (s *statsFetch) named(full, fq, alt string) (stat, bool) {
	t, why := prometheus.UntypedValue, "untyped: Kamailio does not say whether it is a counter or a gauge; set it in the instance's stat_types"
	if k, ok := knownStats[full]; ok {
		t, why = k.typ, typeName(k.typ)+" by its Kamailio source, "+k.src
	}
	if o, ok := s.types[full]; ok {
		t, why = o, typeName(o)+" by the instance's stat_types"
	}
	if t == prometheus.CounterValue && !strings.HasSuffix(fq, "_total") {
		fq, alt = fq+"_total", alt+"_total"
	}
	if reserved[fq] {
		fq = alt
	}
	d := prometheus.NewDesc(fq, "Kamailio statistic "+full+" (stats.fetch all); "+why+".", nil, nil)
	return stat{desc: d, fq: fq, typ: t, dynamic: true}, true
}

// maxDynamic bounds the families built from statistic names.
const maxDynamic = 4096

// sanitize lower-cases a statistic name and keeps [a-z0-9_].
func sanitize(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		return "_" + string(b)
	}
	return string(b)
}

// reserved are the families this exporter defines itself (newDesc adds
// each): a scripted or unknown statistic never takes one of their names.
var reserved = map[string]bool{"kamailio_up": true}
