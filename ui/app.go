// Package ui is idlebell's settings process (`idlebell settings`): the
// settings and About windows on Fyne. The tray process starts it on demand
// and it ends when its last window closes, so the Fyne driver (a GL context
// and a render loop) runs only while a window is open. It edits the config
// file; the tray picks the change up by its live reload.
package ui

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"idlebell/appinfo"
	"idlebell/assets"
	"idlebell/autostart"
	"idlebell/discover"
	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/safetext"
	"idlebell/settings"
	"idlebell/tray"
)

// Watcher is what saving asks of the running tray: reconnect an account
// whose password or sign-in changed (the config file may be unchanged). It
// returns at once.
type Watcher interface {
	Retry(account string)
}

// About is what the About window shows.
type About struct {
	Version string // "1.2.0"
	Commit  string
	License string // "MIT"
	URL     string // the project's page
}

// Options wire the settings process.
type Options struct {
	// App is idlebell's metadata from FyneApp.toml, with the build's version.
	App appinfo.Info
	// Autostart is the login item the settings window's Start at login box
	// sets; its Program is "" when idlebell runs from a build folder.
	Autostart  autostart.Entry
	ConfigPath string // "" in demo mode: the window is read-only
	Config     *settings.Config
	Secrets    settings.Secrets
	// Tokens holds OAuth2 refresh tokens (settings.TokenKeyring()): the
	// settings window renames and deletes an account's entry with it.
	Tokens settings.Secrets
	Demo   bool
	// Test connects to the account's server and logs in, as imapwatch.Check
	// does; password, when not empty, is used instead of the stored one
	// (a password typed but not saved yet). Called off the Fyne goroutine;
	// returns when done or ctx ends.
	Test func(ctx context.Context, a settings.Account, password string) *imapwatch.CheckResult
	// Discover finds the server of a mail address for Add…; nil: the real
	// network (discover.Discoverer). Called off the Fyne goroutine.
	Discover func(ctx context.Context, address string) (*discover.Result, error)
	Watcher  Watcher // nil: nothing to tell (no tray started this window)
	// StatePath is the state file of the idlebell that watches
	// ConfigPath's accounts: the lock beside it says whether one runs,
	// when no tray started this window. "": the window cannot tell.
	StatePath string
	// SignIn signs an OAuth2 account in with the browser and stores the
	// refresh token. It blocks until the user is done or ctx ends, and is
	// called off the Fyne goroutine; after it returns nil the window calls
	// Watcher.Retry(a.Name). Nil: the sign-in buttons say so.
	SignIn func(ctx context.Context, a settings.Account) error
	About  About
	Logger *slog.Logger
}

// Show says which window to open first.
type Show struct {
	About   bool   // the About window instead of the settings
	Account string // select this account in the settings window
	Add     bool   // open the settings window's Add an account dialog
}

// Control is the tray's pipe (see tray.ControlEnv): commands come on In,
// reports go to Out. Nil In: none.
type Control struct {
	In  io.Reader
	Out io.Writer
}

// RunSettings opens the window show asks for and blocks until the last
// window is closed or ctx is done. It must be called on the main goroutine
// (Fyne's rule). Commands on c.In open or raise windows; when c.In ends
// (the tray quit), the process quits too. It returns the exit status, 0.
func RunSettings(ctx context.Context, o Options, show Show, c Control) int {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Config == nil {
		o.Config = settings.Default()
	}
	app.SetMetadata(fyne.AppMetadata{
		ID:         o.App.ID,
		Name:       o.App.Name,
		Version:    o.App.Version,
		Build:      o.App.Build,
		Icon:       fyne.NewStaticResource("idlebell.png", assets.Bell),
		Migrations: o.App.Migrations,
	})
	a := app.NewWithID(o.App.ID)
	a.SetIcon(fyne.NewStaticResource("idlebell.png", assets.Bell))
	a.Settings().SetTheme(newReadableTheme())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := newWindows(a, o)
	w.do, w.ctx = fyne.Do, ctx

	a.Lifecycle().SetOnStarted(func() { w.show(show) })
	if c.In != nil {
		// Owned by RunSettings: ends when the tray closes the pipe (or the
		// process ends).
		go func() {
			sc := bufio.NewScanner(c.In)
			for sc.Scan() {
				cmd, arg, ok := tray.ParseControlLine(sc.Text())
				if !ok {
					continue
				}
				o.Logger.Info("window raised", "cmd", cmd)
				switch cmd {
				case tray.CmdShowSettings:
					fyne.Do(func() { w.show(Show{Account: arg}) })
				case tray.CmdShowAbout:
					fyne.Do(func() { w.show(Show{About: true}) })
				case tray.CmdShowAdd:
					fyne.Do(func() { w.show(Show{Add: true}) })
				case tray.CmdState:
					if name, line, ok := tray.ParseState(arg); ok {
						fyne.Do(func() { w.accountState(name, line) })
					}
				}
			}
			fyne.Do(a.Quit)
		}()
	}
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	a.Run()
	cancel()
	if w.settings != nil {
		w.bg.Go(w.settings.wait)
	}
	w.bg.Wait() // sign-ins and the settings window's work end with ctx
	return 0
}

// windows is the settings process's state: its windows and the sign-ins
// they started. It lives on the Fyne goroutine.
type windows struct {
	app      fyne.App
	o        Options
	do       func(func()) // fyne.Do; a queue in tests
	settings *settingsWindow
	about    fyne.Window
	open     map[fyne.Window]bool
	signIns  map[string]bool   // accounts with a browser sign-in running
	states   map[string]string // the tray's line per account (tray.CmdState)

	// ctx ends the sign-ins; bg counts them, and RunSettings waits.
	ctx context.Context
	bg  sync.WaitGroup
}

func newWindows(a fyne.App, o Options) *windows {
	return &windows{app: a, o: o, do: func(f func()) { f() }, ctx: context.Background(),
		open: map[fyne.Window]bool{}, signIns: map[string]bool{}, states: map[string]string{}}
}

// show opens or raises a window.
func (t *windows) show(s Show) {
	var w fyne.Window
	if s.About {
		w = t.showAbout()
	} else {
		if t.settings == nil {
			t.settings = newSettingsWindow(t, t.o, t.do)
		}
		if s.Account != "" {
			t.settings.selectAccount(s.Account)
		}
		w = t.settings.w
	}
	t.open[w] = true
	w.Show()
	w.RequestFocus()
	if s.Add && !s.About && t.settings.adding == nil {
		t.settings.startAdd()
	}
}

// accountState keeps the tray's line for an account and shows it in the
// account list.
func (t *windows) accountState(name, line string) {
	t.states[name] = line
	if t.settings != nil {
		t.settings.setAccountState(name, line)
	}
}

// closed hides w; the process quits when no window is left.
func (t *windows) closed(w fyne.Window) {
	w.Hide()
	delete(t.open, w)
	if len(t.open) == 0 {
		t.app.Quit()
	}
}

// signingIn reports whether a browser sign-in for the account is running.
func (t *windows) signingIn(name string) bool { return t.signIns[name] }

// startSignIn runs Options.SignIn for a (see tray.RunSignIn), then
// Watcher.Retry. At most one runs per account: it returns false, and does
// nothing, while one is running or when there is no SignIn. done runs on
// the Fyne goroutine with SignIn's result. RunSettings waits for the
// goroutine.
func (t *windows) startSignIn(a settings.Account, done func(error)) bool {
	if t.o.SignIn == nil || t.signIns[a.Name] {
		return false
	}
	t.signIns[a.Name] = true
	var retry func(string)
	if t.o.Watcher != nil {
		retry = t.o.Watcher.Retry
	}
	tray.RunSignIn(t.ctx, &t.bg, a, t.o.SignIn, retry, t.do, t.o.Logger, func(err error) {
		delete(t.signIns, a.Name)
		if done != nil {
			done(err)
		}
	})
	return true
}

// watchState is what the window knows of an idlebell watching the
// accounts it saves.
type watchState int

const (
	watchUnknown watchState = iota // the lock cannot be asked
	watchRunning                   // the tray that started this window, or another holder of the lock
	watchStopped                   // nothing watches: what is saved waits for the next start
)

// watching asks whether an idlebell watches the accounts of ConfigPath
// now. A Watcher is the tray that started this window, over its control
// pipe: it runs and reloads ConfigPath. Otherwise the lock beside
// StatePath says it. Call it off the Fyne goroutine: it opens a file.
func (o Options) watching() watchState {
	switch {
	case o.Watcher != nil:
		return watchRunning
	case o.StatePath == "":
		return watchUnknown
	}
	running, err := settings.Watching(o.StatePath)
	switch {
	case err != nil:
		o.Logger.Warn("cannot tell whether idlebell runs", "err", err)
		return watchUnknown
	case running:
		return watchRunning
	}
	return watchStopped
}

// ControlWatcher is the Watcher of a settings process the tray started: it
// reports on the control pipe.
type ControlWatcher struct {
	mu  sync.Mutex
	Out io.Writer
}

// Retry asks the tray to reconnect the account.
func (c *ControlWatcher) Retry(account string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _ = io.WriteString(c.Out, tray.ControlLine(tray.CmdRetry, account))
}

// safeLine is safetext.Line: untrusted text on one line of a window.
func safeLine(s string, maxRunes int) string { return safetext.Line(s, maxRunes) }

// RunProblem shows why the config file cannot be edited here (it could not
// be read, or is not valid: the window never overwrites it), title in bold
// above problem, until the user closes the window or ctx is done. Like
// RunSettings it must be called on the main goroutine. It returns the exit
// status, 2.
func RunProblem(ctx context.Context, info appinfo.Info, title, problem string) int {
	a := app.NewWithID(info.ID)
	a.SetIcon(fyne.NewStaticResource("idlebell.png", assets.Bell))
	w := a.NewWindow(i18n.T("idlebell settings"))
	text := widget.NewLabel(problem)
	text.Wrapping = fyne.TextWrapWord
	w.SetContent(container.NewBorder(
		widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(layout.NewSpacer(), widget.NewButton(i18n.T("Close"), a.Quit)),
		nil, nil, container.NewVScroll(text)))
	w.Resize(fyne.NewSize(640, 360))
	w.SetCloseIntercept(a.Quit)
	w.Show()
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	a.Run()
	return 2
}
