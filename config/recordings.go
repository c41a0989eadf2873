package config

import (
	"path/filepath"
	"strings"
	"time"
)

// Defaults of a recordings instance: ViciDial's recording directories
// (Asterisk's MixMonitor writes to /var/spool/asterisk/monitor, ViciDial's
// AST_CRON_audio scripts move finished files to monitorDONE).
const (
	DefaultRecordingsWalkInterval = 5 * time.Minute
	DefaultRecordingsWalkTimeout  = 30 * time.Second
	DefaultRecordingsMaxFiles     = 1_000_000
)

// DefaultRecordingsDirectories are watched when an instance lists none.
var DefaultRecordingsDirectories = []string{"/var/spool/asterisk/monitor"}

// Recordings is a set of local recording directories: the filesystem that
// holds each (statfs, every scrape) and the tree under it (a bounded walk
// every walk_interval, in the background).
type Recordings struct {
	Name        string   `yaml:"name"`
	Directories []string `yaml:"directories"`
	// WalkInterval is how often each tree is walked; scrapes report the
	// last walk and its age.
	WalkInterval time.Duration `yaml:"walk_interval"`
	// WalkTimeout and MaxFiles bound one walk of one directory; a walk
	// stopped by either reports what it saw, flagged truncated.
	WalkTimeout time.Duration `yaml:"walk_timeout"`
	MaxFiles    int           `yaml:"max_files"`
	Timeout     time.Duration `yaml:"timeout"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

func (c *Config) defaultsRecordings() {
	for i := range c.Recordings {
		r := &c.Recordings[i]
		if r.Timeout == 0 {
			r.Timeout = c.Global.Timeout
		}
		if len(r.Directories) == 0 {
			r.Directories = append([]string(nil), DefaultRecordingsDirectories...)
		}
		if r.WalkInterval == 0 {
			r.WalkInterval = DefaultRecordingsWalkInterval
		}
		if r.WalkTimeout == 0 {
			r.WalkTimeout = DefaultRecordingsWalkTimeout
		}
		if r.MaxFiles == 0 {
			r.MaxFiles = DefaultRecordingsMaxFiles
		}
	}
}

func (c *Config) validateRecordings(bad badFunc) {
	seen := map[string]int{}
	for i, r := range c.Recordings {
		where := fmtWhere("recordings", i)
		checkName(bad, r.Line, "recordings", i, r.Name, seen)
		if err := checkTimeout(r.Timeout); err != nil {
			bad(r.Line, "%s: timeout: %v", where, err)
		}
		dirs := map[string]bool{}
		for _, d := range r.Directories {
			switch {
			case !filepath.IsAbs(d) || strings.ContainsAny(d, "\x00\n"):
				bad(r.Line, "%s: directory %q is not an absolute path", where, d)
			case dirs[filepath.Clean(d)]:
				bad(r.Line, "%s: directory %q is listed twice", where, d)
			}
			dirs[filepath.Clean(d)] = true
		}
		if r.WalkInterval < 0 || r.WalkTimeout < 0 {
			bad(r.Line, "%s: walk_interval and walk_timeout may not be negative", where)
		}
		if r.MaxFiles < 0 {
			bad(r.Line, "%s: max_files may not be negative", where)
		}
	}
}
