package ui

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// controller is what the tray asks of the pump (pause and resume bubbles).
type controller interface {
	Pause(until time.Time)
	Resume()
}

// trayUI owns the tray icon, the menu and the windows. Every method runs on
// the Fyne goroutine; nothing here blocks on I/O.
type trayUI struct {
	app        fyne.App
	tray       Tray
	o          Options
	model      *model
	ctl        controller
	now        func() time.Time
	setTooltip func(string)

	menu      *fyne.Menu
	menuSig   string // labels and states of the menu last set
	iconState IconState
	iconKey   string
	tooltip   string

	settings *settingsWindow
	about    fyne.Window

	// do runs f on the Fyne goroutine later (fyne.Do); nil in tests that
	// need no background answers. The countdown timer uses it to refresh
	// "reconnecting in N s"; sign-ins report back through it.
	do        func(func())
	countdown *time.Timer

	// ctx ends the sign-ins (Run's context); bg counts them, and Run waits
	// for them after the app quits.
	ctx context.Context
	bg  sync.WaitGroup
}

// signInTimeout bounds a browser sign-in the user walked away from.
const signInTimeout = 15 * time.Minute

func newTrayUI(a fyne.App, tray Tray, o Options) *trayUI {
	return &trayUI{
		app: a, tray: tray, o: o,
		model:      newModel(o.Config, o.ConfigErr, o.Demo),
		now:        time.Now,
		setTooltip: func(string) {},
		ctx:        context.Background(),
		iconKey:    "-",
	}
}

func (t *trayUI) apply(ev imapwatch.Event) {
	t.model.apply(ev)
	t.refresh()
}

func (t *trayUI) setConfig(cfg *settings.Config, err error) {
	t.model.setConfig(cfg, err)
	if cfg != nil && err == nil {
		t.o.Config = cfg
		if t.settings != nil {
			t.settings.configChanged(cfg)
		}
	}
	t.refresh()
}

func (t *trayUI) setPaused(paused bool, until time.Time) {
	t.model.paused, t.model.pausedUntil = paused, until
	t.refresh()
}

// refresh rebuilds the menu and sets icon and tooltip: after every state
// change (the menu is small; rebuilding keeps it simple and correct).
func (t *trayUI) refresh() {
	now := t.now()
	// One Menu value, its items replaced: Fyne's systray keeps the *Menu of
	// the first call and shows it again once the tray host answers, which
	// may be after later calls.
	st := t.model.iconState()
	key := st.String()
	if st == IconUnread {
		key += "-" + badgeText(t.model.totalUnread())
	}
	if key != t.iconKey {
		t.iconKey, t.iconState = key, st
		t.tray.SetSystemTrayIcon(trayIcon(st, t.model.totalUnread()))
	}
	if t.menu == nil {
		t.menu = fyne.NewMenu("idlebell")
	}
	items := t.menuItems(now)
	if sig := menuSignature(items); sig != t.menuSig {
		t.menuSig = sig
		t.menu.Items = items
		t.tray.SetSystemTrayMenu(t.menu)
	}
	if tip := t.model.tooltip(now); tip != t.tooltip {
		t.tooltip = tip
		t.setTooltip(tip)
	}
	t.scheduleCountdown(now)
}

// scheduleCountdown refreshes the menu in a second while an account waits
// to reconnect, so "reconnecting in 20 s" counts down.
func (t *trayUI) scheduleCountdown(now time.Time) {
	if t.do == nil || t.countdown != nil || !t.model.waiting(now) {
		return
	}
	t.countdown = time.AfterFunc(time.Second, func() {
		t.do(func() {
			t.countdown = nil
			t.refresh()
		})
	})
}

func (t *trayUI) menuItems(now time.Time) []*fyne.MenuItem {
	var items []*fyne.MenuItem
	if t.model.cfgErr != nil {
		items = append(items, fyne.NewMenuItem("Config has errors — open Settings…", t.showSettings))
	}
	for _, name := range t.model.order {
		name := name
		item := fyne.NewMenuItem(t.model.line(name, now), nil)
		var children []*fyne.MenuItem
		if t.model.signingIn(name) || t.model.accounts[name].needsSignIn() {
			again := fyne.NewMenuItem("Sign in again…", func() { t.signInAgain(name) })
			again.Disabled = t.model.signingIn(name) || t.o.SignIn == nil
			children = append(children, again)
		}
		children = append(children,
			fyne.NewMenuItem("Open mail client", func() { t.open(name) }),
			fyne.NewMenuItem("Check now", func() { t.checkNow(name) }),
		)
		item.ChildMenu = fyne.NewMenu("", children...)
		items = append(items, item)
	}
	if len(t.model.order) == 0 {
		items = append(items, fyne.NewMenuItem("No accounts yet — add one in Settings…", t.showSettings))
	}
	items = append(items, fyne.NewMenuItemSeparator())

	pauseLabel := "Pause notifications"
	if t.model.paused {
		pauseLabel = "Notifications paused"
		if !t.model.pausedUntil.IsZero() {
			pauseLabel += " until " + untilText(now, t.model.pausedUntil)
		}
	}
	resume := fyne.NewMenuItem("Resume", func() { t.ctl.Resume() })
	resume.Disabled = !t.model.paused
	pause := fyne.NewMenuItem(pauseLabel, nil)
	pause.ChildMenu = fyne.NewMenu("",
		fyne.NewMenuItem("For 1 hour", func() { t.ctl.Pause(t.now().Add(time.Hour)) }),
		fyne.NewMenuItem("Until tomorrow", func() { t.ctl.Pause(tomorrowMorning(t.now())) }),
		resume,
	)
	items = append(items, pause, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Settings…", t.showSettings),
		fyne.NewMenuItem("About idlebell", t.showAbout),
	)
	quit := fyne.NewMenuItem("Quit", t.app.Quit)
	quit.IsQuit = true
	return append(items, quit)
}

// tomorrowMorning is 08:00 on the next day: "until tomorrow".
func tomorrowMorning(now time.Time) time.Time {
	y, m, d := now.Date()
	return time.Date(y, m, d+1, 8, 0, 0, 0, now.Location())
}

// untilText is "15:04" today, "tomorrow 08:00" otherwise.
func untilText(now, until time.Time) string {
	if y, m, d := now.Date(); until.Year() == y && until.Month() == m && until.Day() == d {
		return until.Format("15:04")
	}
	return "tomorrow " + until.Format("15:04")
}

func (t *trayUI) open(account string) {
	cfg := t.o.Config
	if cfg == nil {
		cfg = settings.Default()
	}
	a, _ := cfg.Account(account)
	if err := openMailClient(cfg.EffectiveOpenCommand(a)); err != nil {
		t.o.Logger.Warn("open mail client", "account", account, "err", err)
	}
}

func (t *trayUI) checkNow(account string) {
	if t.o.Watcher != nil {
		t.o.Watcher.CheckNow(account)
	}
}

// signInAgain is the menu's "Sign in again…": a browser sign-in for the
// running config's account.
func (t *trayUI) signInAgain(account string) {
	if t.o.Config == nil {
		return
	}
	if a, ok := t.o.Config.Account(account); ok {
		t.startSignIn(a, nil)
	}
}

// startSignIn runs Options.SignIn for a on a goroutine of its own (it
// blocks until the user is done in the browser), then Watcher.Retry. At most
// one runs per account: it returns false, and does nothing, while one is
// running or when there is no SignIn. The menu line says "waiting for the
// sign-in" meanwhile and how it failed afterwards. done, if not nil, runs
// on the Fyne goroutine (through t.do) with SignIn's result. The goroutine
// ends when SignIn returns: at the latest when t.ctx ends or after
// signInTimeout; Run waits for it.
func (t *trayUI) startSignIn(a settings.Account, done func(error)) bool {
	if t.o.SignIn == nil || t.do == nil || t.model.signingIn(a.Name) {
		return false
	}
	t.model.signIns[a.Name] = &signIn{running: true}
	t.refresh()
	signInFn, watcher, do := t.o.SignIn, t.o.Watcher, t.do
	logger := t.o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("account", a.Name)
	logger.Info("sign-in started")
	ctx, cancel := context.WithTimeout(t.ctx, signInTimeout)
	t.bg.Add(1)
	go func() {
		defer t.bg.Done()
		defer cancel()
		err := signInFn(ctx, a)
		if err == nil && watcher != nil {
			watcher.Retry(a.Name)
		}
		do(func() {
			if err != nil {
				logger.Warn("sign-in failed", "err", err)
				t.model.signIns[a.Name] = &signIn{err: err}
			} else {
				logger.Info("signed in")
				delete(t.model.signIns, a.Name)
			}
			t.refresh()
			if done != nil {
				done(err)
			}
		})
	}()
	return true
}

// menuSignature is what a menu shows; the tray skips resending a menu that
// would look the same (each resend is a D-Bus layout update).
func menuSignature(items []*fyne.MenuItem) string {
	var b strings.Builder
	var walk func([]*fyne.MenuItem, int)
	walk = func(items []*fyne.MenuItem, depth int) {
		for _, it := range items {
			fmt.Fprintf(&b, "%d|%s|%v|%v\n", depth, it.Label, it.Disabled, it.IsSeparator)
			if it.ChildMenu != nil {
				walk(it.ChildMenu.Items, depth+1)
			}
		}
	}
	walk(items, 0)
	return b.String()
}
