//go:build !windows && !darwin

package autostart

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEntryXDG(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	path := filepath.Join(cfg, "autostart", "io.github.idlebell.desktop")
	read := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	enabled := func() bool {
		t.Helper()
		on, err := Entry{App: testApp}.Enabled()
		if err != nil {
			t.Fatal(err)
		}
		return on
	}

	if enabled() {
		t.Fatal("Enabled() = true before any Set")
	}
	if err := (Entry{App: testApp}).Set(true); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Set(true) without a Program = %v, want ErrNotInstalled", err)
	}
	if err := (Entry{App: testApp, Program: "bin/idlebell"}).Set(true); err == nil {
		t.Error("Set(true) with a relative Program = nil error, want one")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused Set left %s: %v", path, err)
	}

	e := Entry{App: testApp, Program: "/usr/bin/idlebell"}
	if err := e.Set(true); err != nil {
		t.Fatal(err)
	}
	if !enabled() || !strings.Contains(read(), "\nExec=\"/usr/bin/idlebell\"\n") {
		t.Errorf("after Set(true): Enabled() = %v, file:\n%s", enabled(), read())
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}

	// An entry from an older idlebell, pointing into its build folder, is
	// repaired by the next Set(true).
	if err := os.WriteFile(path, []byte("[Desktop Entry]\nType=Application\nExec=\"/home/u/src/idlebell/bin/idlebell\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.Set(true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(read(), "\nExec=\"/usr/bin/idlebell\"\n") {
		t.Errorf("Set(true) did not repair a stale entry:\n%s", read())
	}

	// Switched off by the desktop (GNOME Tweaks, Xfce's session settings).
	if err := os.WriteFile(path, []byte(read()+"Hidden=true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if enabled() {
		t.Error("Enabled() = true for an entry with Hidden=true")
	}

	if err := e.Set(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) || enabled() {
		t.Errorf("after Set(false): stat %v, Enabled() = %v; want no file", err, enabled())
	}
	if err := e.Set(false); err != nil {
		t.Errorf("Set(false) twice: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 0 {
		t.Errorf("left behind in %s: %v", filepath.Dir(path), ents)
	}
}
