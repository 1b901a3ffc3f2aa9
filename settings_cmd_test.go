//go:build !nogui

package main

import (
	"slices"
	"testing"

	"idlebell/settings"
)

// TestSettingsCommand: the settings process the tray starts edits the
// config file, or shows the demo's settings with the port the demo's
// server listens on (it shows an empty port without it).
func TestSettingsCommand(t *testing.T) {
	demo := settings.Default()
	a := settings.NewAccount("Demo")
	a.Host, a.Port, a.Security, a.Username = "127.0.0.1", 44717, settings.SecurityNone, "demo"
	demo.Accounts = []settings.Account{a}
	for _, tt := range []struct {
		name string
		d    trayDeps
		want []string
	}{
		{"config file", trayDeps{path: "/home/u/.config/idlebell/config.toml", cfg: settings.Default()},
			[]string{"/bin/idlebell", "settings", "--config", "/home/u/.config/idlebell/config.toml"}},
		{"demo", trayDeps{demo: true, cfg: demo}, []string{"/bin/idlebell", "settings", "--demo", "--demo-port", "44717"}},
	} {
		if got := settingsCommand("/bin/idlebell", tt.d); !slices.Equal(got, tt.want) {
			t.Errorf("%s: settingsCommand = %q, want %q", tt.name, got, tt.want)
		}
	}
}
