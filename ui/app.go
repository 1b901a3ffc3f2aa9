// Package ui is idlebell's tray app: the tray icon and menu, desktop
// notifications and the settings window, on Fyne.
//
// Data flow: the watcher's events → one pump goroutine (hooks, notification
// policy, D-Bus calls) → fyne.Do → the tray's model and widgets, which live
// on the Fyne goroutine only.
package ui

import (
	"context"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/systray"

	"idlebell/assets"
	"idlebell/hooks"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// AppID is the Fyne app id (preferences, and the desktop entry's name).
const AppID = "io.github.idlebell"

// Watcher is what the tray asks of the watcher. Its methods return at once
// and may be called from any goroutine.
type Watcher interface {
	CheckNow(account string)
	Retry(account string)
}

// ConfigUpdate is a reloaded config (or why it could not be loaded).
type ConfigUpdate struct {
	Config *settings.Config
	Err    error
}

// Options wire the tray app.
type Options struct {
	Events     <-chan imapwatch.Event
	Watcher    Watcher
	Hooks      *hooks.Runner
	ConfigPath string // "" in demo mode
	Config     *settings.Config
	ConfigErr  error
	Updates    <-chan ConfigUpdate
	Secrets    settings.Secrets
	// Tokens holds OAuth2 refresh tokens (settings.TokenKeyring()): the
	// settings window renames and deletes an account's entry with it.
	Tokens   settings.Secrets
	Demo     bool
	Test     func(ctx context.Context, a settings.Account) *imapwatch.CheckResult
	MarkRead func(ctx context.Context, a settings.Account, mailbox string, uidValidity, uid uint32) error
	// SignIn signs an OAuth2 account in with the browser and stores the
	// refresh token. It blocks until the user is done or ctx ends, and is
	// called off the Fyne goroutine; after it returns nil the tray calls
	// Watcher.Retry(a.Name). Nil: the sign-in buttons say so.
	SignIn func(ctx context.Context, a settings.Account) error
	Logger *slog.Logger
}

// Tray is the part of desktop.App the tray uses (desktop.App grew a method
// in Fyne 2.7; tests pass a fake).
type Tray interface {
	SetSystemTrayMenu(menu *fyne.Menu)
	SetSystemTrayIcon(icon fyne.Resource)
}

// Run shows the tray and blocks until Quit or ctx is done; it must be called
// on the main goroutine (Fyne's rule). It returns the process exit status: 0
// after Quit or ctx's end, 1 when there is no system tray support at all.
func Run(ctx context.Context, o Options) int {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	app.SetMetadata(fyne.AppMetadata{
		ID:         AppID,
		Name:       "idlebell",
		Icon:       fyne.NewStaticResource("idlebell.png", assets.Bell),
		Migrations: map[string]bool{"fyneDo": true},
	})
	a := app.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("idlebell.png", assets.Bell))
	desk, ok := a.(desktop.App)
	if !ok {
		o.Logger.Error("this platform has no system tray; use idlebell --headless --notify")
		return 1
	}

	if o.Config == nil {
		o.Config = settings.Default()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := newTrayUI(a, desk, o)
	t.setTooltip = systray.SetTooltip
	t.do = fyne.Do
	t.ctx = ctx
	p := newPump(o, t, fyne.Do, time.Now)
	p.notifier = newNotifier(p.onAction, p.onClosed, o.Logger)
	defer p.notifier.Close()
	t.ctl = p

	t.refresh()
	if len(o.Config.Accounts) == 0 && !o.Demo && o.ConfigErr == nil {
		t.showSettings() // first run
	}
	pumpDone := make(chan struct{})
	go func() {
		defer close(pumpDone)
		p.run(ctx)
	}()
	// SIGTERM, SIGINT: main's ctx ends; quit on the Fyne goroutine.
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()

	a.Run()
	cancel()
	t.bg.Wait() // sign-ins end with ctx
	<-pumpDone
	return 0
}
