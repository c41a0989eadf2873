package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	astcollector "github.com/voip-exporter/voip_exporter/collector/asterisk"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/pipeline"
	"github.com/voip-exporter/voip_exporter/source"
)

func init() {
	var toggles []source.Toggle
	scrapers := func(o astcollector.Options) []source.Scraper[astcollector.API] {
		return source.Enabled(astcollector.ScrapersWith(o), toggles)
	}
	register(sourceDef{
		name: astcollector.Namespace,
		addFlags: func(app *kingpin.Application) {
			toggles = source.AddCollectorFlags(app, astcollector.Namespace, astcollector.Scrapers())
		},
		buildEvents: func(ctx context.Context, cfg *config.Config, pl *pipeline.Pipeline, logger *slog.Logger) ([]source.Instance, error) {
			var out []source.Instance
			for _, ac := range cfg.Asterisk {
				exts, err := config.ExpandFleet(ac.PhoneFleet.Ranges)
				if err != nil {
					return nil, fmt.Errorf("asterisk %s: phone_fleet: %w", ac.Name, err)
				}
				inst, err := astcollector.NewInstance(ac, scrapers(astcollector.Options{PhoneFleet: exts}),
					logger.With("kind", "asterisk", "server", ac.Name, "mode", ac.Mode))
				if err != nil {
					return nil, err
				}
				pl.Bind(inst) // HA: its RTCP path follows a lease
				out = append(out, inst)
			}
			return out, nil
		},
		probe: func(target string, m config.Module, logger *slog.Logger) (source.Instance, func(), error) {
			if _, _, err := astcollector.ParseProbeTarget(target); err != nil {
				return nil, nil, fmt.Errorf("asterisk probe target %q (want [user@]host[:port]): %w", target, err)
			}
			p := astcollector.NewProbe(target, m, scrapers(astcollector.Options{}), logger.With("kind", "asterisk", "probe", target))
			return p, p.Close, nil
		},
	})
}
