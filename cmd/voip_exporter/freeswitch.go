package main

import (
	"context"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	fscollector "github.com/voip-exporter/voip_exporter/collector/freeswitch"
	"github.com/voip-exporter/voip_exporter/config"
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
		build: func(ctx context.Context, cfg *config.Config, logger *slog.Logger) ([]source.Instance, error) {
			var q *qualityRuntime
			if len(cfg.FreeSWITCH) > 0 && cfg.Events.On() {
				var err error
				if q, err = newQualityRuntime(cfg, logger); err != nil {
					return nil, err
				}
			}
			var out []source.Instance
			for _, fc := range cfg.FreeSWITCH {
				l := logger.With("kind", "freeswitch", "server", fc.Name)
				var opts []fscollector.Option
				if q != nil {
					o, err := q.option(fc.Name)
					if err != nil {
						q.close(ctx)
						return nil, err
					}
					opts = append(opts, o)
				}
				inst := fscollector.NewInstance(fc, scrapers(), l, opts...)
				if q != nil {
					q.add(inst)
				}
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
