package main

import (
	"context"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	rtpcollector "github.com/voip-exporter/voip_exporter/collector/rtpengine"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

func init() {
	var toggles []source.Toggle
	register(sourceDef{
		name: rtpcollector.Namespace,
		addFlags: func(app *kingpin.Application) {
			toggles = source.AddCollectorFlags(app, rtpcollector.Namespace, rtpcollector.Scrapers(rtpcollector.Options{}))
		},
		build: func(ctx context.Context, cfg *config.Config, logger *slog.Logger) ([]source.Instance, error) {
			var out []source.Instance
			for _, rc := range cfg.RTPEngine {
				// Scrapers per instance: the query collector keeps the calls it follows.
				scrapers := source.Enabled(rtpcollector.Scrapers(rtpcollector.OptionsOf(rc)), toggles)
				out = append(out, rtpcollector.NewInstance(rc, scrapers, logger.With("kind", "rtpengine", "server", rc.Name)))
			}
			return out, nil
		},
		probe: func(target string, m config.Module, logger *slog.Logger) (source.Instance, func(), error) {
			if err := config.RTPEngineModuleAddress(target); err != nil {
				return nil, nil, err
			}
			p := rtpcollector.NewProbe(target, m, source.Enabled(rtpcollector.Scrapers(rtpcollector.Options{}), toggles),
				logger.With("kind", "rtpengine", "probe", target))
			return p, p.Close, nil
		},
	})
}
