package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"idlebell/imapwatch"
	"idlebell/oauth"
	"idlebell/settings"
)

// fakeTray records what the tray was last given.
type fakeTray struct {
	menu  *fyne.Menu
	icon  fyne.Resource
	icons int
}

func (f *fakeTray) SetSystemTrayMenu(m *fyne.Menu)    { f.menu = m }
func (f *fakeTray) SetSystemTrayIcon(r fyne.Resource) { f.icon = r; f.icons++ }

func (f *fakeTray) labels() []string {
	var out []string
	for _, it := range f.menu.Items {
		out = append(out, it.Label)
	}
	return out
}

func (f *fakeTray) item(t *testing.T, label string) *fyne.MenuItem {
	t.Helper()
	var find func([]*fyne.MenuItem) *fyne.MenuItem
	find = func(items []*fyne.MenuItem) *fyne.MenuItem {
		for _, it := range items {
			if strings.HasPrefix(it.Label, label) {
				return it
			}
			if it.ChildMenu != nil {
				if c := find(it.ChildMenu.Items); c != nil {
					return c
				}
			}
		}
		return nil
	}
	it := find(f.menu.Items)
	if it == nil {
		t.Fatalf("no menu item %q in %q", label, f.labels())
	}
	return it
}

type fakeCtl struct {
	paused  []time.Time
	resumed int
}

func (c *fakeCtl) Pause(until time.Time) { c.paused = append(c.paused, until) }
func (c *fakeCtl) Resume()               { c.resumed++ }

type fakeWatcher struct {
	mu      sync.Mutex
	checked []string
	retried []string
}

func (w *fakeWatcher) CheckNow(a string) {
	w.mu.Lock()
	w.checked = append(w.checked, a)
	w.mu.Unlock()
}
func (w *fakeWatcher) Retry(a string) { w.mu.Lock(); w.retried = append(w.retried, a); w.mu.Unlock() }

func newTestTray(t *testing.T, cfg *settings.Config) (*trayUI, *fakeTray, *fakeCtl, *string) {
	t.Helper()
	a := test.NewTempApp(t)
	ft := &fakeTray{}
	ctl := &fakeCtl{}
	tip := new(string)
	tr := newTrayUI(a, ft, Options{Config: cfg, Watcher: &fakeWatcher{}, Logger: testLogger(t)})
	tr.ctl = ctl
	tr.now = func() time.Time { return t0 }
	tr.setTooltip = func(s string) { *tip = s }
	tr.refresh()
	return tr, ft, ctl, tip
}

func TestTrayApply(t *testing.T) {
	cfg := cfgWith(3, true, "Work", "Home")
	cfg.Accounts[1].Host = "imap.home.example"
	tr, ft, _, tip := newTestTray(t, cfg)
	steps := []struct {
		name  string
		ev    imapwatch.Event
		lines []string
		icon  IconState
		tip   string
	}{
		{"start", nil,
			[]string{"Work — connecting…", "Home — connecting…"}, IconQuiet, "idlebell: no unread mail · 0 of 2 accounts connected"},
		{"work idle", &imapwatch.StateChange{Account: "Work", Mailbox: "INBOX", State: imapwatch.StateIdle},
			[]string{"Work — connected", "Home — connecting…"}, IconQuiet, "idlebell: no unread mail · 1 of 2 accounts connected"},
		{"work unread", &imapwatch.Unseen{Account: "Work", Mailbox: "INBOX", Count: 3},
			[]string{"Work — 3 unread · connected", "Home — connecting…"}, IconUnread, "idlebell: 3 unread · 1 of 2 accounts connected"},
		{"home reconnecting", &imapwatch.StateChange{Account: "Home", Mailbox: "INBOX", State: imapwatch.StateReconnecting, RetryAt: t0.Add(20 * time.Second), Err: errors.New("eof")},
			[]string{"Work — 3 unread · connected", "Home — reconnecting in 20 s (connection failed)"}, IconUnread, "idlebell: 3 unread · 1 of 2 accounts connected"},
		{"home auth failed", &imapwatch.StateChange{Account: "Home", Mailbox: "INBOX", State: imapwatch.StateFailed, Err: fmt.Errorf("login: %w", imapwatch.ErrAuthFailed)},
			[]string{"Work — 3 unread · connected", "Home — login failed: check the password"}, IconAttention, "idlebell: 3 unread · Home: login failed: check the password"},
		{"home fixed", &imapwatch.StateChange{Account: "Home", Mailbox: "INBOX", State: imapwatch.StateIdle},
			[]string{"Work — 3 unread · connected", "Home — connected"}, IconUnread, "idlebell: 3 unread · all accounts connected"},
		{"home polls, 120 unread", &imapwatch.Unseen{Account: "Home", Mailbox: "INBOX", Count: 117},
			[]string{"Work — 3 unread · connected", "Home — 117 unread · connected"}, IconUnread, "idlebell: 120 unread · all accounts connected"},
	}
	for _, s := range steps {
		if s.ev != nil {
			tr.apply(s.ev)
		}
		got := ft.labels()[:2]
		if strings.Join(got, "|") != strings.Join(s.lines, "|") {
			t.Errorf("%s: menu lines = %q, want %q", s.name, got, s.lines)
		}
		if st := tr.model.iconState(); st != s.icon {
			t.Errorf("%s: icon state = %v, want %v", s.name, st, s.icon)
		}
		if *tip != s.tip {
			t.Errorf("%s: tooltip = %q, want %q", s.name, *tip, s.tip)
		}
	}
	if ft.icon != trayIcon(IconUnread, 120) {
		t.Errorf("icon resource = %v, want the 99+ unread icon", ft.icon.Name())
	}
	for _, want := range []string{"Open mail client", "Check now", "Pause notifications", "For 1 hour", "Until tomorrow", "Resume", "Settings…", "About idlebell", "Quit"} {
		ft.item(t, want)
	}
	if !ft.item(t, "Quit").IsQuit {
		t.Errorf("Quit item is not marked IsQuit (Fyne would add a second one)")
	}
	if !ft.item(t, "Resume").Disabled {
		t.Errorf("Resume enabled while not paused")
	}
}

func TestTrayPauseMenu(t *testing.T) {
	tr, ft, ctl, tip := newTestTray(t, cfgWith(3, true, "Work"))
	ft.item(t, "For 1 hour").Action()
	if len(ctl.paused) != 1 || !ctl.paused[0].Equal(t0.Add(time.Hour)) {
		t.Fatalf("For 1 hour: Pause(%v), want until %v", ctl.paused, t0.Add(time.Hour))
	}
	ft.item(t, "Until tomorrow").Action()
	if want := time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC); len(ctl.paused) != 2 || !ctl.paused[1].Equal(want) {
		t.Fatalf("Until tomorrow: Pause(%v), want until %v", ctl.paused, want)
	}
	// The pump answers with the state.
	tr.setPaused(true, t0.Add(time.Hour))
	if it := ft.item(t, "Notifications paused"); it.Label != "Notifications paused until 11:00" {
		t.Errorf("paused label = %q", it.Label)
	}
	if tr.model.iconState() != IconPaused || !strings.HasPrefix(*tip, "idlebell: notifications paused until 11:00") {
		t.Errorf("paused: icon %v, tooltip %q", tr.model.iconState(), *tip)
	}
	resume := ft.item(t, "Resume")
	if resume.Disabled {
		t.Fatalf("Resume disabled while paused")
	}
	resume.Action()
	if ctl.resumed != 1 {
		t.Errorf("Resume clicked, controller resumed %d times", ctl.resumed)
	}
}

func TestTrayCheckNowAndConfigError(t *testing.T) {
	tr, ft, _, tip := newTestTray(t, cfgWith(3, true, "Work"))
	ft.item(t, "Check now").Action()
	if w := tr.o.Watcher.(*fakeWatcher); len(w.checked) != 1 || w.checked[0] != "Work" {
		t.Errorf("Check now called CheckNow(%q), want Work", w.checked)
	}
	tr.setConfig(nil, errors.New("config.toml: line 3: port: 99999 is not a valid port"))
	if got := ft.labels()[0]; got != "Config has errors — open Settings…" {
		t.Errorf("first menu line = %q, want the config error line", got)
	}
	if tr.model.iconState() != IconAttention || !strings.Contains(*tip, "config has errors") {
		t.Errorf("broken config: icon %v, tooltip %q", tr.model.iconState(), *tip)
	}
	if got := ft.labels()[1]; got != "Work — connecting…" {
		t.Errorf("account line after a broken reload = %q, want the running account kept", got)
	}
}

func TestTrayNoAccounts(t *testing.T) {
	_, ft, _, tip := newTestTray(t, settings.Default())
	if got := ft.labels()[0]; got != "No accounts yet — add one in Settings…" {
		t.Errorf("menu line = %q", got)
	}
	if *tip != "idlebell: no unread mail · no accounts: open Settings" {
		t.Errorf("tooltip = %q", *tip)
	}
}

func TestIconsDiffer(t *testing.T) {
	seen := map[string]string{}
	for _, c := range []struct {
		st IconState
		n  int
	}{{IconQuiet, 0}, {IconUnread, 1}, {IconUnread, 42}, {IconUnread, 100}, {IconAttention, 0}, {IconPaused, 0}} {
		r := trayIcon(c.st, c.n)
		name := fmt.Sprintf("%v/%d", c.st, c.n)
		if other, dup := seen[string(r.Content())]; dup {
			t.Errorf("icon %s draws the same as %s", name, other)
		}
		seen[string(r.Content())] = name
		img := renderIcon(c.st, c.n)
		if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
			t.Errorf("icon %s is %v, want 64×64", name, b)
		}
	}
	if trayIcon(IconUnread, 100) != trayIcon(IconUnread, 250) {
		t.Errorf("100 and 250 unread should share the 99+ icon")
	}
	_ = context.Background
}

// fakeSignIn is Options.SignIn: it hands each call's account to the test
// (calls) and returns what the test sends on result, or ctx's error.
type fakeSignIn struct {
	calls  chan settings.Account
	result chan error
	n      atomic.Int32
}

func newFakeSignIn() *fakeSignIn {
	return &fakeSignIn{calls: make(chan settings.Account, 8), result: make(chan error, 8)}
}

func (f *fakeSignIn) SignIn(ctx context.Context, a settings.Account) error {
	f.n.Add(1)
	f.calls <- a
	select {
	case err := <-f.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// next waits for the next call.
func (f *fakeSignIn) next(t *testing.T) settings.Account {
	t.Helper()
	select {
	case a := <-f.calls:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for SignIn to be called")
		return settings.Account{}
	}
}

// drainQueue runs UI work queued by the tray's do until cond holds.
func drainQueue(t *testing.T, q chan func(), what string, cond func() bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for !cond() {
		select {
		case f := <-q:
			f()
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func oauthAccount(name, provider string) settings.Account {
	a := settings.NewAccount(name)
	a.Auth, a.OAuthProvider, a.Username = settings.AuthOAuth2, provider, "alice@gmail.com"
	return a
}

func TestTraySignInAgain(t *testing.T) {
	cfg := settings.Default()
	cfg.Accounts = []settings.Account{oauthAccount("Gmail", settings.ProviderGoogle)}
	tr, ft, _, tip := newTestTray(t, cfg)
	queue := make(chan func(), 16)
	fs := newFakeSignIn()
	tr.do = func(f func()) { queue <- f }
	tr.o.SignIn = fs.SignIn
	w := tr.o.Watcher.(*fakeWatcher)

	// What the glue's token func returns when the keyring has no sign-in.
	noToken := fmt.Errorf("%w: %w", imapwatch.ErrSignInNeeded, &settings.SecretError{Account: "Gmail", Token: true, Err: settings.ErrSecretNotFound})
	tr.apply(&imapwatch.StateChange{Account: "Gmail", Mailbox: "INBOX", State: imapwatch.StateFailed, Err: noToken})
	if got := ft.labels()[0]; got != "Gmail — sign-in needed" {
		t.Errorf("menu line = %q, want %q", got, "Gmail — sign-in needed")
	}
	if !strings.HasSuffix(*tip, "Gmail: sign-in needed") {
		t.Errorf("tooltip = %q, want it to end in the sign-in line", *tip)
	}
	again := ft.item(t, "Sign in again…")
	if again.Disabled {
		t.Fatal("Sign in again… is disabled before any sign-in ran")
	}

	again.Action()
	if a := fs.next(t); a.Name != "Gmail" || !a.UsesOAuth2() {
		t.Errorf("SignIn(%q, oauth %v), want Gmail's OAuth2 account", a.Name, a.UsesOAuth2())
	}
	if got := ft.labels()[0]; got != "Gmail — waiting for the sign-in in the browser…" {
		t.Errorf("menu line while signing in = %q", got)
	}
	if it := ft.item(t, "Sign in again…"); !it.Disabled {
		t.Error("Sign in again… is enabled while a sign-in runs")
	}
	again.Action() // the stale item of the old menu: a second click does nothing
	if tr.startSignIn(cfg.Accounts[0], nil) {
		t.Error("startSignIn started a second sign-in for the same account")
	}

	fs.result <- nil
	drainQueue(t, queue, "the sign-in to finish", func() bool { return !tr.model.signingIn("Gmail") })
	tr.bg.Wait()
	if n := fs.n.Load(); n != 1 {
		t.Errorf("SignIn called %d times, want 1", n)
	}
	w.mu.Lock()
	retried := strings.Join(w.retried, ",")
	w.mu.Unlock()
	if retried != "Gmail" {
		t.Errorf("Retry(%q) after the sign-in, want Gmail", retried)
	}
	if got := ft.labels()[0]; got != "Gmail — sign-in needed" {
		t.Errorf("menu line after the sign-in, before the watcher reports = %q", got)
	}

	// A failed sign-in is said in the line until the account connects.
	ft.item(t, "Sign in again…").Action()
	fs.next(t)
	fs.result <- fmt.Errorf("device: %w", oauth.ErrDenied)
	drainQueue(t, queue, "the failed sign-in", func() bool { return !tr.model.signingIn("Gmail") })
	if got, want := ft.labels()[0], "Gmail — sign-in failed: the sign-in was declined or the code expired"; got != want {
		t.Errorf("menu line after a failed sign-in = %q, want %q", got, want)
	}
	w.mu.Lock()
	if len(w.retried) != 1 {
		t.Errorf("Retry(%q) after a failed sign-in, want no new Retry", w.retried)
	}
	w.mu.Unlock()
	tr.apply(&imapwatch.StateChange{Account: "Gmail", Mailbox: "INBOX", State: imapwatch.StateIdle})
	if got := ft.labels()[0]; got != "Gmail — connected" {
		t.Errorf("menu line once connected = %q", got)
	}
	for _, it := range ft.menu.Items[0].ChildMenu.Items {
		if it.Label == "Sign in again…" {
			t.Error("Sign in again… still offered for a connected account")
		}
	}
}
