package main

import (
	"context"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	reccollector "github.com/voip-exporter/voip_exporter/collector/recordings"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

func init() {
	var toggles []source.Toggle
	register(sourceDef{
		name: reccollector.Namespace,
		addFlags: func(app *kingpin.Application) {
			toggles = source.AddCollectorFlags(app, reccollector.Namespace, reccollector.Scrapers())
		},
		build: func(ctx context.Context, cfg *config.Config, logger *slog.Logger) ([]source.Instance, error) {
			var out []source.Instance
			for _, rc := range cfg.Recordings {
				scrapers := source.Enabled(reccollector.Scrapers(), toggles)
				out = append(out, reccollector.NewInstance(rc, scrapers, logger.With("kind", "recordings", "server", rc.Name)))
			}
			return out, nil
		},
		// No probe: the directories are local.
	})
}
