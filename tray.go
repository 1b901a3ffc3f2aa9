//go:build !nogui

package main

import (
	"context"
	"os"
	"strconv"

	"idlebell/appinfo"
	"idlebell/autostart"
	"idlebell/bridge"
	"idlebell/cli"
	"idlebell/settings"
	"idlebell/tray"
	"idlebell/ui"
)

// newTray wires the tray process (package tray: no GUI toolkit), which
// starts the settings process (package ui, Fyne) on demand. Builds with
// -tags nogui leave both out (and with them cgo, OpenGL and X11): see
// tray_nogui.go.
func newTray(d trayDeps) front {
	var settingsCmd []string
	if exe, err := os.Executable(); err == nil {
		settingsCmd = settingsCommand(exe, d)
	}
	return tray.New(tray.Options{
		Delivery:        d.delivery,
		StopWatcher:     d.mgr.Close,
		Watcher:         d.mgr,
		Config:          d.cfg,
		ConfigErr:       d.cfgErr,
		ConfigPath:      d.path,
		FirstRun:        d.firstRun,
		Demo:            d.demo,
		OpenAccount:     func(ctx context.Context, a settings.Account) error { return d.open(ctx, a, nil) },
		SignIn:          d.accounts.SignInWithBrowser,
		SettingsCommand: settingsCmd,
		AttentionAfter:  d.attentionAfter,
		Logger:          d.logger,
	})
}

// settingsCommand is the command line of the settings process the tray
// starts: the config file it edits, or the demo's settings with the port
// its server listens on (the window runs in a process of its own and
// cannot ask the demo).
func settingsCommand(exe string, d trayDeps) []string {
	if !d.demo {
		return []string{exe, "settings", "--config", d.path}
	}
	argv := []string{exe, "settings", "--demo"}
	if d.cfg != nil && len(d.cfg.Accounts) == 1 {
		argv = append(argv, "--demo-port", strconv.Itoa(d.cfg.Accounts[0].Port))
	}
	return argv
}

// runSettingsWindow is `idlebell settings`: the settings (or About) window,
// a Fyne app of its own that ends with its last window.
func runSettingsWindow(ctx context.Context, s cli.SettingsWindow) int {
	app := appInfo()
	if s.Problem != "" {
		return ui.RunProblem(ctx, app, s.ProblemTitle, s.Problem)
	}
	tokens := settings.TokenKeyring()
	accounts := bridge.New(bridge.Options{Secrets: s.Secrets, Tokens: tokens})
	// "" when run from a build folder: the settings window then asks to
	// install idlebell before it can start at login.
	program, _ := autostart.Program(app.Name)
	o := ui.Options{
		App: app, Autostart: autostart.Entry{App: app, Program: program},
		ConfigPath: s.Path, Config: s.Config, Secrets: s.Secrets, Tokens: tokens, Demo: s.Demo,
		SignIn: accounts.SignInWithBrowser,
		Test:   accounts.Check,
		About:  ui.About{Version: app.Version, Commit: commit, License: appinfo.License, URL: appinfo.ProjectURL},
		Logger: s.Logger,
	}
	if !s.Demo {
		// Its lock says whether an idlebell watches the accounts the
		// window saves (when no tray started the window).
		o.StatePath, _ = settings.StatePath()
	}
	var c ui.Control
	if os.Getenv(tray.ControlEnv) == "1" {
		c = ui.Control{In: os.Stdin, Out: os.Stdout}
		o.Watcher = &ui.ControlWatcher{Out: os.Stdout}
	}
	return ui.RunSettings(ctx, o, ui.Show{About: s.About, Account: s.Account, Add: s.Add}, c)
}
