// Package demo starts the protocol simulators on loopback for --demo and
// adds instances pointing at them, so a newcomer sees real metrics at once.
package demo

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/voip-exporter/voip_exporter/config"
)

// part is one source's simulators: started by a starter, it adds its
// instances to the configuration and stops with close.
type part struct {
	extend func(cfg *config.Config)
	close  func()
}

// starter starts one source's simulators. Each source registers one from
// init in a file of its own (freeswitch.go, kamailio.go…).
type starter struct {
	name  string
	start func(ctx context.Context, logger *slog.Logger) (part, error)
}

var starters []starter

func register(name string, start func(ctx context.Context, logger *slog.Logger) (part, error)) {
	starters = append(starters, starter{name: name, start: start})
}

// Demo is the set of running simulators.
type Demo struct {
	parts  []part
	cancel context.CancelFunc
}

// Start launches every source's simulators with changing load.
func Start(ctx context.Context, logger *slog.Logger) (*Demo, error) {
	ctx, cancel := context.WithCancel(ctx)
	d := &Demo{cancel: cancel}
	for _, s := range starters {
		p, err := s.start(ctx, logger.With("sim", s.name))
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("demo %s: %w", s.name, err)
		}
		d.parts = append(d.parts, p)
	}
	return d, nil
}

// Extend adds an instance per simulator to cfg (and probe modules for them).
func (d *Demo) Extend(cfg *config.Config) {
	if cfg.Modules == nil {
		cfg.Modules = map[string]config.Module{}
	}
	for _, p := range d.parts {
		p.extend(cfg)
	}
}

// Close stops the simulators.
func (d *Demo) Close() {
	d.cancel()
	for _, p := range d.parts {
		if p.close != nil {
			p.close()
		}
	}
}
