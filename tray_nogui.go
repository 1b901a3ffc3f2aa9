//go:build nogui

package main

import (
	"context"
	"time"

	"idlebell/settings"
)

// trayFront in a -tags nogui build: no GUI toolkit, no cgo, no OpenGL or X11
// libraries — a small static binary for servers and tiling desktops that
// runs --headless and the subcommands.
type trayFront struct{ d trayDeps }

func newTrayFront(d trayDeps) *trayFront { return &trayFront{d: d} }

func (t *trayFront) configChanged(*settings.Config, error) {}

func (t *trayFront) run(context.Context) int {
	t.d.logger.Error("this idlebell was built without the tray app (-tags nogui): run it with --headless")
	return 1
}

var attentionAfter = 2 * time.Minute

func runSettingsWindow(_ context.Context, s settingsArgs) int {
	if s.problem != "" {
		return 2
	}
	s.logger.Error("this idlebell was built without the settings window (-tags nogui): edit the config file")
	return 1
}

func alreadyRunning(context.Context) {}
