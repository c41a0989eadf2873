package asterisk

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/source"
)

// DAHDI/PRI span state over AMI, as chan_dahdi reports it
// (asterisk/asterisk@f0c1c1a7b79b0f8cc0311649bf36824cbeee30a9):
//
//   - DAHDIShowStatus (channels/chan_dahdi.c:17286-17352; Asterisk 18.23,
//     20.8, 21.3 and later, :532-545): one DAHDIShowStatus event per span
//     with Span, Description, Alarms, IRQ (irqmisses), bpviol (bpvcount), CRC
//     (crc4count), Framing, Coding, Options, LBO (:17317-17343), then
//     DAHDIShowStatusComplete. Alarms is build_alarm_info's string
//     (:16401-16437): the set alarm bits as BLU, YEL, RED, LB, REC, NOP joined
//     by "/", UUU for an alarm bit it has no name for, else OK, or
//     UNCONFIGURED when the span has no channels. Without /dev/dahdi/ctl the
//     answer is the error "No DAHDI detected" (:17297-17300).
//   - PRIShowSpans (chan_dahdi.c:17355-17400, when built with libpri): one
//     PRIShowSpans event per D-channel from sig_pri_ami_show_spans
//     (channels/sig_pri.c:7543-7575) with Span, DChannel, Order, Active,
//     Alarm ("Yes" when not DCHAN_NOTINALARM) and Up (DCHAN_UP).
//
// Without chan_dahdi (or libpri) the manager answers "Invalid/unknown
// command": no series and no error (source.NoData), and so is "No DAHDI
// detected". In CLI mode `dahdi show status` (dahdi_show_status,
// chan_dahdi.c:16440-16494) gives the same spans, parsed by
// ParseDAHDIShowStatusCLI; the CLI has no PRI list.

// DAHDISpan is one DAHDIShowStatus event.
type DAHDISpan struct {
	Span                    string
	Description             string
	Alarms                  []string // the Alarms field split at "/": ["OK"], ["RED"], ["BLU", "RED"]…
	IRQMisses, BPViol, CRC4 float64
	Framing, Coding         string
}

// Up reports whether the span is in service: Alarms is OK.
func (s DAHDISpan) Up() bool { return len(s.Alarms) == 1 && s.Alarms[0] == "OK" }

// PRIDChannel is one PRIShowSpans event.
type PRIDChannel struct {
	Span, DChannel    string
	Active, Alarm, Up bool
}

// dahdiAlarms are the alarm names build_alarm_info prints (chan_dahdi.c:16405-16425).
var dahdiAlarms = []string{"BLU", "YEL", "RED", "LB", "REC", "NOP", "UUU"}

// ParseDAHDIShowStatus reads the DAHDIShowStatus events of a list.
func ParseDAHDIShowStatus(items []*ami.Message) []DAHDISpan {
	var out []DAHDISpan
	for _, m := range items {
		if m.Event() != "DAHDIShowStatus" || m.Get("Span") == "" {
			continue
		}
		sp := DAHDISpan{Span: m.Get("Span"), Description: m.Get("Description"), Framing: m.Get("Framing"), Coding: m.Get("Coding")}
		for _, a := range strings.Split(m.Get("Alarms"), "/") {
			if a = strings.TrimSpace(a); a != "" {
				sp.Alarms = append(sp.Alarms, a)
			}
		}
		sp.IRQMisses = parseCount(m.Get("IRQ"))
		sp.BPViol = parseCount(m.Get("bpviol"))
		sp.CRC4 = parseCount(m.Get("CRC"))
		out = append(out, sp)
	}
	return out
}

// ParseDAHDIShowStatusCLI reads `dahdi show status`: the FORMAT2 header,
// then per span FORMAT "%4d %-40.40s %-7.7s %-6d %-6d %-6d %-3.3s %-4.4s
// %-8.8s %s" (span, description cut at 40 bytes, alarms cut at 7, IRQ
// misses, bipolar violations, CRC4 errors, framing, coding, options, LBO).
// The 7-byte alarm column cuts "UNCONFIGURED" to "UNCONFI" (read as
// UNCONFIGURED) and a third alarm ("BLU/YEL/RED" prints "BLU/YEL"): AMI
// has the whole string.
func ParseDAHDIShowStatusCLI(out string) ([]DAHDISpan, error) {
	ls := lines(out)
	if len(ls) == 0 || !strings.HasPrefix(strings.TrimSpace(ls[0]), "Span Description") {
		return nil, garbage("dahdi show status", out)
	}
	var spans []DAHDISpan
	for _, l := range ls[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if len(l) < 54 {
			return nil, garbage("dahdi show status", l)
		}
		span := strings.TrimSpace(l[:4])
		if _, err := strconv.Atoi(span); err != nil {
			return nil, garbage("dahdi show status", l)
		}
		sp := DAHDISpan{Span: span, Description: strings.TrimRight(l[5:45], " ")}
		alarms := strings.TrimSpace(l[46:53])
		if alarms == "UNCONFI" {
			alarms = "UNCONFIGURED"
		}
		for _, a := range strings.Split(alarms, "/") {
			if a != "" {
				sp.Alarms = append(sp.Alarms, a)
			}
		}
		f := strings.Fields(l[53:])
		if len(f) < 5 {
			return nil, garbage("dahdi show status", l)
		}
		sp.IRQMisses, sp.BPViol, sp.CRC4 = parseCount(f[0]), parseCount(f[1]), parseCount(f[2])
		sp.Framing, sp.Coding = f[3], f[4]
		spans = append(spans, sp)
	}
	return spans, nil
}

// ParsePRIShowSpans reads the PRIShowSpans events of a list.
func ParsePRIShowSpans(items []*ami.Message) []PRIDChannel {
	var out []PRIDChannel
	for _, m := range items {
		if m.Event() != "PRIShowSpans" || m.Get("Span") == "" {
			continue
		}
		out = append(out, PRIDChannel{Span: m.Get("Span"), DChannel: m.Get("DChannel"),
			Active: m.Get("Active") == "Yes", Alarm: m.Get("Alarm") == "Yes", Up: m.Get("Up") == "Yes"})
	}
	return out
}

// parseCount reads a %d counter; a negative or unreadable one is 0.
func parseCount(s string) float64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return float64(n)
}

var (
	dahdiSpanInfo = newDesc("dahdi", "span_info",
		"A DAHDI span (DAHDIShowStatus): its description, framing and coding; value 1. Seed 004: asterisk_dahdi_spans_up (per span here).",
		"span", "description", "framing", "coding")
	dahdiSpanUp = newDesc("dahdi", "span_up",
		"1 when the DAHDI span reports no alarm (Alarms OK), 0 in alarm or unconfigured. sum() is seed 004's asterisk_dahdi_spans_up.",
		"span")
	dahdiSpanAlarm = newDesc("dahdi", "span_alarm",
		"1 when the DAHDI span has this alarm (BLU, YEL, RED, LB loopback, REC recovering, NOP not open, UUU unknown), else 0.",
		"span", "alarm")
	dahdiIRQMisses = newDesc("dahdi", "span_irq_misses_total",
		"Interrupts the DAHDI driver missed on the span's card (DAHDIShowStatus IRQ).", "span")
	dahdiBPV = newDesc("dahdi", "span_bipolar_violations_total",
		"Bipolar violations counted by the span (DAHDIShowStatus bpviol): line code errors.", "span")
	dahdiCRC4 = newDesc("dahdi", "span_crc4_errors_total",
		"CRC-4 errors counted by the span (DAHDIShowStatus CRC; E1 with CRC4 only).", "span")
	priDChanUp = newDesc("pri", "dchannel_up",
		"1 when the PRI span's D-channel is up (PRIShowSpans Up).", "span", "dchannel")
	priDChanAlarm = newDesc("pri", "dchannel_alarm",
		"1 when the PRI span's D-channel is in alarm (PRIShowSpans Alarm).", "span", "dchannel")
	priDChanActive = newDesc("pri", "dchannel_active",
		"1 for the D-channel the PRI span uses now (PRIShowSpans Active), 0 for a standby one.", "span", "dchannel")
)

// dahdiScraper: DAHDIShowStatus and PRIShowSpans over AMI.
type dahdiScraper struct{}

func (dahdiScraper) Name() string { return "dahdi" }
func (dahdiScraper) Help() string {
	return "DAHDI span alarms and error counters, PRI D-channel state (DAHDIShowStatus, PRIShowSpans; AMI only)"
}
func (dahdiScraper) Default() bool { return true }

// noDAHDI is chan_dahdi's answer when the DAHDI driver is absent.
func noDAHDI(err error) bool {
	var ae *ami.ActionError
	return errors.As(err, &ae) && strings.HasPrefix(strings.TrimSpace(ae.Message), "No DAHDI detected")
}

func (dahdiScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	var spans []DAHDISpan
	if api.AMI() {
		items, err := api.List(ctx, "DAHDIShowStatus")
		switch {
		case noDAHDI(err):
			return source.NoData("DAHDIShowStatus: No DAHDI detected")
		case err != nil:
			return noData("DAHDIShowStatus", err)
		}
		spans = ParseDAHDIShowStatus(items)
	} else {
		out, err := command(ctx, api, "dahdi show status")
		if err != nil {
			return err
		}
		if strings.HasPrefix(out, "No DAHDI found") {
			return source.NoData("dahdi show status: " + strings.TrimSpace(out))
		}
		if spans, err = ParseDAHDIShowStatusCLI(out); err != nil {
			return err
		}
	}
	for _, sp := range spans {
		gauge(ch, dahdiSpanInfo, 1, sp.Span, sp.Description, sp.Framing, sp.Coding)
		gauge(ch, dahdiSpanUp, boolGauge(sp.Up()), sp.Span)
		has := map[string]bool{}
		for _, a := range sp.Alarms {
			has[a] = true
		}
		for _, a := range dahdiAlarms {
			gauge(ch, dahdiSpanAlarm, boolGauge(has[a]), sp.Span, a)
		}
		counter(ch, dahdiIRQMisses, sp.IRQMisses, sp.Span)
		counter(ch, dahdiBPV, sp.BPViol, sp.Span)
		counter(ch, dahdiCRC4, sp.CRC4, sp.Span)
	}
	if !api.AMI() {
		return nil
	}
	// PRIShowSpans exists only with libpri: its absence is no error.
	pri, err := api.List(ctx, "PRIShowSpans")
	if err != nil {
		if ami.IsUnknownAction(err) || ami.IsUnknownCommand(err) {
			return nil
		}
		return noData("PRIShowSpans", err)
	}
	for _, d := range ParsePRIShowSpans(pri) {
		gauge(ch, priDChanUp, boolGauge(d.Up), d.Span, d.DChannel)
		gauge(ch, priDChanAlarm, boolGauge(d.Alarm), d.Span, d.DChannel)
		gauge(ch, priDChanActive, boolGauge(d.Active), d.Span, d.DChannel)
	}
	return nil
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
