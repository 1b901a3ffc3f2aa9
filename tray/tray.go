// Package tray is idlebell's always-running tray process: the watcher's
// events through the delivery package, the tray icon and menu through
// fyne.io/systray (on Linux a StatusNotifierItem with a com.canonical.dbusmenu
// menu, plain D-Bus), and desktop notifications. It holds no GUI toolkit:
// no GL context, no render loop, nothing that ticks while idle. The
// settings and About windows are a separate process (`idlebell settings`),
// started on demand; see settingsChild.
//
// Data flow: the watcher's events → the delivery pump's goroutine (hooks,
// bubbles) → State → do → the tray goroutine, which owns the model and
// sets icon, menu and tooltip when they change.
package tray

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"fyne.io/systray"

	"idlebell/delivery"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// Watcher is what the tray asks of the watcher. Its methods return at once
// and may be called from any goroutine.
type Watcher interface {
	CheckNow(account string)
	Retry(account string)
}

// Options wire the tray process.
type Options struct {
	// Delivery is what both fronts share: Events, Config, Hooks, Open,
	// MarkRead, Logger. Run sets State, PauseChanged and the Notifier.
	Delivery delivery.Options
	// StopWatcher closes the watcher (and so its event channel) when the
	// user quits; Run then delivers what is still queued and returns.
	StopWatcher func()
	Watcher     Watcher
	Config      *settings.Config
	ConfigErr   error
	ConfigPath  string // "" in demo mode
	// FirstRun: there was no config file. Only then does the settings
	// window open at start; with a file but no account, the menu offers
	// Add account… instead.
	FirstRun bool
	Demo     bool
	// OpenAccount is the menu's "Open mail client": the account's mail
	// program, no particular message.
	OpenAccount func(ctx context.Context, a settings.Account) error
	// SignIn signs an OAuth2 account in with the browser and stores the
	// refresh token (Sign in again…). It blocks until the user is done or
	// ctx ends; after it returns nil the tray calls Watcher.Retry.
	SignIn func(ctx context.Context, a settings.Account) error
	// SettingsCommand is the program and arguments that start the settings
	// process, without the window's own arguments: [exe, "settings",
	// "--config", path]. Empty: Settings… and About say so in the log.
	SettingsCommand []string
	// AttentionAfter is how long an account may be unconnected before
	// the icon asks for attention (default DefaultAttentionAfter).
	AttentionAfter time.Duration
	Logger         *slog.Logger
}

// App is the tray process's front.
type App struct {
	o    Options
	host *systrayHost
	q    *queue
	t    *trayUI
	pump *delivery.Pump
}

// New wires the tray; call Run.
func New(o Options) *App {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Config == nil {
		o.Config = settings.Default()
	}
	a := &App{o: o, q: newQueue(), host: &systrayHost{}}
	a.host.do = a.q.do
	a.t = newTrayUI(a.host, o)
	a.t.do = a.q.do
	d := o.Delivery
	d.Logger = o.Logger
	d.State = func(ev imapwatch.Event) {
		a.q.do(func() {
			a.t.model.apply(ev, a.t.now())
			a.t.refresh()
		})
	}
	d.PauseChanged = func(paused bool, until time.Time) { a.q.do(func() { a.t.setPaused(paused, until) }) }
	a.pump = delivery.New(d)
	a.t.ctl = a.pump
	return a
}

// Pump is the tray's delivery pump (tests compare the fronts' decisions).
func (a *App) Pump() *delivery.Pump { return a.pump }

// ConfigChanged shows a reloaded config, or why it could not be loaded, and
// applies a valid one to the bubbles. Call it from any goroutine; it never
// blocks.
func (a *App) ConfigChanged(c *settings.Config, err error) {
	if err == nil {
		a.pump.Configure(c)
	}
	a.q.do(func() { a.t.setConfig(c, err) })
}

// Run shows the tray and blocks until Quit, or until ctx is done; then it
// closes the watcher, delivers what the watcher still handed on and
// returns. It must be called on the main goroutine (the macOS and Windows
// tray APIs want the thread that started the process). It returns the
// process exit status: 0, or 1 when delivery failed.
func (a *App) Run(ctx context.Context) int {
	o, t, q := a.o, a.t, a.q
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t.ctx, t.quit = ctx, cancel

	nctx, ncancel := context.WithTimeout(ctx, delivery.DefaultNotifyTimeout)
	n, err := delivery.NewNotifier(nctx, a.pump.Signals())
	ncancel()
	if err != nil {
		o.Logger.Warn("desktop notifications", "err", err)
	}
	a.pump.UseNotifier(n)

	// The tray goroutine: owns t and its model. Ends when q is stopped.
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		q.run()
	}()

	// The pump: ends once the watcher closed its channel (on Quit or ctx's
	// end, below) and what it handed on is delivered; then the native loop
	// ends too.
	status := 0
	pumpDone := make(chan struct{})
	go func() {
		defer close(pumpDone)
		if err := a.pump.Run(ctx); err != nil {
			o.Logger.Error("delivery stopped", "err", err)
			status = 1
		}
	}()
	stopWatcher := context.AfterFunc(ctx, func() {
		if o.StopWatcher != nil {
			o.StopWatcher()
		}
	})
	defer stopWatcher()

	first := o.FirstRun && !o.Demo && o.ConfigErr == nil
	runNative(func() {
		q.do(func() {
			if first {
				// Before the menu is on the bus, so that whoever sees
				// the menu sees the window's process started.
				t.showSettings("")
			}
			systray.SetTitle("idlebell")
			a.host.start()
			t.refresh()
		})
	}, pumpDone)

	cancel()
	<-pumpDone
	q.do(func() {
		if t.attention != nil {
			t.attention.Stop()
		}
		t.closeSettings()
	})
	q.stop()
	<-loopDone
	t.bg.Wait() // sign-ins and opens end with ctx
	return status
}

// queue runs functions on one goroutine, in order. do never blocks: the
// queue grows instead (it holds the tray's state updates, which the tray
// goroutine handles in microseconds).
type queue struct {
	mu    sync.Mutex
	fs    []func()
	wake  chan struct{}
	quit  chan struct{}
	ended bool
}

func newQueue() *queue {
	return &queue{wake: make(chan struct{}, 1), quit: make(chan struct{})}
}

func (q *queue) do(f func()) {
	q.mu.Lock()
	if q.ended {
		q.mu.Unlock()
		return
	}
	q.fs = append(q.fs, f)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run runs queued functions until stop, then the ones queued before stop.
func (q *queue) run() {
	for {
		q.mu.Lock()
		fs := q.fs
		q.fs = nil
		ended := q.ended
		q.mu.Unlock()
		for _, f := range fs {
			f()
		}
		if ended && len(fs) == 0 {
			return
		}
		if len(fs) > 0 {
			continue
		}
		select {
		case <-q.wake:
		case <-q.quit:
		}
	}
}

func (q *queue) stop() {
	q.mu.Lock()
	q.ended = true
	q.mu.Unlock()
	close(q.quit)
}
