package asterisk

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/config"
	simast "github.com/voip-exporter/voip_exporter/sim/asterisk"
)

// labSpans: a two-card box as chan_dahdi reports it (sim/asterisk/dahdi.go
// answers in the format of chan_dahdi.c:17317-17343 and sig_pri.c:7553-7571).
func labSpans() *simast.DAHDI {
	return &simast.DAHDI{
		Spans: []simast.DAHDISpan{
			{Span: 1, Description: "T4XXP (PCI) Card 0 Span 1", Alarms: "OK", Framing: "ESF", Coding: "B8ZS", LBO: "0 db (CSU)/0-133 feet (DSX-1)"},
			{Span: 2, Description: "T4XXP (PCI) Card 0 Span 2", Alarms: "RED", IRQMisses: 3, BPViol: 17, CRC4: 5, Framing: "ESF", Coding: "B8ZS", LBO: "0 db (CSU)/0-133 feet (DSX-1)"},
			{Span: 3, Description: "T4XXP (PCI) Card 0 Span 3", Alarms: "BLU/RED", Framing: "CCS", Coding: "HDB3", Options: "CRC4", LBO: "0 db (CSU)/0-133 feet (DSX-1)"},
			{Span: 4, Description: "T4XXP (PCI) Card 0 Span 4", Alarms: "UNCONFIGURED", Framing: "CAS", Coding: "Unk", LBO: "0 db (CSU)/0-133 feet (DSX-1)"},
		},
		PRI: true,
		DChannels: []simast.PRIDChannel{
			{Span: 1, DChannel: 24, Order: "Primary", Active: true, Up: true},
			{Span: 2, DChannel: 48, Order: "Primary", Active: true, InAlarm: true},
		},
	}
}

func wantSample(t *testing.T, expo, series, want string) {
	t.Helper()
	if got := sample(expo, series); got != want {
		t.Errorf("%s = %q, want %q", series, got, want)
	}
}

func TestDAHDISpans(t *testing.T) {
	s := startSim(t, simast.Lab())
	s.SetDAHDI(labSpans())
	inst := newInstance(t, amiConfig(s))
	waitConnected(t, inst)
	expo := scrape(t, inst)

	wantSample(t, expo, `voip_exporter_scrape_collector_success{collector="dahdi",source="asterisk"}`, "1")
	// Up only where Alarms is OK: span 1. Spans 2 (RED), 3 (BLU/RED), 4
	// (UNCONFIGURED) are down: sum(asterisk_dahdi_span_up) = 1 of 4.
	for span, v := range map[string]string{"1": "1", "2": "0", "3": "0", "4": "0"} {
		wantSample(t, expo, `asterisk_dahdi_span_up{span="`+span+`"}`, v)
	}
	// build_alarm_info's names, split at "/": span 3 has BLU and RED, not YEL.
	wantSample(t, expo, `asterisk_dahdi_span_alarm{alarm="RED",span="2"}`, "1")
	wantSample(t, expo, `asterisk_dahdi_span_alarm{alarm="YEL",span="2"}`, "0")
	wantSample(t, expo, `asterisk_dahdi_span_alarm{alarm="BLU",span="3"}`, "1")
	wantSample(t, expo, `asterisk_dahdi_span_alarm{alarm="RED",span="3"}`, "1")
	wantSample(t, expo, `asterisk_dahdi_span_alarm{alarm="YEL",span="3"}`, "0")
	wantSample(t, expo, `asterisk_dahdi_span_alarm{alarm="RED",span="1"}`, "0")
	// IRQ, bpviol and CRC of span 2: 3, 17, 5.
	wantSample(t, expo, `asterisk_dahdi_span_irq_misses_total{span="2"}`, "3")
	wantSample(t, expo, `asterisk_dahdi_span_bipolar_violations_total{span="2"}`, "17")
	wantSample(t, expo, `asterisk_dahdi_span_crc4_errors_total{span="2"}`, "5")
	wantSample(t, expo, `asterisk_dahdi_span_info{coding="HDB3",description="T4XXP (PCI) Card 0 Span 3",framing="CCS",span="3"}`, "1")
	// PRI D-channels: span 1's (24) up, span 2's (48) in alarm and down.
	wantSample(t, expo, `asterisk_pri_dchannel_up{dchannel="24",span="1"}`, "1")
	wantSample(t, expo, `asterisk_pri_dchannel_alarm{dchannel="24",span="1"}`, "0")
	wantSample(t, expo, `asterisk_pri_dchannel_up{dchannel="48",span="2"}`, "0")
	wantSample(t, expo, `asterisk_pri_dchannel_alarm{dchannel="48",span="2"}`, "1")
	wantSample(t, expo, `asterisk_pri_dchannel_active{dchannel="48",span="2"}`, "1")
}

// Without chan_dahdi ("Invalid/unknown command"), without the DAHDI driver
// ("No DAHDI detected"), or without libpri (PRIShowSpans unknown): no
// series of what is missing, and no failure.
func TestDAHDIAbsent(t *testing.T) {
	noPRI := labSpans()
	noPRI.PRI = false
	for name, d := range map[string]*simast.DAHDI{"no module": nil, "no driver": {NoDevice: true}, "no libpri": noPRI} {
		t.Run(name, func(t *testing.T) {
			s := startSim(t, simast.Lab())
			s.SetDAHDI(d)
			inst := newInstance(t, amiConfig(s))
			waitConnected(t, inst)
			expo := scrape(t, inst)
			wantSample(t, expo, `voip_exporter_scrape_collector_success{collector="dahdi",source="asterisk"}`, "1")
			wantSample(t, expo, "asterisk_up", "1")
			if strings.Contains(expo, "asterisk_pri_") {
				t.Errorf("PRI series without PRIShowSpans:\n%s", expo)
			}
			if d == nil || d.NoDevice {
				if strings.Contains(expo, "asterisk_dahdi_") {
					t.Errorf("DAHDI series without DAHDI:\n%s", expo)
				}
			} else {
				wantSample(t, expo, `asterisk_dahdi_span_up{span="1"}`, "1")
			}
		})
	}
}

// The CLI (`dahdi show status`, chan_dahdi.c:16440-16494) gives the same
// spans as AMI: same up/alarm figures, counters and labels.
func TestDAHDISpansCLI(t *testing.T) {
	s := startSim(t, simast.Lab())
	s.SetDAHDI(labSpans())
	sock := filepath.Join(t.TempDir(), "asterisk.ctl")
	if err := s.StartCLI(sock); err != nil {
		t.Fatal(err)
	}
	inst := newInstance(t, config.Asterisk{Name: "pbx", Mode: config.AsteriskModeCLI, CLICommand: fakeAsterisk + " -s " + sock + " -rx", Timeout: 5 * time.Second})
	expo := scrape(t, inst)
	wantSample(t, expo, `voip_exporter_scrape_collector_success{collector="dahdi",source="asterisk"}`, "1")
	for span, v := range map[string]string{"1": "1", "2": "0", "3": "0", "4": "0"} {
		wantSample(t, expo, `asterisk_dahdi_span_up{span="`+span+`"}`, v)
	}
	wantSample(t, expo, `asterisk_dahdi_span_alarm{alarm="BLU",span="3"}`, "1")
	wantSample(t, expo, `asterisk_dahdi_span_alarm{alarm="RED",span="3"}`, "1")
	wantSample(t, expo, `asterisk_dahdi_span_bipolar_violations_total{span="2"}`, "17")
	wantSample(t, expo, `asterisk_dahdi_span_crc4_errors_total{span="2"}`, "5")
	wantSample(t, expo, `asterisk_dahdi_span_info{coding="HDB3",description="T4XXP (PCI) Card 0 Span 3",framing="CCS",span="3"}`, "1")
	if strings.Contains(expo, "asterisk_pri_") {
		t.Errorf("PRI series over the CLI:\n%s", expo)
	}
}

func FuzzParseDAHDIShowStatusCLI(f *testing.F) {
	s := simast.New(simast.Lab())
	s.SetDAHDI(labSpans())
	f.Add(s.CLI("dahdi show status"))
	f.Add("No DAHDI found. Unable to open /dev/dahdi/ctl: No such file or directory\n")
	f.Fuzz(func(t *testing.T, out string) {
		spans, err := ParseDAHDIShowStatusCLI(out)
		if err == nil {
			for _, sp := range spans {
				if sp.Span == "" || sp.IRQMisses < 0 {
					t.Fatalf("bad span %+v", sp)
				}
			}
		}
	})
}
