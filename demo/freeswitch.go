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

// startFreeSWITCH launches two simulated FreeSWITCH servers whose call
// count and quality mix move over time.
func startFreeSWITCH(ctx context.Context, logger *slog.Logger) (part, error) {
	loads := []fssim.LoadProfile{
		{TargetCalls: 12, MixGood: 0.7, MixLossy: 0.2, MixJittery: 0.1, Period: 10 * time.Minute},
		{TargetCalls: 5, MixGood: 0.4, MixLossy: 0.3, MixJittery: 0.3, Period: 6 * time.Minute},
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
		srv := fssim.New(fssim.Config{
			Password:          fsPassword,
			Hostname:          name,
			Seed:              int64(i + 1),
			HeartbeatInterval: 20 * time.Second,
			RTCPInterval:      5 * time.Second,
		})
		if err := srv.Start("127.0.0.1:0"); err != nil {
			closeAll()
			return part{}, fmt.Errorf("%s: %w", name, err)
		}
		go func() { _ = srv.RunLoad(ctx, load) }()
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
