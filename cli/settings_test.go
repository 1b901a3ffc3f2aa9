package cli

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSettingsCmd: what `idlebell settings` hands the window, and what it
// says when it cannot.
func TestSettingsCmd(t *testing.T) {
	good := writeFile(t, "[[account]]\nname = \"Work\"\nhost = \"h\"\nusername = \"u\"\n")
	invalid := writeFile(t, "[[account]]\nname = \"\"\n")
	missing := filepath.Join(t.TempDir(), "none.toml")
	tests := []struct {
		name       string
		args       []string
		noWindow   bool
		code       int
		wantStderr string
		want       string // the window: "path accounts account about demo"
	}{
		{"an account", []string{"settings", "--config", good, "--account", "Work"}, false, 0, "", good + " 1 Work false false"},
		{"about", []string{"settings", "--config", good, "--about"}, false, 0, "", good + " 1  true false"},
		{"first run", []string{"settings", "--config", missing}, false, 0, "", missing + " 0  false false"},
		{"demo, read-only", []string{"settings", "--demo"}, false, 0, "", " 1  false true"},
		{"invalid config", []string{"settings", "--config", invalid}, false, 0, "idlebell: " + invalid, invalid + " -1  false false problem"},
		{"invalid config, no window", []string{"settings", "--config", invalid}, true, 2, "idlebell: " + invalid, ""},
		{"bad flag", []string{"settings", "--acount", "Work"}, false, 2, "flag provided but not defined", ""},
		{"help", []string{"settings", "--help"}, false, 0, "Usage: idlebell settings", ""},
		{"no window in this build", []string{"settings", "--config", good}, true, 1, "built without the settings window", ""},
	}
	for _, tt := range tests {
		var got string
		env := Env{Secrets: passwords{}}
		if !tt.noWindow {
			env.Settings = func(_ context.Context, w SettingsWindow) int {
				n := -1
				if w.Config != nil {
					n = len(w.Config.Accounts)
				}
				got = strings.Join([]string{w.Path, strconv.Itoa(n), w.Account, strconv.FormatBool(w.About), strconv.FormatBool(w.Demo)}, " ")
				if w.Problem != "" {
					got += " problem"
				}
				return 0
			}
		}
		code, _, stderr := run(t, env, tt.args...)
		if code != tt.code || got != tt.want || !strings.Contains(stderr, tt.wantStderr) {
			t.Errorf("%s: idlebell %q = %d, window %q, stderr %q; want %d, window %q, stderr with %q",
				tt.name, tt.args, code, got, stderr, tt.code, tt.want, tt.wantStderr)
		}
	}
}

// TestSettingsDemoPort: the demo's window shows the port the tray's demo
// server listens on, as the tray passes it; without it (or a number that
// is no port) the port is unknown and shown empty.
func TestSettingsDemoPort(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"settings", "--demo", "--demo-port", "44717"}, 44717},
		{[]string{"settings", "--demo"}, 0},
		{[]string{"settings", "--demo", "--demo-port", "70000"}, 0},
	} {
		got := -1
		env := Env{Secrets: passwords{}, Settings: func(_ context.Context, w SettingsWindow) int {
			if w.Demo && len(w.Config.Accounts) == 1 {
				got = w.Config.Accounts[0].Port
			}
			return 0
		}}
		if code, _, stderr := run(t, env, tt.args...); code != 0 || got != tt.want {
			t.Errorf("idlebell %q = %d (%s), the demo account's port %d, want 0 and %d", tt.args, code, stderr, got, tt.want)
		}
	}
}
