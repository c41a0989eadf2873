package fail2ban

import (
	"context"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/source"
)

// Namespace prefixes every fail2ban metric.
const Namespace = "fail2ban"

// maxLabelBytes bounds a jail name used as a label.
const maxLabelBytes = 128

var (
	jailsDesc = newDesc("jails",
		"Jails the fail2ban server runs (`status`: \"Number of jail\"). New; not in seed 004.")
	activeBansDesc = newDesc("active_bans",
		"IPs banned now, per jail (`status <jail>`: \"Currently banned\"). Seed 004: asterisk_fail2ban_active_bans.", "jail")
	bansTotalDesc = newDesc("bans_total",
		"Bans since the jail started, per jail (`status <jail>`: \"Total banned\"; starts over when fail2ban restarts). Seed 004: asterisk_fail2ban_bans_total.", "jail")
	failedIPsDesc = newDesc("failed_ips",
		"IPs with failures not (yet) banned, per jail (`status <jail>`: \"Currently failed\"). New; not in seed 004.", "jail")
	failuresTotalDesc = newDesc("failures_total",
		"Failures matched since the jail started, per jail (`status <jail>`: \"Total failed\"). New; not in seed 004.", "jail")
)

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
}

// Scrapers returns every fail2ban scraper for an instance that reports the
// given jails (all when empty).
func Scrapers(jails []string) []source.Scraper[*Client] {
	return []source.Scraper[*Client]{jailsScraper{only: jails}}
}

// jailsScraper exports the counters of every jail (or of the configured
// ones), from one fail2ban-client session.
type jailsScraper struct {
	only []string
}

func (jailsScraper) Name() string { return "jails" }
func (jailsScraper) Help() string {
	return "bans and failures per jail (fail2ban-client status, status <jail> short)"
}
func (jailsScraper) Default() bool { return true }

func (s jailsScraper) Scrape(ctx context.Context, c *Client, ch chan<- prometheus.Metric) error {
	sess, err := c.Status(ctx, s.only)
	if err != nil {
		return err
	}
	c.reportMissing(sess.Jails.Missing)
	emit(ch, jailsDesc, prometheus.GaugeValue, float64(len(sess.Server.Jails)))
	seen := map[string]bool{}
	for _, j := range sess.Jails.Statuses {
		name := label(j.Jail)
		if seen[name] {
			continue
		}
		seen[name] = true
		emit(ch, activeBansDesc, prometheus.GaugeValue, float64(j.CurrentlyBanned), name)
		emit(ch, bansTotalDesc, prometheus.CounterValue, float64(j.TotalBanned), name)
		emit(ch, failedIPsDesc, prometheus.GaugeValue, float64(j.CurrentlyFailed), name)
		emit(ch, failuresTotalDesc, prometheus.CounterValue, float64(j.TotalFailed), name)
	}
	return nil
}

func label(s string) string {
	if len(s) > maxLabelBytes || !utf8.ValidString(s) {
		return clip(s, maxLabelBytes)
	}
	return s
}

// emit sends one const metric of type t; it never panics.
func emit(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	ch <- m
}
