//go:build !nogui

package main

import (
	"context"

	"idlebell/imapwatch"
	"idlebell/settings"
	"idlebell/ui"
)

// trayFront wires the Fyne tray app. Builds with -tags nogui leave it out
// (and with it cgo, OpenGL and X11): see tray_nogui.go.
type trayFront struct {
	d       trayDeps
	updates chan ui.ConfigUpdate
}

func newTrayFront(d trayDeps) *trayFront {
	// Latest state only: a full buffer loses nothing, the next change
	// carries the whole config.
	return &trayFront{d: d, updates: make(chan ui.ConfigUpdate, 1)}
}

// configChanged is called by the config watcher's goroutine; it never blocks.
func (t *trayFront) configChanged(c *settings.Config, err error) {
	select {
	case t.updates <- ui.ConfigUpdate{Config: c, Err: err}:
	default:
		t.d.logger.Warn("tray busy; config change shown later")
	}
}

// run shows the tray and blocks until Quit or ctx is done.
func (t *trayFront) run(ctx context.Context) int {
	d := t.d
	return ui.Run(ctx, ui.Options{
		Events:     d.mgr.Events(),
		Watcher:    d.mgr,
		Hooks:      d.hooks,
		ConfigPath: d.path,
		Config:     d.cfg,
		ConfigErr:  d.cfgErr,
		Secrets:    d.secrets,
		Tokens:     d.tokens,
		SignIn:     d.accounts.SignInWithBrowser,
		Demo:       d.demo,
		Updates:    t.updates,
		Test: func(ctx context.Context, a settings.Account) *imapwatch.CheckResult {
			return imapwatch.Check(ctx, d.accounts.Config(a))
		},
		MarkRead: func(ctx context.Context, a settings.Account, mailbox string, uidValidity, uid uint32) error {
			return imapwatch.MarkSeen(ctx, d.accounts.Config(a), mailbox, uidValidity, uid)
		},
		Logger: d.logger,
	})
}
