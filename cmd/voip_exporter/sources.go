package main

import (
	"context"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	"github.com/voip-exporter/voip_exporter/config"
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
	// probe reaches an unconfigured /probe target with a module's settings
	// (nil: the source cannot be probed ad hoc).
	probe func(target string, module config.Module, logger *slog.Logger) (source.Instance, func(), error)
}

var sources []sourceDef

func register(def sourceDef) { sources = append(sources, def) }
