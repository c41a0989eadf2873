package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/alecthomas/kingpin/v2"

	kamcollector "github.com/voip-exporter/voip_exporter/collector/kamailio"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

func init() {
	var toggles []source.Toggle
	// scrapers are the enabled collectors with one instance's options and
	// its per-instance overrides (collectors: in the configuration).
	scrapers := func(o kamcollector.Options, override map[string]bool) []source.Scraper[kamcollector.RPC] {
		var out []source.Scraper[kamcollector.RPC]
		all := kamcollector.Scrapers(o)
		on := source.Enabled(all, toggles)
		for _, s := range all {
			enabled := slices.Contains(on, s)
			if v, ok := override[s.Name()]; ok {
				enabled = v
			}
			if enabled {
				out = append(out, s)
			}
		}
		return out
	}
	register(sourceDef{
		name: kamcollector.Namespace,
		addFlags: func(app *kingpin.Application) {
			toggles = source.AddCollectorFlags(app, kamcollector.Namespace, kamcollector.Scrapers(kamcollector.Options{}))
		},
		build: func(ctx context.Context, cfg *config.Config, logger *slog.Logger) ([]source.Instance, error) {
			names := kamcollector.Names()
			var out []source.Instance
			for _, kc := range cfg.Kamailio {
				for name := range kc.Collectors {
					if !slices.Contains(names, name) {
						return nil, fmt.Errorf("kamailio %s: collectors: unknown collector %q (known: %s)", kc.Name, name, strings.Join(names, ", "))
					}
				}
				s := scrapers(kamcollector.OptionsOf(kc), kc.Collectors)
				out = append(out, kamcollector.NewInstance(kc, s, logger.With("kind", "kamailio", "server", kc.Name)))
			}
			return out, nil
		},
		probe: func(target string, m config.Module, logger *slog.Logger) (source.Instance, func(), error) {
			if err := config.KamailioModuleAddress(target); err != nil {
				return nil, nil, err
			}
			p := kamcollector.NewProbe(target, m, scrapers(kamcollector.Options{}, nil), logger.With("kind", "kamailio", "probe", target))
			return p, p.Close, nil
		},
	})
}
