package recordings

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/voip-exporter/voip_exporter/config"
)

type instCollector struct{ i *Instance }

func (c instCollector) Describe(chan<- *prometheus.Desc) {}
func (c instCollector) Collect(ch chan<- prometheus.Metric) {
	c.i.Collect(context.Background(), ch)
}

type scrape struct {
	fams map[string]*dto.MetricFamily
	text string
}

func collect(t *testing.T, i *Instance) scrape {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(instCollector{i})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	s := scrape{fams: map[string]*dto.MetricFamily{}}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range fams {
		s.fams[f.GetName()] = f
		_ = enc.Encode(f)
	}
	s.text = b.String()
	return s
}

func (s scrape) value(name, dir string) (float64, bool) {
	for _, m := range s.fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "directory" && l.GetValue() == dir {
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

func (s scrape) want(t *testing.T, v float64, name, dir string) {
	t.Helper()
	got, ok := s.value(name, dir)
	if !ok {
		t.Errorf("%s{directory=%q} absent:\n%s", name, dir, s.text)
	} else if got != v {
		t.Errorf("%s{directory=%q} = %v, want %v", name, dir, got, v)
	}
}

// waitWalk scrapes until the walk of dir is reported (it runs in the
// background; generous deadline, polling).
func waitWalk(t *testing.T, i *Instance, dir string) scrape {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := collect(t, i)
		if _, ok := s.value("recordings_files", dir); ok {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no walk of %s reported:\n%s", dir, s.text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func writeFile(t *testing.T, path string, size int, age time.Duration) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte{'x'}, size), 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Now().Add(-age)
	if err := os.Chtimes(path, mt, mt); err != nil {
		t.Fatal(err)
	}
}

func newInst(dirs []string, maxFiles int) *Instance {
	cfg := config.Recordings{Name: "rec", Directories: dirs, Timeout: 5 * time.Second,
		WalkInterval: time.Hour, WalkTimeout: 30 * time.Second, MaxFiles: maxFiles}
	return NewInstance(cfg, Scrapers(), nil)
}

// TestTree: three recordings, as MixMonitor and ViciDial's audio cron leave
// them (a day directory under the spool), plus things that are not files.
func TestTree(t *testing.T) {
	dir := t.TempDir()
	// 100 + 250 + 1000 = 1350 bytes in 3 regular files; the oldest is
	// 3 h old (10800 s); the symlink and the directories are not counted.
	writeFile(t, filepath.Join(dir, "20261206-101500_1001-all.wav"), 100, time.Hour)
	writeFile(t, filepath.Join(dir, "20261206-111500_1002-all.wav"), 250, 2*time.Hour)
	writeFile(t, filepath.Join(dir, "MIX", "20261205", "20261205-090000_1003-all.mp3"), 1000, 3*time.Hour)
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "link.wav")); err != nil {
		t.Fatal(err)
	}
	i := newInst([]string{dir}, 1000)
	start := time.Now()
	s := waitWalk(t, i, dir)
	elapsed := time.Since(start).Seconds()
	s.want(t, 3, "recordings_files", dir)
	s.want(t, 1350, "recordings_bytes", dir)
	s.want(t, 0, "recordings_walk_truncated", dir)
	s.want(t, 0, "recordings_walk_errors", dir)
	if age, _ := s.value("recordings_oldest_file_age_seconds", dir); age < 10800 || age > 10800+elapsed+1 {
		t.Errorf("oldest file age %v, want 10800..%v", age, 10800+elapsed+1)
	}

	// Cached between scrapes: a file written now is not seen until the
	// next walk, an hour (walk_interval) later.
	writeFile(t, filepath.Join(dir, "late.wav"), 5, 0)
	s = collect(t, i)
	s.want(t, 3, "recordings_files", dir)
	checkUp(t, s, 1)
}

func checkUp(t *testing.T, s scrape, want float64) {
	t.Helper()
	f := s.fams["recordings_up"]
	if f == nil || len(f.GetMetric()) != 1 || f.GetMetric()[0].GetGauge().GetValue() != want {
		t.Errorf("recordings_up: want %v\n%s", want, s.text)
	}
}

// TestTreeOverCap: 5 files under a cap of 2 → 2 files reported, truncated.
func TestTreeOverCap(t *testing.T) {
	dir := t.TempDir()
	for n := range 5 {
		writeFile(t, filepath.Join(dir, "r"+strconv.Itoa(n)+".wav"), 10, time.Minute)
	}
	i := newInst([]string{dir}, 2)
	s := waitWalk(t, i, dir)
	s.want(t, 2, "recordings_files", dir)
	s.want(t, 20, "recordings_bytes", dir) // 2 × 10 bytes
	s.want(t, 1, "recordings_walk_truncated", dir)
}

// TestFilesystem checks statfs against df(1) (coreutils) on the same
// directory: size exactly, available within what other processes may
// write in between (16 MiB).
func TestFilesystem(t *testing.T) {
	dir := t.TempDir()
	i := newInst([]string{dir}, 10)
	s := collect(t, i)
	out, err := exec.Command("df", "-B1", "--output=size,used,avail", dir).Output()
	if err != nil {
		t.Fatalf("df: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	size, _ := strconv.ParseFloat(f[0], 64)
	used, _ := strconv.ParseFloat(f[1], 64)
	avail, _ := strconv.ParseFloat(f[2], 64)
	s.want(t, size, "recordings_filesystem_size_bytes", dir)
	for _, c := range []struct {
		name string
		df   float64
	}{{"recordings_filesystem_used_bytes", used}, {"recordings_filesystem_avail_bytes", avail}} {
		if v, ok := s.value(c.name, dir); !ok || v < c.df-16<<20 || v > c.df+16<<20 {
			t.Errorf("%s = %v, df says %v", c.name, v, c.df)
		}
	}
	checkUp(t, s, 1)
}

// TestMissingDirectory: a directory that does not exist fails statfs at
// once and the walk once it has run (recordings_up 0 then), and exports no
// series for it.
func TestMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	i := newInst([]string{dir}, 10)
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := collect(t, i)
		for _, name := range []string{"recordings_filesystem_size_bytes", "recordings_files"} {
			if _, ok := s.value(name, dir); ok {
				t.Fatalf("series for a missing directory:\n%s", s.text)
			}
		}
		if f := s.fams["recordings_up"]; f != nil && f.GetMetric()[0].GetGauge().GetValue() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("recordings_up never 0:\n%s", s.text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
