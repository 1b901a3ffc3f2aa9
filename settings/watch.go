package settings

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	pending, forced := false, false
	var last []byte
	haveLast := false

	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !names[filepath.Clean(ev.Name)] || ev.Op == fsnotify.Chmod {
				continue
			}
			pending = true
			timer.Reset(delay)
		case _, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// Typically an event queue overflow: events were lost, so
			// look at the file again rather than trust what we saw.
			pending = true
			timer.Reset(delay)
		case <-hup:
			pending, forced = true, true
			timer.Reset(0)
		case <-timer.C:
			if !pending {
				continue
			}
			pending = false
			data, err := readConfig(path)
			if err == nil && haveLast && !forced && bytes.Equal(data, last) {
				continue
			}
			forced = false
			last, haveLast = data, err == nil
			if err != nil {
				onChange(nil, err)
				continue
			}
			cfg, err := parse(path, data)
			onChange(cfg, err)
		}
	}
}

// Changes says which accounts a new config adds, removes or changes, by
// name, in the new (or, for Removed, the old) config's order. A renamed
// account is one removed and one added.
type Changes struct {
	Added, Removed, Changed, Unchanged []string
	// Notifications is true when the [notifications] table differs.
	Notifications bool
}

// Diff compares two configs so the caller restarts only the watchers of
// changed accounts. Accounts are compared after WithDefaults; any field
// difference, hooks included, counts as a change. old may be nil.
func Diff(old, new *Config) Changes {
	var ch Changes
	if old == nil {
		old = &Config{}
	}
	if new == nil {
		new = &Config{}
	}
	ch.Notifications = old.Notifications != new.Notifications
	for _, a := range new.Accounts {
		prev, ok := old.Account(a.Name)
		switch {
		case !ok:
			ch.Added = append(ch.Added, a.Name)
		case reflect.DeepEqual(prev.WithDefaults(), a.WithDefaults()):
			ch.Unchanged = append(ch.Unchanged, a.Name)
		default:
			ch.Changed = append(ch.Changed, a.Name)
		}
	}
	for _, a := range old.Accounts {
		if _, ok := new.Account(a.Name); !ok {
			ch.Removed = append(ch.Removed, a.Name)
		}
	}
	return ch
}
