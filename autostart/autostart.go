// Package autostart starts idlebell when the user logs in: an XDG autostart
// entry on Linux and the BSDs ($XDG_CONFIG_HOME/autostart/ID.desktop,
// freedesktop.org Desktop Application Autostart Specification), a
// LaunchAgent on macOS (~/Library/LaunchAgents/ID.plist) and a value under
// HKCU\Software\Microsoft\Windows\CurrentVersion\Run on Windows.
//
// The entry always starts an installed idlebell, never one in a build
// folder, which `make clean` or moving the checkout would silently break:
// see Program. What each system gets is made by pure functions
// (DesktopEntry, LaunchAgent, RunValue) that build on every OS; only the
// small system_*.go files touch the system.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"idlebell/appinfo"
)

// ErrNotInstalled means idlebell runs from a build folder (go build, go run,
// go test) and no installed idlebell was found in PATH: an entry that
// starts it would break as soon as the folder changes.
var ErrNotInstalled = errors.New("idlebell runs from its build folder and is not installed")

// Entry is idlebell's login item for the current user. Its methods may be
// called from any goroutine; they do file or registry I/O and return when
// it is done.
type Entry struct {
	App appinfo.Info
	// Program is the absolute path of the idlebell the entry starts, as
	// Program finds it; "" when idlebell is not installed, which makes
	// Set(true) fail with ErrNotInstalled.
	Program string
}

// Program finds the idlebell a login item should start: the running
// executable (symlinks resolved) unless it lies in a build folder, else
// the program called name in PATH unless that one lies in a build folder
// too. Otherwise it returns ErrNotInstalled.
func Program(name string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find idlebell's own path: %w", err)
	}
	return program(exe, name, exec.LookPath)
}

func program(exe, name string, lookPath func(string) (string, error)) (string, error) {
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	if !InBuildFolder(exe) {
		return exe, nil
	}
	p, err := lookPath(name)
	if err != nil {
		return "", ErrNotInstalled
	}
	if p, err = filepath.Abs(p); err != nil {
		return "", ErrNotInstalled
	}
	// The found path is kept as it is (a package's /usr/bin link survives
	// upgrades); where it leads decides whether it is installed.
	target := p
	if resolved, err := filepath.EvalSymlinks(p); err == nil {
		target = resolved
	}
	if InBuildFolder(target) {
		return "", ErrNotInstalled
	}
	return p, nil
}

// InBuildFolder reports whether the program at path was built in a source
// tree or by the go command: a folder above it holds a go.mod, or one is a
// go-build temporary folder (go run, go test).
func InBuildFolder(path string) bool {
	dir := filepath.Dir(path)
	for {
		if strings.HasPrefix(filepath.Base(dir), "go-build") {
			return true
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
}

// Set adds the login item (on) or removes it. Adding writes the entry
// when it is missing or differs, so an entry left by an older idlebell or
// another path is repaired; it needs e.Program (ErrNotInstalled). Removing
// an entry that is not there is no error.
func (e Entry) Set(on bool) error {
	if !on {
		return e.remove()
	}
	if e.Program == "" {
		return ErrNotInstalled
	}
	if !filepath.IsAbs(e.Program) {
		return fmt.Errorf("%q is not an absolute path", e.Program)
	}
	return e.write()
}

// Enabled reports whether the login item is there and not switched off by
// the desktop (an XDG entry with Hidden=true, say).
func (e Entry) Enabled() (bool, error) { return e.enabled() }

// writeFile replaces path with content unless it holds exactly that:
// through a temporary file in the same folder and a rename, so a crash
// leaves the old entry or the new one, never half of one.
func writeFile(path string, content []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(content) {
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(content)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// removeFile removes path; a missing file is no error.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// fileEnabled reports whether path exists and active says its text is on.
func fileEnabled(path string, active func([]byte) bool) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return active(b), nil
}
