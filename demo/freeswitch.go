package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/voip-exporter/voip_exporter/config"
	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
)

// fsPassword is the simulators' ESL password (FreeSWITCH's default).
const fsPassword = "ClueCon"

func init() { register("freeswitch", startFreeSWITCH) }

// demoRTCPInterval is short so that live call-quality metrics move within
// a couple of scrapes (FreeSWITCH's own default is 5 s).
const demoRTCPInterval = 2 * time.Second

// startFreeSWITCH launches two simulated FreeSWITCH servers whose call
// count and quality mix (good, lossy, jittery) move over time, over a few
// tenant domains, so the call-quality metrics and the status page show a
// spread; demo-fs1's two carriers take outbound attempts, one of them with a falling ASR (carriers.go).
// Their records go to OTLP only if otlp.endpoint is configured.
func startFreeSWITCH(ctx context.Context, logger *slog.Logger) (part, error) {
	loads := []fssim.LoadProfile{
		{TargetCalls: 12, MixGood: 0.7, MixLossy: 0.2, MixJittery: 0.1, Period: 10 * time.Minute,
			Domains: []string{"pbx.example.com", "sales.example.net", "support.example.org"}, MinDuration: 15 * time.Second, MaxDuration: 90 * time.Second},
		{TargetCalls: 5, MixGood: 0.4, MixLossy: 0.3, MixJittery: 0.3, Period: 6 * time.Minute,
			Domains: []string{"tenant-a.example", "tenant-b.example"}, MinDuration: 10 * time.Second, MaxDuration: 60 * time.Second},
	}
	var (
		servers []*fssim.Server
		names   []string
	)
	closeAll := func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}
	for i, load := range loads {
		name := fmt.Sprintf("demo-fs%d", i+1)
		sc := fssim.Config{
			Password:          fsPassword,
			Hostname:          name,
			Seed:              int64(i + 1),
			HeartbeatInterval: 20 * time.Second,
			RTCPInterval:      demoRTCPInterval,
		}
		if i == 0 {
			sc.Gateways = demoGateways // carriers.go
		}
		srv := fssim.New(sc)
		if err := srv.Start("127.0.0.1:0"); err != nil {
			closeAll()
			return part{}, fmt.Errorf("%s: %w", name, err)
		}
		go func() { _ = srv.RunLoad(ctx, load) }()
		if i == 0 {
			go runCarriers(ctx, srv, int64(i+1))
		}
		servers = append(servers, srv)
		names = append(names, name)
		logger.Info("simulated FreeSWITCH listening", "name", name, "address", srv.Addr())
	}
	return part{
		extend: func(cfg *config.Config) {
			for i, srv := range servers {
				cfg.FreeSWITCH = append(cfg.FreeSWITCH, config.FreeSWITCH{
					Name: names[i], Address: srv.Addr(), Password: fsPassword, Timeout: cfg.Global.Timeout,
				})
			}
			if _, ok := cfg.Modules["freeswitch"]; !ok {
				cfg.Modules["freeswitch"] = config.Module{Source: "freeswitch", Password: fsPassword, Timeout: cfg.Global.Timeout}
			}
		},
		close: closeAll,
	}, nil
}
