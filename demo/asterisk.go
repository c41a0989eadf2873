package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/voip-exporter/voip_exporter/config"
	simast "github.com/voip-exporter/voip_exporter/sim/asterisk"
)

func init() { register("asterisk", startAsterisk) }

// startAsterisk launches a simulated Asterisk 20 (the captured lab plus a
// fleet of phones 1040–1059 and PJSIP phones 2040–2049) with moving calls,
// peers going down and up, a conference and a queue.
func startAsterisk(ctx context.Context, logger *slog.Logger) (part, error) {
	cfg := simast.Lab()
	for n := 1040; n < 1060; n++ {
		name := fmt.Sprint(n)
		p := simast.SIPPeer{Name: name, Dynamic: true, MaxMS: 2000, Context: "internal",
			CallerID: fmt.Sprintf(`"Agent %d" <%d>`, n, n), Codecs: []string{"ulaw", "alaw"}}
		if n%7 != 0 { // a few phones are switched off
			p.Username, p.Host, p.Port, p.LastMS = name, "127.0.0.1", 5300+n-1040, 1+n%30
		}
		cfg.SIPPeers = append(cfg.SIPPeers, p)
	}
	for n := 2040; n < 2050; n++ {
		name := fmt.Sprint(n)
		cfg.Endpoints = append(cfg.Endpoints, simast.Endpoint{Name: name, CallerIDNum: name, CallerIDName: "PJ " + name,
			MaxContacts: 1, InboundAuth: name, AuthUser: name, Codecs: []string{"ulaw"}, Context: "internal",
			Contacts: []simast.Contact{{URI: fmt.Sprintf("sip:%s@127.0.0.1:%d", name, 5400+n-2040),
				Hash: fmt.Sprintf("%032x", n), Status: "Avail", RTT: time.Duration(300+n) * time.Microsecond,
				ViaAddr: "127.0.0.1", ViaPort: 5400 + n - 2040, Expires: time.Now().Add(time.Hour)}}})
	}
	cfg.RTCPInterval = 5 * time.Second
	srv := simast.New(cfg)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return part{}, fmt.Errorf("demo-pbx: %w", err)
	}
	go func() {
		_ = srv.RunLoad(ctx, simast.LoadProfile{TargetCalls: 8, Conference: "8000", Queue: "support",
			Flap: 45 * time.Second, Period: 10 * time.Minute, Seed: 4})
	}()
	logger.Info("simulated Asterisk listening", "name", "demo-pbx", "address", srv.Addr())
	return part{
		extend: func(c *config.Config) {
			c.Asterisk = append(c.Asterisk, config.Asterisk{
				Name: "demo-pbx", Mode: config.AsteriskModeAMI, Address: srv.Addr(), Username: "exporter",
				Secret: "exporterpass", Timeout: c.Global.Timeout,
				PhoneFleet: config.PhoneFleet{Ranges: []string{"1031-1036", "1040-1059", "2031-2033"}},
			})
			if _, ok := c.Modules["asterisk"]; !ok {
				c.Modules["asterisk"] = config.Module{Source: "asterisk", Password: "exporterpass", Timeout: c.Global.Timeout}
			}
		},
		close: func() { srv.Close() },
	}, nil
}
