package main

import (
	"context"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	f2bcollector "github.com/voip-exporter/voip_exporter/collector/fail2ban"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

func init() {
	var toggles []source.Toggle
	register(sourceDef{
		name: f2bcollector.Namespace,
		addFlags: func(app *kingpin.Application) {
			toggles = source.AddCollectorFlags(app, f2bcollector.Namespace, f2bcollector.Scrapers(nil))
		},
		build: func(ctx context.Context, cfg *config.Config, logger *slog.Logger) ([]source.Instance, error) {
			var out []source.Instance
			for _, fc := range cfg.Fail2ban {
				scrapers := source.Enabled(f2bcollector.Scrapers(fc.Jails), toggles)
				out = append(out, f2bcollector.NewInstance(fc, scrapers, logger.With("kind", "fail2ban", "server", fc.Name)))
			}
			return out, nil
		},
		// No probe: fail2ban is reached through a local socket, so there is
		// no remote target to probe.
	})
}
