package asterisk

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/config"
	simast "github.com/voip-exporter/voip_exporter/sim/asterisk"
)

// bigPBX is a simulated Asterisk with 200 peers (150 chan_sip phones, 50
// PJSIP phones, all registered) and 250 calls up: 500 channels.
func bigPBX(b *testing.B) *simast.Server {
	cfg := simast.Config{ChanSIP: true, PJSIP: true, ConfBridge: true, Queue: true}
	for n := range 150 {
		name := fmt.Sprint(3000 + n)
		cfg.SIPPeers = append(cfg.SIPPeers, simast.SIPPeer{Name: name, Username: name, Host: "10.1.0.1", Port: 5060 + n,
			Dynamic: true, MaxMS: 2000, LastMS: 1 + n%40, CallerID: `"Phone" <` + name + `>`, Codecs: []string{"ulaw", "alaw"}})
	}
	for n := range 50 {
		name := fmt.Sprint(4000 + n)
		cfg.Endpoints = append(cfg.Endpoints, simast.Endpoint{Name: name, CallerIDNum: name, MaxContacts: 1, InboundAuth: name,
			AuthUser: name, Codecs: []string{"ulaw"}, Contacts: []simast.Contact{{URI: "sip:" + name + "@10.2.0.1:5060",
				Hash: fmt.Sprintf("%032x", n), Status: "Avail", RTT: time.Duration(400+n) * time.Microsecond, Expires: time.Now().Add(time.Hour)}}})
	}
	s := simast.New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	for n := range 225 { // 225 chan_sip calls between the 150 phones…
		spec := simast.CallSpec{From: fmt.Sprint(3000 + n%150), To: fmt.Sprint(3000 + (n+75)%150), Loss: 0.01, Jitter: 2 * time.Millisecond}
		if n%3 == 0 {
			spec.FromCodec, spec.ToCodec = "ulaw", "alaw"
		}
		if _, err := s.StartCall(spec); err != nil {
			b.Fatal(err)
		}
	}
	for n := range 25 { // …and 25 PJSIP calls
		if _, err := s.StartCall(simast.CallSpec{Tech: "PJSIP", From: fmt.Sprint(4000 + n), To: fmt.Sprint(4025 + n)}); err != nil {
			b.Fatal(err)
		}
	}
	if got := s.ActiveChannels(); got != 500 {
		b.Fatalf("%d channels", got)
	}
	return s
}

func benchCollect(b *testing.B, inst *Instance, rounds func() uint64) {
	ch := make(chan prometheus.Metric, 16384) // more than one scrape sends
	series := 0
	start := rounds()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		inst.Collect(ctx, ch)
		cancel()
		series = len(ch)
		for len(ch) > 0 {
			<-ch
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rounds()-start)/float64(b.N), "round_trips/op")
	b.ReportMetric(float64(series), "series/op")
}

// BenchmarkScrapeAMI500 is one full scrape of every collector, phone fleet
// of all 200 extensions included, of an Asterisk with 500 channels and 200
// peers over one AMI connection, simulator included.
func BenchmarkScrapeAMI500(b *testing.B) {
	s := bigPBX(b)
	f := false
	cfg := config.Asterisk{Name: "big", Mode: config.AsteriskModeAMI, Address: s.Addr(), Username: "exporter",
		Secret: "exporterpass", Timeout: 30 * time.Second, RTCP: &f, PhoneFleet: config.PhoneFleet{Ranges: []string{"3000-3149", "4000-4049"}}}
	inst := newInstance(b, cfg)
	waitConnected(b, inst)
	benchCollect(b, inst, func() uint64 { return inst.Client().Stats().ActionsSent })
}

// BenchmarkScrapeCLI500 is the same scrape in CLI mode: one `asterisk -rx`
// process per command (the fake asterisk, a small Go program).
func BenchmarkScrapeCLI500(b *testing.B) {
	s := bigPBX(b)
	sock := filepath.Join(b.TempDir(), "asterisk.ctl")
	if err := s.StartCLI(sock); err != nil {
		b.Fatal(err)
	}
	cfg := config.Asterisk{Name: "big", Mode: config.AsteriskModeCLI, CLICommand: fakeAsterisk + " -s " + sock + " -rx",
		Timeout: 30 * time.Second, PhoneFleet: config.PhoneFleet{Ranges: []string{"3000-3149", "4000-4049"}}}
	inst, err := NewInstance(cfg, ScrapersWith(Options{PhoneFleet: mustFleet(b, cfg)}), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	benchCollect(b, inst, func() uint64 { return inst.cli.commands.Load() })
}

func mustFleet(b *testing.B, cfg config.Asterisk) []string {
	exts, err := config.ExpandFleet(cfg.PhoneFleet.Ranges)
	if err != nil {
		b.Fatal(err)
	}
	return exts
}
