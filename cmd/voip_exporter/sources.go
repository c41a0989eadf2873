package main

import (
	"context"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/pipeline"
	"github.com/voip-exporter/voip_exporter/source"
)

// sourceDef wires one kind of monitored system into the binary. Each source
// has a file of its own here (freeswitch.go, kamailio.go…) that registers
// its sourceDef from init, so adding a source touches no shared file.
type sourceDef struct {
	name string
	// addFlags registers the source's --collector.<source>.<name> flags.
	addFlags func(app *kingpin.Application)
	// build creates the configured instances (started by the caller with Run).
	build func(ctx context.Context, cfg *config.Config, logger *slog.Logger) ([]source.Instance, error)
	// buildEvents replaces build for a source whose events feed the event
	// pipeline: its instances take their options from it and are bound to it.
	buildEvents func(ctx context.Context, cfg *config.Config, pl *pipeline.Pipeline, logger *slog.Logger) ([]source.Instance, error)
	// probe reaches an unconfigured /probe target with a module's settings
	// (nil: the source cannot be probed ad hoc).
	probe func(target string, module config.Module, logger *slog.Logger) (source.Instance, func(), error)
}

// sources is filled by the init functions of the per-source files, then only read.
var sources []sourceDef

func register(def sourceDef) { sources = append(sources, def) }

// instances builds the source's configured instances.
func (d sourceDef) instances(ctx context.Context, cfg *config.Config, pl *pipeline.Pipeline, logger *slog.Logger) ([]source.Instance, error) {
	if d.buildEvents != nil {
		return d.buildEvents(ctx, cfg, pl, logger)
	}
	return d.build(ctx, cfg, logger)
}
