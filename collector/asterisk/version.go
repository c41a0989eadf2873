package asterisk

import (
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// ParseVersion reads `core show version`: "Asterisk 20.20.1 built by root @ vm on …".
func ParseVersion(out string) (string, error) {
	for _, l := range lines(out) {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "Asterisk" {
			return f[1], nil
		}
	}
	return "", garbage("core show version", out)
}

var versionInfo = newDesc("", "version_info",
	"Asterisk's version (AMI CoreSettings AsteriskVersion, or `core show version`); always 1.", "version")

// versionScraper: CoreSettings over AMI, `core show version` over the CLI.
type versionScraper struct{}

func (versionScraper) Name() string  { return "version" }
func (versionScraper) Help() string  { return "Asterisk version (CoreSettings, core show version)" }
func (versionScraper) Default() bool { return true }

func (versionScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	var v string
	if api.AMI() {
		resp, err := api.Action(ctx, "CoreSettings")
		if err != nil {
			return noData("CoreSettings", err)
		}
		v = resp.Get("AsteriskVersion")
		if v == "" {
			return garbage("CoreSettings", resp.String())
		}
	} else {
		out, err := command(ctx, api, "core show version")
		if err != nil {
			return err
		}
		if v, err = ParseVersion(out); err != nil {
			return err
		}
	}
	gauge(ch, versionInfo, 1, v)
	return nil
}
