package recordings

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"

	"github.com/voip-exporter/voip_exporter/source"
)

// Namespace prefixes every recordings metric.
const Namespace = "recordings"

func newDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, []string{"directory"}, nil)
}

var (
	fsSize = newDesc("filesystem_size_bytes",
		"Size of the filesystem holding the recording directory (statfs f_blocks × f_frsize, df's 1B-blocks). Seed 004: asterisk_disk_recordings_gb.")
	fsFree = newDesc("filesystem_avail_bytes",
		"Bytes free for unprivileged users on the filesystem holding the recording directory (statfs f_bavail × f_frsize, df's Avail). New.")
	fsUsed = newDesc("filesystem_used_bytes",
		"Bytes used on the filesystem holding the recording directory ((f_blocks − f_bfree) × f_frsize, df's Used). New.")
	treeFiles = newDesc("files",
		"Regular files under the recording directory at the last walk (a lower bound when recordings_walk_truncated is 1). New.")
	treeBytes = newDesc("bytes",
		"Apparent size (st_size) of the regular files under the recording directory at the last walk (a lower bound when truncated). New.")
	treeOldest = newDesc("oldest_file_age_seconds",
		"Age of the oldest regular file (by modification time) under the recording directory at the last walk. New.")
	treeTruncated = newDesc("walk_truncated",
		"1 when the last walk stopped at max_files or walk_timeout before the end of the tree. New.")
	treeErrors = newDesc("walk_errors",
		"Entries the last walk could not read (permissions, files removed while walking). New.")
	treeAge = newDesc("walk_age_seconds",
		"Seconds since the last walk of the recording directory finished. New.")
	treeDuration = newDesc("walk_duration_seconds",
		"How long the last walk of the recording directory took. New.")
)

// Scrapers returns every recordings scraper, in a stable order.
func Scrapers() []source.Scraper[*Tree] {
	return []source.Scraper[*Tree]{filesystemScraper{}, treeScraper{}}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, dir string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, dir)
}

// filesystemScraper reads statfs(2) of each directory: one system call each.
type filesystemScraper struct{}

func (filesystemScraper) Name() string { return "filesystem" }
func (filesystemScraper) Help() string {
	return "size, used and available bytes of the filesystem holding each recording directory (statfs)"
}
func (filesystemScraper) Default() bool { return true }

func (filesystemScraper) Scrape(ctx context.Context, t *Tree, ch chan<- prometheus.Metric) error {
	var errs []error
	for _, dir := range t.Dirs {
		var st unix.Statfs_t
		if err := unix.Statfs(dir, &st); err != nil {
			errs = append(errs, fmt.Errorf("statfs %s: %w", dir, err))
			continue
		}
		bs := float64(st.Frsize)
		if bs == 0 {
			bs = float64(st.Bsize)
		}
		gauge(ch, fsSize, float64(st.Blocks)*bs, dir)
		gauge(ch, fsFree, float64(st.Bavail)*bs, dir)
		gauge(ch, fsUsed, float64(st.Blocks-st.Bfree)*bs, dir)
	}
	return errors.Join(errs...)
}

// treeScraper reports the last walk of each directory, and starts the next
// in the background when it is due.
type treeScraper struct{}

func (treeScraper) Name() string { return "tree" }
func (treeScraper) Help() string {
	return "files, bytes and oldest file age under each recording directory (a bounded walk every walk_interval, in the background)"
}
func (treeScraper) Default() bool { return true }

func (treeScraper) Scrape(ctx context.Context, t *Tree, ch chan<- prometheus.Metric) error {
	now := time.Now()
	var errs []error
	for _, dir := range t.Dirs {
		w, err := t.walkOf(dir)
		if err != nil {
			errs = append(errs, err)
		}
		if w == nil {
			continue
		}
		gauge(ch, treeFiles, float64(w.Files), dir)
		gauge(ch, treeBytes, float64(w.Bytes), dir)
		if !w.Oldest.IsZero() {
			gauge(ch, treeOldest, max(now.Sub(w.Oldest).Seconds(), 0), dir)
		}
		trunc := 0.0
		if w.Truncated {
			trunc = 1
		}
		gauge(ch, treeTruncated, trunc, dir)
		gauge(ch, treeErrors, float64(w.Errors), dir)
		gauge(ch, treeAge, max(now.Sub(w.Done).Seconds(), 0), dir)
		gauge(ch, treeDuration, w.Took.Seconds(), dir)
	}
	return errors.Join(errs...)
}
