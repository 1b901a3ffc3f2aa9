//go:build nogui

package main

import (
	"context"
	"log/slog"

	"idlebell/cli"
	"idlebell/settings"
)

// newTray in a -tags nogui build: no GUI toolkit, no cgo, no OpenGL or X11
// libraries — a small static binary for servers and tiling desktops that
// runs --headless and the subcommands.
func newTray(d trayDeps) front { return noTray{d.logger} }

type noTray struct{ logger *slog.Logger }

func (noTray) ConfigChanged(*settings.Config, error) {}

func (t noTray) Run(context.Context) int {
	t.logger.Error("this idlebell was built without the tray app (-tags nogui): run it with --headless")
	return 1
}

// runSettingsWindow: no settings window; cli says so.
var runSettingsWindow func(context.Context, cli.SettingsWindow) int
