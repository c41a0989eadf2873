package asterisk

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// DAHDI and PRI spans, answered as chan_dahdi and sig_pri answer them
// (asterisk/asterisk@f0c1c1a7b79b0f8cc0311649bf36824cbeee30a9):
//   - DAHDIShowStatus (chan_dahdi.c:17286-17352, registered with no write
//     class at :20598): "No DAHDI detected" when /dev/dahdi/ctl cannot be
//     opened (:17297-17300), else a list ack "DAHDI span statuses will
//     follow", one DAHDIShowStatus event per span (Span, Description,
//     Alarms, IRQ, bpviol, CRC, Framing, Coding, Options, LBO: :17317-17343)
//     and DAHDIShowStatusComplete with Items (:17348-17350). Alarms is
//     build_alarm_info's (:16401-16437): BLU/YEL/RED/LB/REC/NOP joined by
//     "/", "UUU" for an unknown alarm bit, else "OK", or "UNCONFIGURED" for a
//     span with no channels.
//   - PRIShowSpans (chan_dahdi.c:17355-17400, only when built with libpri):
//     list ack "Span status will follow", one PRIShowSpans event per
//     D-channel from sig_pri_ami_show_spans (sig_pri.c:7543-7575: Span,
//     DChannel, Order, Active, Alarm, Up) and PRIShowSpansComplete.
//   - Without chan_dahdi (or without libpri for PRIShowSpans) the manager
//     answers "Invalid/unknown command", as for any unregistered action.
//   - Reload (main/loader.c:1722-1728 via publish_load_message_type,
//     :1643-1679): Event Reload, class system, Module (the module or "All")
//     and Status, the numeric ast_module_reload_result (0 success … 6 not
//     supported, the list at loader.c:59-84).

// DAHDISpan is one span as DAHDI_SPANSTAT reports it.
type DAHDISpan struct {
	Span        int
	Description string
	// Alarms is the Alarms string build_alarm_info makes: "OK",
	// "UNCONFIGURED", "RED", "YEL", "BLU/RED"…
	Alarms                   string
	IRQMisses, BPViol, CRC4  int
	Framing, Coding, Options string
	LBO                      string // lbostr[]: "0 db (CSU)/0-133 feet (DSX-1)"…
}

// PRIDChannel is one D-channel of a PRI span.
type PRIDChannel struct {
	Span, DChannel int
	Order          string // "Primary", "Secondary"…
	Active         bool
	InAlarm        bool
	Up             bool
}

// DAHDI is the simulated chan_dahdi: nil (the default) means the module is
// not loaded.
type DAHDI struct {
	// NoDevice: chan_dahdi is loaded but /dev/dahdi/ctl cannot be opened.
	NoDevice bool
	Spans    []DAHDISpan
	// PRI: chan_dahdi was built with libpri (PRIShowSpans exists).
	PRI       bool
	DChannels []PRIDChannel
}

var dahdiState = struct {
	mu sync.Mutex
	m  map[*Server]*DAHDI
}{m: map[*Server]*DAHDI{}}

// SetDAHDI loads (d non-nil) or unloads (nil) the simulated chan_dahdi.
func (s *Server) SetDAHDI(d *DAHDI) {
	dahdiState.mu.Lock()
	defer dahdiState.mu.Unlock()
	if d == nil {
		delete(dahdiState.m, s)
		return
	}
	c := *d
	c.Spans = append([]DAHDISpan(nil), d.Spans...)
	c.DChannels = append([]PRIDChannel(nil), d.DChannels...)
	dahdiState.m[s] = &c
}

func (s *Server) dahdi() *DAHDI {
	dahdiState.mu.Lock()
	defer dahdiState.mu.Unlock()
	return dahdiState.m[s]
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// dahdiDispatch answers the chan_dahdi actions; handled is false for any
// other action (and for these when the module is not loaded, which the
// dispatcher then answers as unknown).
func (s *Server) dahdiDispatch(la, id string) (reply []msg, handled bool) {
	if la != "dahdishowstatus" && la != "prishowspans" {
		return nil, false
	}
	d := s.dahdi()
	if d == nil || (la == "prishowspans" && !d.PRI) {
		return nil, false
	}
	switch la {
	case "dahdishowstatus":
		if d.NoDevice {
			return []msg{errMsg(id, "No DAHDI detected")}, true
		}
		out := []msg{listStart(id, "DAHDI span statuses will follow")}
		for _, sp := range d.Spans {
			out = append(out, msg{{"Event", "DAHDIShowStatus"}, {"Span", strconv.Itoa(sp.Span)},
				{"Description", sp.Description}, {"Alarms", sp.Alarms}, {"IRQ", strconv.Itoa(sp.IRQMisses)},
				{"bpviol", strconv.Itoa(sp.BPViol)}, {"CRC", strconv.Itoa(sp.CRC4)}, {"Framing", sp.Framing},
				{"Coding", sp.Coding}, {"Options", sp.Options}, {"LBO", sp.LBO}, {"ActionID", id}})
		}
		n := len(d.Spans)
		return append(out, listDone("DAHDIShowStatusComplete", id, n, hdr{"Items", strconv.Itoa(n)})), true
	default:
		out := []msg{listStart(id, "Span status will follow")}
		for _, dc := range d.DChannels {
			out = append(out, msg{{"Event", "PRIShowSpans"}, {"Span", strconv.Itoa(dc.Span)},
				{"DChannel", strconv.Itoa(dc.DChannel)}, {"Order", dc.Order}, {"Active", yesNo(dc.Active)},
				{"Alarm", yesNo(dc.InAlarm)}, {"Up", yesNo(dc.Up)}, {"ActionID", id}})
		}
		n := len(d.DChannels)
		return append(out, listDone("PRIShowSpansComplete", id, n, hdr{"Items", strconv.Itoa(n)})), true
	}
}

// ReloadModule simulates ast_module_reload(module) ("" for `core reload`,
// reported as "All") ending with status (an ast_module_reload_result:
// 0 success, 2 not found, 3 error…): every session reading class system
// gets the Reload event, and the last-reload time becomes now unless the
// reload was queued (1) or refused as already in progress (4), the two
// results loader.c returns before it sets ast_lastreloadtime (:1739-1750).
func (s *Server) ReloadModule(module string, status int) {
	if strings.TrimSpace(module) == "" {
		module = "All"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if status != 1 && status != 4 {
		s.st.reloaded = s.now()
	}
	s.fireLocked("system", msg{{"Event", "Reload"}, {"Privilege", "system,all"}, {"Module", module}, {"Status", strconv.Itoa(status)}})
}

// dahdiCLI answers `dahdi show status` as dahdi_show_status prints it
// (chan_dahdi.c:16440-16494: FORMAT2 header, FORMAT per span, or "No DAHDI
// found…" without /dev/dahdi/ctl); ok is false when chan_dahdi is not
// loaded or for another command.
func (s *Server) dahdiCLI(lower string) (string, bool) {
	if lower != "dahdi show status" {
		return "", false
	}
	d := s.dahdi()
	if d == nil {
		return "", false
	}
	if d.NoDevice {
		return "No DAHDI found. Unable to open /dev/dahdi/ctl: No such file or directory\n", true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%4s %-40.40s %-7.7s %-6.6s %-6.6s %-6.6s %-3.3s %-4.4s %-8.8s %s\n",
		"Span", "Description", "Alarms", "IRQ", "bpviol", "CRC", "Framing", "Coding", "Options", "LBO")
	for _, sp := range d.Spans {
		coding := sp.Coding
		if coding == "Unk" {
			coding = "Unknown" // the CLI spells out what the AMI event abbreviates (:16482 vs :17333)
		}
		fmt.Fprintf(&b, "%4d %-40.40s %-7.7s %-6d %-6d %-6d %-3.3s %-4.4s %-8.8s %s\n",
			sp.Span, sp.Description, sp.Alarms, sp.IRQMisses, sp.BPViol, sp.CRC4, sp.Framing, coding, sp.Options, sp.LBO)
	}
	return b.String(), true
}
