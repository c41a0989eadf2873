package freeswitch

import (
	"bytes"
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Version is the reply of the `version` API command.
type Version struct {
	Version string // "1.10.12-release~64bit"
	Build   string // the text in parentheses: "64bit", or "git e52b1a8 2020-09-09 12:16:24Z 64bit"
}

// ParseVersion parses "FreeSWITCH Version 1.10.12-release~64bit ( 64bit)".
func ParseVersion(body []byte) (Version, error) {
	b := bytes.TrimSpace(body)
	if len(b) > 4096 || bytes.ContainsAny(b, "\r\n") {
		return Version{}, garbage("version", body)
	}
	rest, ok := strings.CutPrefix(string(b), "FreeSWITCH Version ")
	if !ok {
		return Version{}, garbage("version", body)
	}
	ver, build, _ := strings.Cut(rest, " ")
	if ver == "" {
		return Version{}, garbage("version", body)
	}
	build = strings.TrimSpace(build)
	if build != "" {
		inner, ok := strings.CutPrefix(build, "(")
		if ok {
			inner, ok = strings.CutSuffix(inner, ")")
		}
		if !ok {
			return Version{}, garbage("version", body)
		}
		build = strings.Join(strings.Fields(inner), " ")
	}
	return Version{Version: clip(ver, maxLabelBytes), Build: clip(build, maxLabelBytes)}, nil
}

var versionInfo = newDesc("", "version_info",
	"FreeSWITCH version, always 1 (`version`). New; not in seed 000.", "version", "build")

// versionScraper runs `version`.
type versionScraper struct{}

func (versionScraper) Name() string  { return "version" }
func (versionScraper) Help() string  { return "FreeSWITCH version, from `version`" }
func (versionScraper) Default() bool { return true }

func (versionScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	body, err := call(ctx, api, "version")
	if err != nil {
		return err
	}
	v, err := ParseVersion(body)
	if err != nil {
		return err
	}
	gauge(ch, versionInfo, 1, v.Version, v.Build)
	return nil
}
