package main

import (
	"context"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	fscollector "github.com/voip-exporter/voip_exporter/collector/freeswitch"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/pipeline"
	"github.com/voip-exporter/voip_exporter/source"
)

func init() {
	var toggles []source.Toggle
	scrapers := func() []source.Scraper[fscollector.API] {
		return source.Enabled(fscollector.Scrapers(), toggles)
	}
	register(sourceDef{
		name: fscollector.Namespace,
		addFlags: func(app *kingpin.Application) {
			toggles = source.AddCollectorFlags(app, fscollector.Namespace, fscollector.Scrapers())
		},
		buildEvents: func(ctx context.Context, cfg *config.Config, pl *pipeline.Pipeline, logger *slog.Logger) ([]source.Instance, error) {
			var out []source.Instance
			for _, fc := range cfg.FreeSWITCH {
				opts, err := pl.FreeSWITCH(fc.Name) // the event path, when events are on
				if err != nil {
					return nil, err
				}
				inst := fscollector.NewInstance(fc, scrapers(), logger.With("kind", "freeswitch", "server", fc.Name), opts...)
				pl.Bind(inst)
				out = append(out, inst)
			}
			return out, nil
		},
		probe: func(target string, m config.Module, logger *slog.Logger) (source.Instance, func(), error) {
			p := fscollector.NewProbe(target, m, scrapers(), logger.With("kind", "freeswitch", "probe", target))
			return p, p.Close, nil
		},
	})
}
