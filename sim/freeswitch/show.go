package freeswitch

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

var channelCols = strings.Split("uuid,direction,created,created_epoch,name,state,cid_name,cid_num,ip_addr,dest,"+
	"application,application_data,dialplan,context,read_codec,read_rate,read_bit_rate,write_codec,write_rate,"+
	"write_bit_rate,secure,hostname,presence_id,presence_data,accountcode,callstate,callee_name,callee_num,"+
	"callee_direction,call_uuid,sent_callee_name,sent_callee_num,initial_cid_name,initial_cid_num,"+
	"initial_ip_addr,initial_dest,initial_dialplan,initial_context", ",")

var basicCallCols = strings.Split("uuid,direction,created,created_epoch,name,state,cid_name,cid_num,ip_addr,dest,"+
	"presence_id,presence_data,accountcode,callstate,callee_name,callee_num,callee_direction,call_uuid,hostname,"+
	"sent_callee_name,sent_callee_num", ",")

var basicCallBCols = strings.Split("uuid,direction,created,created_epoch,name,state,cid_name,cid_num,ip_addr,dest,"+
	"presence_id,presence_data,accountcode,callstate,callee_name,callee_num,callee_direction,"+
	"sent_callee_name,sent_callee_num", ",")

var registrationCols = strings.Split("reg_user,realm,token,url,expires,network_ip,network_port,network_proto,hostname,metadata", ",")

type row struct {
	cols []string
	vals []string
}

// channelRow is the `channels` table row of a leg.
func (s *Server) channelRow(l *leg) map[string]string {
	c := l.codec
	r := map[string]string{
		"uuid": l.uuid, "direction": l.direction, "created": stamp(l.created),
		"created_epoch": strconv.FormatInt(l.created.Unix(), 10), "name": l.chanName, "state": "CS_EXECUTE",
		"cid_name": l.caller, "cid_num": l.caller, "ip_addr": l.remoteIP, "dest": l.dest,
		"dialplan": "XML", "context": l.context,
		"read_codec": c.name, "read_rate": strconv.Itoa(c.rate), "read_bit_rate": strconv.Itoa(c.bitRate),
		"write_codec": c.name, "write_rate": strconv.Itoa(c.rate), "write_bit_rate": strconv.Itoa(c.bitRate),
		"hostname": s.cfg.Hostname, "callstate": "ACTIVE",
		"initial_cid_name": l.caller, "initial_cid_num": l.caller, "initial_ip_addr": l.remoteIP,
		"initial_dest": l.dest, "initial_dialplan": "XML", "initial_context": l.context,
	}
	if l.answered.IsZero() {
		r["callstate"] = "RINGING"
	}
	switch l.kind {
	case kindIn:
		r["application"] = "echo"
	case kindOut:
		r["cid_name"], r["cid_num"] = l.dest, l.dest // caller id flipped on answer of an originate
		r["application"], r["application_data"] = "playback", "tone_stream://%(1000,0,440);loops=-1"
		r["callee_num"], r["callee_direction"], r["call_uuid"] = l.caller, "RECV", l.uuid
		r["initial_cid_name"], r["initial_ip_addr"], r["initial_dialplan"] = "", "", ""
	case kindA:
		v, _ := s.legValue(l, "data", "variable_current_application_data", "")
		r["application"], r["application_data"] = "bridge", v
		r["callee_name"], r["callee_num"], r["callee_direction"] = l.dest, l.dest, "SEND"
		r["call_uuid"], r["sent_callee_name"], r["sent_callee_num"] = l.callUUID, l.dest, l.dest
	case kindB:
		r["state"] = "CS_EXCHANGE_MEDIA"
		if l.other != nil {
			r["ip_addr"], r["initial_ip_addr"] = l.other.remoteIP, l.other.remoteIP
		}
		r["callee_name"], r["callee_num"], r["callee_direction"] = l.dest, l.dest, "SEND"
		r["call_uuid"], r["sent_callee_name"], r["sent_callee_num"] = l.callUUID, l.caller, l.caller
	}
	return r
}

func (s *Server) sortedLegs() []*leg {
	ls := append([]*leg(nil), s.legOrder...)
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].created.Unix() < ls[j].created.Unix() })
	return ls
}

// callRows are the rows of the basic_calls (detailed false) or detailed_calls views.
func (s *Server) callRows(detailed, bridgedOnly bool) []row {
	var rows []row
	legs := s.sortedLegs()
	if !detailed {
		// basic_calls is ordered by call_created_epoch: channels without a calls row come first
		sort.SliceStable(legs, func(i, j int) bool { return legs[i].kind != kindA && legs[j].kind == kindA })
	}
	for _, l := range legs {
		if l.kind == kindB {
			continue
		}
		if bridgedOnly && l.other == nil {
			continue
		}
		a := s.channelRow(l)
		var b map[string]string
		callCreated := ""
		if l.kind == kindA && l.other != nil {
			b = s.channelRow(l.other)
			callCreated = strconv.FormatInt(l.bridged.Unix(), 10)
		}
		var rw row
		acols, bcols := basicCallCols, basicCallBCols
		if detailed {
			acols, bcols = channelCols[:32], channelCols[:32]
		}
		for _, c := range acols {
			rw.cols = append(rw.cols, c)
			rw.vals = append(rw.vals, a[c])
		}
		for _, c := range bcols {
			rw.cols = append(rw.cols, "b_"+c)
			rw.vals = append(rw.vals, b[c])
		}
		rw.cols = append(rw.cols, "call_created_epoch")
		rw.vals = append(rw.vals, callCreated)
		rows = append(rows, rw)
	}
	return rows
}

func (s *Server) channelRows() []row {
	var rows []row
	for _, l := range s.sortedLegs() {
		r := s.channelRow(l)
		var rw row
		for _, c := range channelCols {
			rw.cols = append(rw.cols, c)
			rw.vals = append(rw.vals, r[c])
		}
		rows = append(rows, rw)
	}
	return rows
}

func (s *Server) registrationRows() []row {
	var rows []row
	for _, r := range s.regs {
		exp := s.regExpiry(r, s.startedAt.Add(s.regDuration(r)))
		rows = append(rows, row{cols: registrationCols, vals: []string{
			r.User, r.Realm, r.Token, r.URL, strconv.FormatInt(exp.Unix(), 10), r.NetworkIP,
			strconv.Itoa(r.Port), r.Proto, s.cfg.Hostname, "",
		}})
	}
	return rows
}

// showAPI is mod_commands' `show` for the tables the simulator has.
func (s *Server) showAPI(arg string) string {
	argv := strings.Split(arg, " ")
	if arg == "" {
		return "-USAGE: codec|endpoint|application|api|dialplan|file|timer|calls [count]|channels [count|like <match string>]|calls|detailed_calls|bridged_calls|detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|say|interfaces|interface_types|tasks|limits|status\n"
	}
	at := func(i int) string {
		if i < len(argv) {
			return argv[i]
		}
		return ""
	}
	command := argv[0]
	as := ""
	if at(2) != "" && strings.EqualFold(at(1), "as") {
		as = at(2)
	}
	var rows []row
	count := -1
	switch strings.ToLower(command) {
	case "status":
		return s.statusText()
	case "calls":
		rows = s.callRows(false, false)
	case "detailed_calls":
		rows = s.callRows(true, false)
	case "bridged_calls":
		rows = s.callRows(false, true)
	case "detailed_bridged_calls":
		rows = s.callRows(true, true)
	case "channels":
		rows = s.channelRows()
	case "registrations":
		rows = s.registrationRows()
	default:
		return s.showAPI("")
	}
	if strings.EqualFold(at(1), "count") {
		switch strings.ToLower(command) {
		case "calls", "channels", "registrations":
			count = len(rows)
			as = ""
			if at(3) != "" && strings.EqualFold(at(2), "as") {
				as = at(3)
			}
		}
	}
	delim := ","
	if as == "" {
		as = "delim"
	} else if strings.EqualFold(as, "delim") || strings.EqualFold(as, "csv") {
		if at(3) != "" {
			delim = at(3)
		}
	}
	switch strings.ToLower(as) {
	case "delim", "csv":
		var b strings.Builder
		n := count
		if count < 0 {
			n = len(rows)
			for i, r := range rows {
				if i == 0 {
					b.WriteString(strings.Join(r.cols, delim) + "\n")
				}
				b.WriteString(strings.Join(r.vals, delim) + "\n")
			}
		}
		fmt.Fprintf(&b, "\n%d total.\n", n)
		return b.String()
	case "json":
		if count >= 0 {
			return fmt.Sprintf(`{"row_count":%d,"rows":[]}`, count)
		}
		if len(rows) == 0 {
			return "{\"row_count\": 0}\n"
		}
		var b strings.Builder
		fmt.Fprintf(&b, `{"row_count":%d,"rows":[`, len(rows))
		for i, r := range rows {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('{')
			for j, c := range r.cols {
				if j > 0 {
					b.WriteByte(',')
				}
				jsonString(&b, c)
				b.WriteByte(':')
				jsonString(&b, r.vals[j])
			}
			b.WriteByte('}')
		}
		b.WriteString("]}")
		return b.String()
	case "xml":
		if count >= 0 || len(rows) == 0 {
			if count > 0 {
				return fmt.Sprintf("<result row_count=\"%d\"/>\n", count)
			}
			return "<result row_count=\"0\"/>\n"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<result row_count=\"%d\">\n", len(rows))
		for i, r := range rows {
			fmt.Fprintf(&b, "  <row row_id=\"%d\">\n", i+1)
			for j, c := range r.cols {
				b.WriteString("    <" + c + ">")
				xmlText(&b, r.vals[j])
				b.WriteString("</" + c + ">\n")
			}
			b.WriteString("  </row>\n")
		}
		b.WriteString("</result>\n")
		return b.String()
	}
	return "-ERR Cannot find format " + as + "\n"
}
