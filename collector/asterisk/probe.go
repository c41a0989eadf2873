package asterisk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// ParseProbeTarget parses an ad-hoc /probe target "[user@]host[:port]"
// (user defaults to exporter, port to 5038); the secret is the probe
// module's password.
func ParseProbeTarget(target string) (user, addr string, err error) {
	user, rest := config.DefaultAsteriskUsername, target
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		user, rest = rest[:i], rest[i+1:]
		if user == "" || strings.ContainsAny(user, "\r\n") {
			return "", "", errors.New("bad user before @")
		}
	}
	host, port := rest, "5038"
	if h, p, err := net.SplitHostPort(rest); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		host = rest[1 : len(rest)-1]
	}
	if host == "" || strings.ContainsAny(host, "@/[] \t\r\n?") {
		return "", "", fmt.Errorf("bad host %q", host)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return user, net.JoinHostPort(host, port), nil
}

// NewProbe builds a one-off instance for a /probe target
// ("[user@]host[:port]") that is not configured: it logs in with the
// module's password, scrapes once and logs off within one collection.
func NewProbe(target string, module config.Module, scrapers []source.Scraper[API], logger *slog.Logger) *source.Probe[API] {
	return &source.Probe[API]{
		Kind: Namespace, Target: target, Deadline: module.Timeout, Scrapers: scrapers, Logger: logger,
		ScrapeContext: WithScrape,
		Connect: func(ctx context.Context) (API, func(), func(chan<- prometheus.Metric), error) {
			user, addr, err := ParseProbeTarget(target)
			if err != nil {
				return nil, nil, nil, err
			}
			conn, err := ami.Dial(ctx, addr, ami.Options{Username: user, Secret: string(module.Password),
				DialTimeout: module.Timeout, ActionTimeout: module.Timeout})
			if err != nil {
				return nil, nil, nil, err
			}
			stats := func(ch chan<- prometheus.Metric) { sendAMIStats(ch, conn.Stats()) }
			return memoAPI{inner: AMIAPI{Conn: conn}}, func() { conn.Close() }, stats, nil
		},
	}
}
