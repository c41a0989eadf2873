// Package demo starts the protocol simulators on loopback for --demo and
// adds instances pointing at them, so a newcomer sees real metrics at once.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/voip-exporter/voip_exporter/config"
	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
)

// Demo is the set of running simulators.
type Demo struct {
	fs     []*fssim.Server
	names  []string
	cancel context.CancelFunc
}

// demoPassword is the simulators' ESL password (FreeSWITCH's default).
const demoPassword = "ClueCon"

// Start launches two simulated FreeSWITCH servers with changing load.
func Start(ctx context.Context, logger *slog.Logger) (*Demo, error) {
	ctx, cancel := context.WithCancel(ctx)
	d := &Demo{cancel: cancel}
	loads := []fssim.LoadProfile{
		{TargetCalls: 12, MixGood: 0.7, MixLossy: 0.2, MixJittery: 0.1},
		{TargetCalls: 5, MixGood: 0.4, MixLossy: 0.3, MixJittery: 0.3},
	}
	for i, load := range loads {
		name := fmt.Sprintf("demo-fs%d", i+1)
		srv := fssim.New(fssim.Config{
			Password:          demoPassword,
			Hostname:          name,
			Seed:              int64(i + 1),
			HeartbeatInterval: 20 * time.Second,
			RTCPInterval:      5 * time.Second,
		})
		if err := srv.Start("127.0.0.1:0"); err != nil {
			d.Close()
			return nil, fmt.Errorf("demo FreeSWITCH %s: %w", name, err)
		}
		go srv.RunLoad(ctx, load)
		d.fs = append(d.fs, srv)
		d.names = append(d.names, name)
		logger.Info("simulated FreeSWITCH listening", "name", name, "address", srv.Addr())
	}
	return d, nil
}

// Extend adds an instance per simulator to cfg.
func (d *Demo) Extend(cfg *config.Config) {
	for i, srv := range d.fs {
		cfg.FreeSWITCH = append(cfg.FreeSWITCH, config.FreeSWITCH{
			Name: d.names[i], Address: srv.Addr(), Password: demoPassword, Timeout: cfg.Global.Timeout,
		})
	}
	if cfg.Modules == nil {
		cfg.Modules = map[string]config.Module{}
	}
	if _, ok := cfg.Modules["freeswitch"]; !ok {
		cfg.Modules["freeswitch"] = config.Module{Source: "freeswitch", Password: demoPassword, Timeout: cfg.Global.Timeout}
	}
}

// Close stops the simulators.
func (d *Demo) Close() {
	d.cancel()
	for _, s := range d.fs {
		_ = s.Close()
	}
}
