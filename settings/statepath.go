package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// StatePath is where the state file lives:
//
//   - Linux and the BSDs: $XDG_STATE_HOME/idlebell/state.json (default
//     ~/.local/state/idlebell/state.json);
//   - Windows: %LocalAppData%\idlebell\state.json — the watermarks belong to
//     this machine and must not roam with the profile. A state file an
//     earlier idlebell kept in %AppData%\idlebell is moved there the first
//     time; if it cannot be moved, that file stays in use, so nothing is
//     announced twice or lost;
//   - macOS: ~/Library/Application Support/idlebell/state.json.
func StatePath() (string, error) {
	p, err := statePath(runtime.GOOS, os.Getenv)
	if err != nil || runtime.GOOS != "windows" {
		return p, err
	}
	roaming, err := configDir(runtime.GOOS, os.Getenv)
	if err != nil {
		return p, nil
	}
	return adoptStateFile(filepath.Join(roaming, "idlebell", "state.json"), p), nil
}

// statePath is StatePath on goos with the environment getenv, without the
// move. Errors say which variable is missing.
func statePath(goos string, getenv func(string) string) (string, error) {
	var dir string
	switch goos {
	case "windows":
		dir = getenv("LocalAppData")
		if dir == "" {
			return "", errors.New("find the state directory: %LocalAppData% is not set")
		}
	case "darwin", "ios":
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("find the state directory: $HOME is not set")
		}
		dir = filepath.Join(home, "Library", "Application Support")
	case "android", "plan9", "js", "wasip1":
		d, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("find the state directory: %w", err)
		}
		dir = d
	default:
		if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
			dir = d
		} else if home := getenv("HOME"); home != "" {
			dir = filepath.Join(home, ".local", "state")
		} else {
			return "", errors.New("find the state directory: neither $XDG_STATE_HOME nor $HOME is set")
		}
	}
	return filepath.Join(dir, "idlebell", "state.json"), nil
}

// configDir is os.UserConfigDir for goos: %AppData% on Windows.
func configDir(goos string, getenv func(string) string) (string, error) {
	if goos == "windows" {
		if d := getenv("AppData"); d != "" {
			return d, nil
		}
		return "", errors.New("%AppData% is not set")
	}
	return os.UserConfigDir()
}

// adoptStateFile moves the state file at old to path when path does not
// exist yet, and returns the path to use: path, or old when old exists but
// could not be moved (it is never left behind unread).
func adoptStateFile(old, path string) string {
	if _, err := os.Lstat(path); err == nil {
		return path
	}
	if _, err := os.Lstat(old); err != nil {
		return path
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
		if err := os.Rename(old, path); err == nil {
			return path
		}
	}
	if _, err := os.Lstat(path); err == nil {
		return path // another idlebell moved it meanwhile
	}
	return old
}
