package settings

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestStatePathPerOS(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		goos    string
		getenv  func(string) string
		want    string
		wantErr string
	}{
		{"linux", env("XDG_STATE_HOME", "/x/state", "HOME", "/home/u"), "/x/state/idlebell/state.json", ""},
		{"linux", env("XDG_STATE_HOME", "relative/ignored", "HOME", "/home/u"), "/home/u/.local/state/idlebell/state.json", ""},
		{"freebsd", env("HOME", "/home/u"), "/home/u/.local/state/idlebell/state.json", ""},
		{"linux", env(), "", "neither $XDG_STATE_HOME nor $HOME is set"},
		{"darwin", env("HOME", "/Users/u", "XDG_STATE_HOME", "/x"), "/Users/u/Library/Application Support/idlebell/state.json", ""},
		{"windows", env("LocalAppData", `C:\Users\u\AppData\Local`, "AppData", `C:\Users\u\AppData\Roaming`),
			filepath.Join(`C:\Users\u\AppData\Local`, "idlebell", "state.json"), ""},
		{"windows", env("AppData", `C:\Users\u\AppData\Roaming`), "", "%LocalAppData% is not set"},
	}
	for _, tc := range tests {
		got, err := statePath(tc.goos, tc.getenv)
		if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("statePath(%s) = %q, %v; want %q, %q", tc.goos, got, err, tc.want, tc.wantErr)
		}
	}
	if runtime.GOOS == "linux" {
		t.Setenv("XDG_STATE_HOME", "/x/state")
		if got, err := StatePath(); got != "/x/state/idlebell/state.json" || err != nil {
			t.Errorf("StatePath() = %q, %v, want /x/state/idlebell/state.json", got, err)
		}
	}
}

// TestAdoptStateFile: the state an earlier idlebell kept in the roaming
// profile moves to the local one once; a file that cannot move stays in
// use; an existing local file wins.
func TestAdoptStateFile(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "Roaming", "idlebell", "state.json")
	local := filepath.Join(dir, "Local", "idlebell", "state.json")
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	read := func(path string) string {
		b, _ := os.ReadFile(path)
		return string(b)
	}

	if got := adoptStateFile(old, local); got != local {
		t.Errorf("adoptStateFile(nothing there) = %q, want %q", got, local)
	}
	write(old, "roaming")
	if got := adoptStateFile(old, local); got != local || read(local) != "roaming" {
		t.Errorf("adoptStateFile(old only) = %q holding %q, want %q holding the old state", got, read(local), local)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("the old state file is still there after the move")
	}
	write(old, "stale")
	if got := adoptStateFile(old, local); got != local || read(local) != "roaming" || read(old) != "stale" {
		t.Errorf("adoptStateFile(both) = %q; local %q, old %q: want the local file, both untouched", got, read(local), read(old))
	}

	// The local directory cannot be made (a file is in the way): the old
	// file stays and stays in use.
	blocked := filepath.Join(dir, "blocked")
	write(blocked, "a file, not a directory")
	unmovable := filepath.Join(blocked, "idlebell", "state.json")
	if got := adoptStateFile(old, unmovable); got != old || read(old) != "stale" {
		t.Errorf("adoptStateFile(unmovable) = %q, want the old path %q, its file kept", got, old)
	}
}
