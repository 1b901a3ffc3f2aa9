package settings

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// loop drives Watch's loop one event at a time: every channel is
// unbuffered, so a send returns once the loop has taken it, and the next
// send once it has finished with it. The reload timer is the test's.
type loop struct {
	t       *testing.T
	dir     string
	path    string
	events  chan fsnotify.Event
	hup     chan os.Signal
	fire    chan time.Time
	arms    atomic.Int32 // times the loop armed the reload timer
	reloads []reload     // written by the loop, read after a sync
}

func startLoop(t *testing.T) *loop {
	t.Helper()
	dir := t.TempDir()
	l := &loop{t: t, dir: dir, path: filepath.Join(dir, "config.toml"),
		events: make(chan fsnotify.Event), hup: make(chan os.Signal), fire: make(chan time.Time)}
	write(t, l.path, twoAccounts)
	target := filepath.Join(dir, "real.toml")
	r := reloader{
		path: l.path, names: map[string]bool{l.path: true, target: true}, delay: time.Hour,
		after:    func(time.Duration) <-chan time.Time { l.arms.Add(1); return l.fire },
		onChange: func(c *Config, err error) { l.reloads = append(l.reloads, reload{c, err}) },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.run(ctx, l.events, nil, l.hup) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run() = %v after cancel, want nil", err)
		}
	})
	return l
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// event hands the loop one event for name (relative to the config's
// directory) and waits until it has taken it.
func (l *loop) event(name string, op fsnotify.Op) {
	l.events <- fsnotify.Event{Name: filepath.Join(l.dir, name), Op: op}
}

// sync returns once the loop has finished with everything sent before: it
// takes one more event only after that. The event is for a file the loop
// ignores.
func (l *loop) sync() { l.event("sync-barrier", fsnotify.Write) }

// check waits for the loop, then compares what it did with what was wanted.
func (l *loop) check(what string, arms, reloads int) {
	l.t.Helper()
	l.sync()
	if got := int(l.arms.Load()); got != arms {
		l.t.Errorf("%s: the reload timer was armed %d times, want %d", what, got, arms)
	}
	if len(l.reloads) != reloads {
		l.t.Errorf("%s: %d reloads, want %d", what, len(l.reloads), reloads)
	}
}

// TestReloadOnlyForTheConfigFile: events for other files in the directory
// (the .bak Save leaves, an editor's swap file, another program's config)
// neither arm a reload nor cause one; the config file's own events, its
// symlink target's, and each burst of them, one reload each.
func TestReloadOnlyForTheConfigFile(t *testing.T) {
	l := startLoop(t)
	for _, name := range []string{"config.toml.bak", ".config.toml.swp", "other.toml", "config.toml~"} {
		l.event(name, fsnotify.Write)
		l.event(name, fsnotify.Create)
	}
	l.check("other files", 0, 0)

	l.event("config.toml", fsnotify.Chmod)
	l.check("chmod of the config", 0, 0)

	l.event("config.toml", fsnotify.Create)
	l.event("config.toml", fsnotify.Write)
	l.event("config.toml", fsnotify.Write)
	l.check("a burst of writes", 3, 0)
	l.fire <- time.Now()
	l.check("the timer of the burst", 3, 1)
	if r := l.reloads[0]; r.err != nil || len(r.cfg.Accounts) != 2 {
		t.Errorf("reload = %+v, %v; want the two accounts", r.cfg, r.err)
	}

	write(t, l.path, twoAccounts+"\n# edited\n")
	l.event("real.toml", fsnotify.Write) // a symlinked config's target
	l.fire <- time.Now()
	l.check("the symlink target", 4, 2)
}

// TestReloadSkipsSameBytes: a write of the same bytes (Save of the running
// config, touch) is not reported, unless SIGHUP asked; a file that cannot
// be read is reported every time.
func TestReloadSkipsSameBytes(t *testing.T) {
	l := startLoop(t)
	l.event("config.toml", fsnotify.Write)
	l.fire <- time.Now()
	l.event("config.toml", fsnotify.Write)
	l.fire <- time.Now()
	l.check("the same bytes twice", 2, 1)

	l.hup <- os.Interrupt // any signal value: the loop only counts it
	l.fire <- time.Now()
	l.check("SIGHUP", 3, 2)

	os.Remove(l.path)
	for range 2 {
		l.event("config.toml", fsnotify.Remove)
		l.fire <- time.Now()
	}
	l.check("a missing file", 5, 4)
	if r := l.reloads[3]; r.cfg != nil || !errors.Is(r.err, fs.ErrNotExist) {
		t.Errorf("reload of a missing file = %+v, %v; want ErrNotExist", r.cfg, r.err)
	}
}
