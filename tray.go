//go:build !nogui

package main

import (
	"context"
	"os"

	"idlebell/autostart"
	"idlebell/bridge"
	"idlebell/delivery"
	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/settings"
	"idlebell/tray"
	"idlebell/ui"
)

// trayFront wires the tray process (package tray: no GUI toolkit) and
// starts the settings process (package ui, Fyne) on demand. Builds with
// -tags nogui leave both out (and with them cgo, OpenGL and X11): see
// tray_nogui.go.
type trayFront struct {
	d   trayDeps
	app *tray.App
}

func newTrayFront(d trayDeps) *trayFront {
	var settingsCmd []string
	if exe, err := os.Executable(); err == nil && !d.demo {
		settingsCmd = []string{exe, "settings", "--config", d.path}
	} else if err == nil {
		settingsCmd = []string{exe, "settings", "--demo"}
	}
	app := tray.New(tray.Options{
		Delivery:        d.delivery,
		StopWatcher:     d.mgr.Close,
		Watcher:         d.mgr,
		Config:          d.cfg,
		ConfigErr:       d.cfgErr,
		ConfigPath:      d.path,
		Demo:            d.demo,
		OpenAccount:     func(ctx context.Context, a settings.Account) error { return d.open(ctx, a, nil) },
		SignIn:          d.accounts.SignInWithBrowser,
		SettingsCommand: settingsCmd,
		AttentionAfter:  attentionAfter,
		Logger:          d.logger,
	})
	return &trayFront{d: d, app: app}
}

// configChanged is called by the config watcher's goroutine; it never blocks.
func (t *trayFront) configChanged(c *settings.Config, err error) { t.app.ConfigChanged(c, err) }

// run shows the tray and blocks until Quit or ctx is done.
func (t *trayFront) run(ctx context.Context) int { return t.app.Run(ctx) }

// The licence and the project's page, for the About window.
const (
	license    = "MIT"
	projectURL = "https://github.com/idlebell/idlebell"
)

// alreadyRunning says in a bubble that another idlebell holds the lock:
// the tray app started from a menu has no terminal to print to.
func alreadyRunning(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, delivery.DefaultNotifyTimeout)
	defer cancel()
	n, _ := delivery.NewNotifier(ctx, delivery.Signals{})
	defer n.Close()
	_, _ = n.Notify(ctx, delivery.Notification{Title: i18n.T("idlebell is already running"), Body: i18n.T("It is in the tray already.")})
}

// attentionAfter is tray.DefaultAttentionAfter; tests shorten it.
var attentionAfter = tray.DefaultAttentionAfter

// runSettingsWindow is `idlebell settings`: the settings (or About) window,
// a Fyne app of its own that ends with its last window.
func runSettingsWindow(ctx context.Context, s settingsArgs) int {
	app := appInfo()
	if s.problem != "" {
		return ui.RunProblem(ctx, app, s.problem)
	}
	tokens := settings.TokenKeyring()
	accounts := bridge.New(bridge.Options{Secrets: s.secrets, Tokens: tokens})
	// "" when run from a build folder: the settings window then asks to
	// install idlebell before it can start at login.
	program, _ := autostart.Program(app.Name)
	o := ui.Options{
		App: app, Autostart: autostart.Entry{App: app, Program: program},
		ConfigPath: s.path, Config: s.cfg, Secrets: s.secrets, Tokens: tokens, Demo: s.demo,
		SignIn: accounts.SignInWithBrowser,
		Test: func(ctx context.Context, a settings.Account, password string) *imapwatch.CheckResult {
			cfg := accounts.Config(a)
			if password != "" { // typed in the window, not stored yet
				cfg.Password = func(context.Context) (string, error) { return password, nil }
			}
			return imapwatch.Check(ctx, cfg)
		},
		About:  ui.About{Version: app.Version, Commit: commit, License: license, URL: projectURL},
		Logger: s.logger,
	}
	var c ui.Control
	if os.Getenv(tray.ControlEnv) == "1" {
		c = ui.Control{In: os.Stdin, Out: os.Stdout}
		o.Watcher = &ui.ControlWatcher{Out: os.Stdout}
	}
	return ui.RunSettings(ctx, o, ui.Show{About: s.about, Account: s.account}, c)
}
