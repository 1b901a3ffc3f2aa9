package tray

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"idlebell/i18n"
	"idlebell/settings"
)

// item is one line of the tray menu as the tray wants it shown.
type item struct {
	Label     string
	Disabled  bool
	Separator bool
	Action    func() // runs on the tray goroutine; nil: nothing
	Children  []*item
}

// host is where the menu, icon and tooltip go: fyne.io/systray in the app
// (see systray.go), a fake in tests. Its methods are called on the tray
// goroutine only.
type host interface {
	SetMenu(items []*item)
	SetIcon(png []byte)
	SetTooltip(tip string)
}

// controller is what the tray asks of the delivery pump.
type controller interface {
	Pause(until time.Time)
	Resume()
}

// trayUI owns the tray's model, icon and menu. Every method runs on the
// tray goroutine (through do); nothing here blocks on I/O.
type trayUI struct {
	o     Options
	host  host
	model *model
	ctl   controller
	now   func() time.Time

	menuSig string // labels and states of the menu last set
	iconKey string
	tooltip string

	// do runs f on the tray goroutine later; nil in tests that need no
	// background answers. Timers and sign-ins report back through it.
	do        func(func())
	attention *time.Timer // fires when an account has been down long enough
	attnAt    time.Time

	quit     func()         // ends the app (the menu's Quit)
	settings *settingsChild // the settings process, while it runs

	// ctx ends the sign-ins and the menu's opens (Run's context); bg
	// counts them, and Run waits for them.
	ctx context.Context
	bg  sync.WaitGroup
}

// SignInTimeout bounds a browser sign-in the user walked away from.
const SignInTimeout = 15 * time.Minute

func newTrayUI(h host, o Options) *trayUI {
	t := &trayUI{
		host: h, o: o,
		model: newModel(o.Config, o.ConfigErr, o.Demo),
		now:   time.Now,
		ctx:   context.Background(),
		quit:  func() {},
	}
	if o.AttentionAfter > 0 {
		t.model.attentionAfter = o.AttentionAfter
	}
	if t.o.Logger == nil {
		t.o.Logger = slog.New(slog.DiscardHandler)
	}
	return t
}

func (t *trayUI) setConfig(cfg *settings.Config, err error) {
	t.model.setConfig(cfg, err)
	if cfg != nil && err == nil {
		t.o.Config = cfg
	}
	t.refresh()
}

func (t *trayUI) setPaused(paused bool, until time.Time) {
	t.model.paused, t.model.pausedUntil = paused, until
	t.refresh()
}

// refresh sets icon, menu and tooltip from the model, each only when it
// changed: a menu sent again is a D-Bus layout update, which closes an
// open submenu in some trays.
func (t *trayUI) refresh() {
	now := t.now()
	st := t.model.iconState(now)
	if key := st.String(); key != t.iconKey {
		t.iconKey = key
		t.host.SetIcon(trayIcon(st))
		t.o.Logger.Debug("tray icon", "icon", key) // after: tests read it then
	}
	items := t.menuItems(now)
	if sig := menuSignature(items); sig != t.menuSig {
		t.menuSig = sig
		t.host.SetMenu(items)
	}
	if tip := t.model.tooltip(now); tip != t.tooltip {
		t.tooltip = tip
		t.host.SetTooltip(tip)
	}
	t.sendStates(now)
	t.scheduleAttention(now)
}

// scheduleAttention sets a timer for the moment an account that is down
// has been down for the attention threshold: the icon changes then
// without an event. One timer, for the earliest such moment.
func (t *trayUI) scheduleAttention(now time.Time) {
	if t.do == nil {
		return
	}
	next := t.model.nextAttention(now)
	if next.Equal(t.attnAt) {
		return
	}
	if t.attention != nil {
		t.attention.Stop()
		t.attention = nil
	}
	t.attnAt = next
	if next.IsZero() {
		return
	}
	t.attention = time.AfterFunc(next.Sub(now), func() {
		t.do(func() {
			t.attention, t.attnAt = nil, time.Time{}
			t.refresh()
		})
	})
}

func (t *trayUI) menuItems(now time.Time) []*item {
	var items []*item
	if t.model.cfgErr != nil {
		label := i18n.T("Config has errors — open Settings…")
		if unreadable(t.model.cfgErr) {
			label = i18n.T("Can't read the config file — open Settings…")
		}
		items = append(items, &item{Label: label, Action: func() { t.showSettings("") }})
	}
	for _, name := range t.model.order {
		line := &item{Label: t.model.line(name, now)}
		if t.model.signingIn(name) || t.model.accounts[name].needsSignIn() {
			line.Children = append(line.Children, &item{Label: i18n.T("Sign in again…"), Action: func() { t.signInAgain(name) },
				Disabled: t.model.signingIn(name) || t.o.SignIn == nil})
		}
		line.Children = append(line.Children,
			&item{Label: i18n.T("Open mail client"), Action: func() { t.open(name) }},
			&item{Label: i18n.T("Check now"), Action: func() { t.checkNow(name) }},
			&item{Label: i18n.T("Account settings…"), Action: func() { t.showSettings(name) }},
		)
		items = append(items, line)
	}
	if len(t.model.order) == 0 && t.model.cfgErr == nil {
		// (With a broken file the first line, which opens the window that
		// says what is wrong, is what helps: Add would only show it too.)
		items = append(items, &item{Label: i18n.T("Add account…"), Action: t.showAdd})
	}
	items = append(items, &item{Separator: true})

	pauseLabel := i18n.T("Pause notifications")
	if t.model.paused {
		pauseLabel = i18n.T("Notifications paused")
		if !t.model.pausedUntil.IsZero() {
			pauseLabel = i18n.T("Notifications paused until %s", untilText(now, t.model.pausedUntil))
		}
	}
	items = append(items,
		&item{Label: pauseLabel, Children: []*item{
			{Label: i18n.T("For 1 hour"), Action: func() { t.ctl.Pause(t.now().Add(time.Hour)) }},
			{Label: i18n.T("Until tomorrow"), Action: func() { t.ctl.Pause(tomorrowMorning(t.now())) }},
			{Label: i18n.T("Resume"), Action: func() { t.ctl.Resume() }, Disabled: !t.model.paused},
		}},
		&item{Separator: true},
		&item{Label: i18n.T("Settings…"), Action: func() { t.showSettings("") }},
		&item{Label: i18n.T("About idlebell"), Action: t.showAbout},
		&item{Label: i18n.T("Quit"), Action: func() { t.quit() }},
	)
	return items
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
	return i18n.T("tomorrow %s", until.Format("15:04"))
}

// open is the account's "Open mail client": its mail program, in the
// background (Options.OpenAccount may wait for a command to start).
func (t *trayUI) open(account string) {
	if t.o.OpenAccount == nil || t.o.Config == nil {
		return
	}
	a, ok := t.o.Config.Account(account)
	if !ok {
		return
	}
	openFn, logger := t.o.OpenAccount, t.o.Logger
	ctx, cancel := context.WithTimeout(t.ctx, 30*time.Second)
	t.bg.Go(func() {
		defer cancel()
		if err := openFn(ctx, a); err != nil {
			logger.Warn("open mail client", "account", account, "err", err)
		}
	})
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
		t.startSignIn(a)
	}
}

// startSignIn runs Options.SignIn for a (see RunSignIn), then
// Watcher.Retry. At most one runs per account: it returns false, and does
// nothing, while one is running or when there is no SignIn. The menu line
// says "waiting for the sign-in" meanwhile and how it failed afterwards.
// Run waits for the goroutine.
func (t *trayUI) startSignIn(a settings.Account) bool {
	if t.o.SignIn == nil || t.do == nil || t.model.signingIn(a.Name) {
		return false
	}
	t.model.signIns[a.Name] = &signIn{running: true}
	t.refresh()
	var retry func(string)
	if t.o.Watcher != nil {
		retry = t.o.Watcher.Retry
	}
	RunSignIn(t.ctx, &t.bg, a, t.o.SignIn, retry, t.do, t.o.Logger, func(err error) {
		if err != nil {
			t.model.signIns[a.Name] = &signIn{err: err}
		} else {
			delete(t.model.signIns, a.Name)
		}
		t.refresh()
	})
	return true
}

// RunSignIn runs signIn for a on a goroutine counted by bg: it blocks until
// the user is done in the browser, at the latest when ctx ends or after
// SignInTimeout. Then retry(a.Name), when it succeeded and retry is not
// nil, and done(err) through do, the UI goroutine's queue. It logs the
// start and the outcome. The tray and the settings window both sign in
// with it.
func RunSignIn(ctx context.Context, bg *sync.WaitGroup, a settings.Account, signIn func(context.Context, settings.Account) error,
	retry func(account string), do func(func()), logger *slog.Logger, done func(error)) {
	logger = logger.With("account", a.Name)
	logger.Info("sign-in started")
	ctx, cancel := context.WithTimeout(ctx, SignInTimeout)
	bg.Go(func() {
		defer cancel()
		err := signIn(ctx, a)
		if err == nil && retry != nil {
			retry(a.Name)
		}
		do(func() {
			if err != nil {
				logger.Warn("sign-in failed", "err", err)
			} else {
				logger.Info("signed in")
			}
			done(err)
		})
	})
}

// menuSignature is what a menu shows; the tray skips resending a menu that
// would look the same.
func menuSignature(items []*item) string {
	var b strings.Builder
	var walk func([]*item, int)
	walk = func(items []*item, depth int) {
		for _, it := range items {
			fmt.Fprintf(&b, "%d|%s|%v|%v\n", depth, it.Label, it.Disabled, it.Separator)
			walk(it.Children, depth+1)
		}
	}
	walk(items, 0)
	return b.String()
}
