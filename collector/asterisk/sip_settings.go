package asterisk

import (
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// ParseSIPSettingsCodecs reads the "Codecs:" line of `sip show settings`
// ("  Codecs:                 (ulaw|alaw|gsm)").
func ParseSIPSettingsCodecs(out string) ([]string, error) {
	for _, l := range lines(out) {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if !ok || k != "Codecs" {
			continue
		}
		return parseFormats(v), nil
	}
	return nil, garbage("sip show settings", out)
}

var sipAllowedCodec = newDesc("sip", "allowed_codec",
	"A codec allowed by chan_sip's [general] allow= (`sip show settings` Codecs); always 1. Seed 004: asterisk_sip_allowed_codec.",
	"codec")

// sipSettingsScraper runs `sip show settings`.
type sipSettingsScraper struct{}

func (sipSettingsScraper) Name() string  { return "sip_settings" }
func (sipSettingsScraper) Help() string  { return "codecs allowed by chan_sip (sip show settings)" }
func (sipSettingsScraper) Default() bool { return true }

func (sipSettingsScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	out, err := command(ctx, api, "sip show settings")
	if err != nil {
		return err
	}
	codecs, err := ParseSIPSettingsCodecs(out)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range codecs {
		if !seen[c] {
			seen[c] = true
			gauge(ch, sipAllowedCodec, 1, c)
		}
	}
	return nil
}
