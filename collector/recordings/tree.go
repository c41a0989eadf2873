package recordings

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"time"
)

// Tree is what the scrapers read: the configured directories, and the last
// walk of each.
type Tree struct {
	Dirs         []string
	WalkInterval time.Duration
	WalkTimeout  time.Duration
	MaxFiles     int
	Logger       *slog.Logger

	mu    sync.Mutex
	walks map[string]*walkState
}

// Walk is the result of one walk of one directory tree.
type Walk struct {
	Files     int       // regular files
	Bytes     int64     // their apparent sizes (st_size), as du --apparent-size --bytes counts
	Oldest    time.Time // the oldest modification time of a regular file; zero with no files
	Truncated bool      // stopped at MaxFiles or WalkTimeout: Files and Bytes are lower bounds
	Errors    int       // entries that could not be read (permissions, vanished)
	Took      time.Duration
	Done      time.Time // when the walk finished
}

type walkState struct {
	running bool
	started time.Time
	last    *Walk
	err     error
}

// walk walks dir, stopping after maxFiles regular files or at deadline.
func walk(ctx context.Context, dir string, maxFiles int) (Walk, error) {
	start := time.Now()
	var w Walk
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return err
			}
			w.Errors++
			return nil // a subtree that vanished or is unreadable: skip it
		}
		if ctx.Err() != nil {
			w.Truncated = true
			return fs.SkipAll
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if w.Files >= maxFiles {
			w.Truncated = true
			return fs.SkipAll
		}
		info, err := d.Info()
		if err != nil {
			w.Errors++
			return nil
		}
		w.Files++
		w.Bytes += info.Size()
		if mt := info.ModTime(); w.Oldest.IsZero() || mt.Before(w.Oldest) {
			w.Oldest = mt
		}
		return nil
	})
	w.Took, w.Done = time.Since(start), time.Now()
	return w, err
}

// walkOf returns the last walk of dir (nil before the first finished), and
// starts a new one in the background when the last started WalkInterval
// ago or more.
func (t *Tree) walkOf(dir string) (*Walk, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.walks == nil {
		t.walks = map[string]*walkState{}
	}
	st := t.walks[dir]
	if st == nil {
		st = &walkState{}
		t.walks[dir] = st
	}
	now := time.Now()
	if !st.running && (st.started.IsZero() || now.Sub(st.started) >= t.WalkInterval) {
		st.running, st.started = true, now
		go t.run(dir, st)
	}
	return st.last, st.err
}

func (t *Tree) run(dir string, st *walkState) {
	ctx, cancel := context.WithTimeout(context.Background(), t.WalkTimeout)
	defer cancel()
	w, err := walk(ctx, dir, t.MaxFiles)
	t.mu.Lock()
	defer t.mu.Unlock()
	st.running = false
	if err != nil {
		if st.err == nil || st.err.Error() != err.Error() {
			t.Logger.Warn("walking a recordings directory failed", "directory", dir, "err", err)
		}
		st.err = err
		if errors.Is(err, fs.ErrNotExist) {
			st.last = nil
		}
		return
	}
	st.last, st.err = &w, nil
}
