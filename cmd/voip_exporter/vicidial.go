package main

import (
	"context"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	vdcollector "github.com/voip-exporter/voip_exporter/collector/vicidial"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

func init() {
	var toggles []source.Toggle
	scrapers := func() []source.Scraper[*vdcollector.DB] {
		return source.Enabled(vdcollector.Scrapers(), toggles)
	}
	register(sourceDef{
		name: vdcollector.Namespace,
		addFlags: func(app *kingpin.Application) {
			toggles = source.AddCollectorFlags(app, vdcollector.Namespace, vdcollector.Scrapers())
		},
		build: func(ctx context.Context, cfg *config.Config, logger *slog.Logger) ([]source.Instance, error) {
			var out []source.Instance
			for _, vc := range cfg.ViciDial {
				inst, err := vdcollector.NewInstance(vc, scrapers(), logger.With("kind", "vicidial", "server", vc.Name))
				if err != nil {
					return nil, err
				}
				out = append(out, inst)
			}
			return out, nil
		},
		probe: func(target string, m config.Module, logger *slog.Logger) (source.Instance, func(), error) {
			p := vdcollector.NewProbe(target, m, scrapers(), logger.With("kind", "vicidial", "probe", target))
			return p, p.Close, nil
		},
	})
}
