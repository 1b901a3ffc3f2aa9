package settings

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// reloadDelay lets an editor finish its write-rename-chmod dance before the
// file is read.
const reloadDelay = 200 * time.Millisecond

// Watch reloads the config file at path whenever it changes on disk (and, on
// Unix, on SIGHUP) and calls onChange with the new config, or with nil and
// the error Load returned (the caller keeps running its current config and
// reports why). It watches the directory, not the file, because editors
// replace files by rename; a symlinked path's target directory is watched
// too. Events within ~200ms are merged into one reload, and a reload that
// reads the same bytes as the previous one is not reported (Save from the
// settings window and touch do not restart anything), except after SIGHUP.
//
// onChange is called from Watch's goroutine, one call at a time; Watch waits
// for it to return. Watch creates the config directory (0700) if needed, and
// returns nil when ctx is done, or an error if the directory cannot be
// watched.
func Watch(ctx context.Context, path string, onChange func(*Config, error)) error {
	return watch(ctx, path, reloadDelay, onChange)
}

func watch(ctx context.Context, path string, delay time.Duration, onChange func(*Config, error)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch config: %w", err)
	}
	defer w.Close()

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("watch config: %w", err)
	}
	names := map[string]bool{filepath.Clean(path): true}
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watch config directory %s: %w", dir, err)
	}
	if target, err := filepath.EvalSymlinks(path); err == nil && filepath.Clean(target) != filepath.Clean(path) {
		names[filepath.Clean(target)] = true
		if filepath.Dir(target) != dir {
			// Best effort: the link itself is still watched.
			_ = w.Add(filepath.Dir(target))
		}
	}

	hup, stopHUP := notifyHUP()
	defer stopHUP()
	l := reloader{path: path, names: names, delay: delay, after: time.After, onChange: onChange}
	return l.run(ctx, w.Events, w.Errors, hup)
}

// reloader is Watch's loop, apart from fsnotify and the clock so that a
// test can drive it one event at a time.
type reloader struct {
	path     string
	names    map[string]bool // the config file, and its symlink's target
	delay    time.Duration
	after    func(time.Duration) <-chan time.Time // arms the reload timer
	onChange func(*Config, error)
}

// run reloads on the config file's events, errors (events were lost) and
// hup, each burst once, after delay. It returns nil when ctx is done or
// events or errs is closed.
func (l reloader) run(ctx context.Context, events <-chan fsnotify.Event, errs <-chan error, hup <-chan os.Signal) error {
	var fire <-chan time.Time // nil: no reload pending
	forced := false
	var last []byte
	haveLast := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if !l.names[filepath.Clean(ev.Name)] || ev.Op == fsnotify.Chmod {
				continue
			}
			fire = l.after(l.delay)
		case _, ok := <-errs:
			if !ok {
				return nil
			}
			// Typically an event queue overflow: events were lost, so
			// look at the file again rather than trust what we saw.
			fire = l.after(l.delay)
		case <-hup:
			forced = true
			fire = l.after(0)
		case <-fire:
			fire = nil
			data, err := readConfig(l.path)
			if err == nil && haveLast && !forced && bytes.Equal(data, last) {
				continue
			}
			forced = false
			last, haveLast = data, err == nil
			if err != nil {
				l.onChange(nil, err)
				continue
			}
			cfg, err := parse(l.path, data)
			l.onChange(cfg, err)
		}
	}
}
