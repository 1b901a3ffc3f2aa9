package tray

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"idlebell/i18n"
	"idlebell/i18n/i18ntest"
	"idlebell/imapwatch"
	"idlebell/oauth"
	"idlebell/settings"
)

var _ = context.Background

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func cfgWith(maxBubbles int, preview bool, accounts ...string) *settings.Config {
	c := settings.Default()
	c.Notifications.MaxBubbles = maxBubbles
	c.Notifications.Preview = preview
	for _, a := range accounts {
		c.Accounts = append(c.Accounts, settings.NewAccount(a))
	}
	return c
}

// fakeHost records what the tray was last given.
type fakeHost struct {
	menu  []*item
	menus int
	icon  []byte
	icons int
	tip   string
}

func (f *fakeHost) SetMenu(items []*item) { f.menu = items; f.menus++ }
func (f *fakeHost) SetIcon(b []byte)      { f.icon = b; f.icons++ }
func (f *fakeHost) SetTooltip(s string)   { f.tip = s }

func (f *fakeHost) labels() []string {
	var out []string
	for _, it := range f.menu {
		out = append(out, it.Label)
	}
	return out
}

func (f *fakeHost) item(t *testing.T, label string) *item {
	t.Helper()
	var find func([]*item) *item
	find = func(items []*item) *item {
		for _, it := range items {
			if it.Label != "" && strings.HasPrefix(it.Label, label) {
				return it
			}
			if c := find(it.Children); c != nil {
				return c
			}
		}
		return nil
	}
	it := find(f.menu)
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

// testTray is a tray at a settable time.
type testTray struct {
	*trayUI
	host *fakeHost
	ctl  *fakeCtl
	at   time.Time
}

func newTestTray(t *testing.T, cfg *settings.Config) *testTray {
	t.Helper()
	h := &fakeHost{}
	tt := &testTray{host: h, ctl: &fakeCtl{}, at: t0}
	tt.trayUI = newTrayUI(h, Options{Config: cfg, Watcher: &fakeWatcher{}, Logger: testLogger(t)})
	tt.trayUI.ctl = tt.ctl
	tt.now = func() time.Time { return tt.at }
	tt.refresh()
	return tt
}

func (tt *testTray) apply(ev imapwatch.Event) {
	tt.model.apply(ev, tt.at)
	tt.refresh()
}

func TestTrayApply(t *testing.T) {
	cfg := cfgWith(3, true, "Work", "Home")
	cfg.Accounts[1].Host = "imap.home.example"
	tr := newTestTray(t, cfg)
	ft := tr.host
	steps := []struct {
		name  string
		at    time.Duration
		ev    imapwatch.Event
		lines []string
		icon  IconState
		tip   string
	}{
		{"start", 0, nil,
			[]string{"Work — connecting…", "Home — connecting…"}, IconState{}, "idlebell: no unread mail · 0 of 2 accounts connected"},
		{"work idle", 0, &imapwatch.StateChange{Account: "Work", Mailbox: "INBOX", State: imapwatch.StateIdle},
			[]string{"Work — connected", "Home — connecting…"}, IconState{}, "idlebell: no unread mail · 1 of 2 accounts connected"},
		{"work unread", 0, &imapwatch.Unseen{Account: "Work", Mailbox: "INBOX", Count: 3},
			[]string{"Work — 3 unread · connected", "Home — connecting…"}, IconState{Unread: 3}, "idlebell: 3 unread · 1 of 2 accounts connected"},
		{"home reconnecting", 0, &imapwatch.StateChange{Account: "Home", Mailbox: "INBOX", State: imapwatch.StateReconnecting, RetryAt: t0.Add(20 * time.Second), Err: fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED})},
			[]string{"Work — 3 unread · connected", "Home — the server refused the connection, retrying since 10:00"}, IconState{Unread: 3}, "idlebell: 3 unread · 1 of 2 accounts connected"},
		{"home down a minute: same line", time.Minute, &imapwatch.StateChange{Account: "Home", Mailbox: "INBOX", State: imapwatch.StateReconnecting, RetryAt: t0.Add(90 * time.Second), Err: fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED})},
			[]string{"Work — 3 unread · connected", "Home — the server refused the connection, retrying since 10:00"}, IconState{Unread: 3}, "idlebell: 3 unread · 1 of 2 accounts connected"},
		{"home down two minutes: attention, count kept", 2 * time.Minute, nil,
			[]string{"Work — 3 unread · connected", "Home — the server refused the connection, retrying since 10:00"}, IconState{Unread: 3, Attention: true}, "idlebell: Home: the server refused the connection, retrying since 10:00 · 3 unread"},
		{"home auth failed", 2 * time.Minute, &imapwatch.StateChange{Account: "Home", Mailbox: "INBOX", State: imapwatch.StateFailed, Err: fmt.Errorf("login: %w", imapwatch.ErrAuthFailed)},
			[]string{"Work — 3 unread · connected", "Home — login failed: check the password"}, IconState{Unread: 3, Attention: true}, "idlebell: Home: login failed: check the password · 3 unread"},
		{"home fixed", 3 * time.Minute, &imapwatch.StateChange{Account: "Home", Mailbox: "INBOX", State: imapwatch.StateIdle},
			[]string{"Work — 3 unread · connected", "Home — connected"}, IconState{Unread: 3}, "idlebell: 3 unread · all accounts connected"},
		{"home polls, 120 unread", 3 * time.Minute, &imapwatch.Unseen{Account: "Home", Mailbox: "INBOX", Count: 117},
			[]string{"Work — 3 unread · connected", "Home — 117 unread · connected"}, IconState{Unread: 120}, "idlebell: 120 unread · all accounts connected"},
	}
	for _, s := range steps {
		tr.at = t0.Add(s.at)
		if s.ev != nil {
			tr.apply(s.ev)
		} else {
			tr.refresh()
		}
		got := ft.labels()[:2]
		if strings.Join(got, "|") != strings.Join(s.lines, "|") {
			t.Errorf("%s: menu lines = %q, want %q", s.name, got, s.lines)
		}
		if st := tr.model.iconState(tr.at); st != s.icon {
			t.Errorf("%s: icon state = %v, want %v", s.name, st, s.icon)
		}
		if ft.tip != s.tip {
			t.Errorf("%s: tooltip = %q, want %q", s.name, ft.tip, s.tip)
		}
	}
	if !bytes.Equal(ft.icon, trayIcon(IconState{Unread: 120})) {
		t.Errorf("icon is not the 99+ unread icon")
	}
	for _, want := range []string{"Open mail client", "Check now", "Account settings…", "Pause notifications", "For 1 hour", "Until tomorrow", "Resume", "Settings…", "About idlebell", "Quit"} {
		ft.item(t, want)
	}
	if !ft.item(t, "Resume").Disabled {
		t.Errorf("Resume enabled while not paused")
	}
}

func TestTrayPauseMenu(t *testing.T) {
	tr := newTestTray(t, cfgWith(3, true, "Work"))
	ft, ctl := tr.host, tr.ctl
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
	tr.apply(&imapwatch.Unseen{Account: "Work", Mailbox: "INBOX", Count: 2})
	if st := tr.model.iconState(t0); st != (IconState{Unread: 2, Paused: true}) || !strings.HasPrefix(ft.tip, "idlebell: notifications paused until 11:00") {
		t.Errorf("paused: icon %v, tooltip %q; want the count kept", st, ft.tip)
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
	tr := newTestTray(t, cfgWith(3, true, "Work"))
	ft := tr.host
	ft.item(t, "Check now").Action()
	if w := tr.o.Watcher.(*fakeWatcher); len(w.checked) != 1 || w.checked[0] != "Work" {
		t.Errorf("Check now called CheckNow(%q), want Work", w.checked)
	}
	tr.setConfig(nil, errors.New("config.toml: line 3: port: 99999 is not a valid port"))
	if got := ft.labels()[0]; got != "Config has errors — open Settings…" {
		t.Errorf("first menu line = %q, want the config error line", got)
	}
	if st := tr.model.iconState(t0); !st.Attention || !strings.Contains(ft.tip, "config has errors") {
		t.Errorf("broken config: icon %v, tooltip %q", st, ft.tip)
	}
	if got := ft.labels()[1]; got != "Work — connecting…" {
		t.Errorf("account line after a broken reload = %q, want the running account kept", got)
	}
	// A file that cannot be read has no errors to fix: it says so.
	tr.setConfig(nil, &settings.ReadError{Path: "/c/config.toml", Err: settings.ErrNotAFile})
	if got := ft.labels()[0]; got != "Can't read the config file — open Settings…" || !strings.Contains(ft.tip, "can't read the config file: open Settings") {
		t.Errorf("unreadable config: first menu line %q, tooltip %q", got, ft.tip)
	}
}

// TestTrayNoAccounts: without accounts the menu offers Add account…, which
// asks the settings process for its Add dialog.
func TestTrayNoAccounts(t *testing.T) {
	tr := newTestTray(t, settings.Default())
	ft := tr.host
	if got := ft.labels()[0]; got != "Add account…" {
		t.Errorf("menu line = %q, want Add account…", got)
	}
	if ft.tip != "idlebell: no unread mail · no accounts: choose Add account… in the menu" {
		t.Errorf("tooltip = %q", ft.tip)
	}
	var pipe bytes.Buffer
	tr.settings = &settingsChild{stdin: nopCloser{&pipe}, sent: map[string]string{}}
	ft.item(t, "Add account…").Action()
	cmd, _, ok := ParseControlLine(strings.TrimSpace(pipe.String()))
	if !ok || cmd != CmdShowAdd {
		t.Errorf("Add account… sent %q to the settings process, want %s", pipe.String(), CmdShowAdd)
	}
}

// TestTrayBrokenConfigOffersTheFix: a config file with errors (or one that
// cannot be read) at start leaves the tray without accounts, but the menu
// offers only the line that opens what is wrong, not Add account…, which
// could not add to that file; English and German.
func TestTrayBrokenConfigOffersTheFix(t *testing.T) {
	for _, locale := range []string{"C.UTF-8", "de_DE.UTF-8"} {
		i18ntest.Use(t, locale)
		for _, err := range []error{
			errors.New("config.toml: line 6: account.username: strings cannot contain newlines"),
			&settings.ReadError{Path: "/c/config.toml", Err: settings.ErrNotAFile},
		} {
			tr := newTestTray(t, settings.Default())
			tr.setConfig(nil, err)
			labels := tr.host.labels()
			if slices.Contains(labels, i18n.T("Add account…")) {
				t.Errorf("%s, %v: the menu %q offers %s", locale, err, labels, i18n.T("Add account…"))
			}
			want := i18n.T("Config has errors — open Settings…")
			if unreadable(err) {
				want = i18n.T("Can't read the config file — open Settings…")
			}
			if labels[0] != want {
				t.Errorf("%s, %v: first menu line %q, want %q", locale, err, labels[0], want)
			}
			var pipe bytes.Buffer
			tr.settings = &settingsChild{stdin: nopCloser{&pipe}, sent: map[string]string{}}
			tr.host.item(t, want).Action()
			if cmd, _, ok := ParseControlLine(strings.TrimSpace(pipe.String())); !ok || cmd != CmdShowSettings {
				t.Errorf("%s: %q sent %q to the settings process, want %s", locale, want, pipe.String(), CmdShowSettings)
			}
		}
	}
}

// TestTooltipNamesTheMenuItem: a tooltip that tells what to do names the
// menu item that does it, as the menu spells it, in English and German.
func TestTooltipNamesTheMenuItem(t *testing.T) {
	disabled := cfgWith(3, true, "Work")
	disabled.Accounts[0].Enabled = false
	for _, locale := range []string{"C.UTF-8", "de_DE.UTF-8"} {
		i18ntest.Use(t, locale)
		for _, c := range []struct {
			name string
			cfg  *settings.Config
			item string // the English label; the menu shows its translation
		}{
			{"no accounts", settings.Default(), "Add account…"},
			{"all disabled", disabled, "Settings…"},
		} {
			tr := newTestTray(t, c.cfg)
			label := tr.host.item(t, i18n.T(c.item)).Label
			if !strings.Contains(tr.host.tip, "„"+label+"“") && !strings.Contains(tr.host.tip, "choose "+label+" in the menu") {
				t.Errorf("%s, %s: tooltip %q does not name the menu item %q", locale, c.name, tr.host.tip, label)
			}
		}
	}
}

func TestIconsDiffer(t *testing.T) {
	seen := map[string]string{}
	for _, st := range []IconState{{}, {Unread: 1}, {Unread: 42}, {Unread: 100}, {Attention: true}, {Unread: 3, Attention: true},
		{Paused: true}, {Unread: 3, Paused: true}} {
		b := trayIcon(st)
		if other, dup := seen[string(b)]; dup {
			t.Errorf("icon %v draws the same as %s", st, other)
		}
		seen[string(b)] = st.String()
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("icon %v: %v", st, err)
		}
		if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
			t.Errorf("icon %v is %v, want 64×64", st, b)
		}
	}
	if !bytes.Equal(trayIcon(IconState{Unread: 100}), trayIcon(IconState{Unread: 250})) {
		t.Errorf("100 and 250 unread should share the 99+ icon")
	}
}

// TestPausedWithAttention: paused, with an account that needs attention,
// the icon is the attention icon (not a dimmed bell with the "!": attention
// wins) and the tooltip starts with the trouble and names the pause, in
// English and German; once the account is back, the paused icon returns.
func TestPausedWithAttention(t *testing.T) {
	refused := fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED})
	for _, c := range []struct{ locale, tip, back string }{
		{"C.UTF-8",
			"idlebell: Work: the server refused the connection, retrying since 10:00 · notifications paused until 11:00 · 3 unread",
			"idlebell: notifications paused until 11:00 · 3 unread · connected"},
		{"de_DE.UTF-8",
			"idlebell: Work: der Server hat die Verbindung abgelehnt, neue Versuche seit 10:00 · Benachrichtigungen pausiert bis 11:00 · 3 ungelesen",
			"idlebell: Benachrichtigungen pausiert bis 11:00 · 3 ungelesen · verbunden"},
	} {
		i18ntest.Use(t, c.locale)
		tr := newTestTray(t, cfgWith(3, true, "Work"))
		tr.apply(&imapwatch.Unseen{Account: "Work", Mailbox: "INBOX", Count: 3})
		tr.setPaused(true, t0.Add(time.Hour))
		tr.apply(&imapwatch.StateChange{Account: "Work", Mailbox: "INBOX", State: imapwatch.StateReconnecting, Err: refused})
		tr.at = t0.Add(2 * time.Minute)
		tr.refresh()
		if st := tr.model.iconState(tr.at); st != (IconState{Unread: 3, Attention: true}) {
			t.Errorf("%s: paused and unreachable: icon state %v, want attention with the count", c.locale, st)
		}
		if !bytes.Equal(tr.host.icon, trayIcon(IconState{Unread: 3, Attention: true})) {
			t.Errorf("%s: paused and unreachable: the icon is not the attention icon", c.locale)
		}
		if tr.host.tip != c.tip {
			t.Errorf("%s: tooltip = %q, want %q", c.locale, tr.host.tip, c.tip)
		}
		tr.apply(&imapwatch.StateChange{Account: "Work", Mailbox: "INBOX", State: imapwatch.StateIdle})
		if !bytes.Equal(tr.host.icon, trayIcon(IconState{Unread: 3, Paused: true})) {
			t.Errorf("%s: back, still paused: the icon is not the paused icon", c.locale)
		}
		if tr.host.tip != c.back {
			t.Errorf("%s: back: tooltip = %q, want %q", c.locale, tr.host.tip, c.back)
		}
	}
	// Whatever asks for both, the drawing is the attention icon's.
	if !bytes.Equal(trayIcon(IconState{Unread: 3, Attention: true, Paused: true}), trayIcon(IconState{Unread: 3, Attention: true})) {
		t.Errorf("attention and paused draw differently from attention alone")
	}
}

// TestMenuStillWhileReconnecting: the menu is sent again only when a line
// changes; a reconnect that waits, and its retries, change nothing.
func TestMenuStillWhileReconnecting(t *testing.T) {
	down := &imapwatch.StateChange{Account: "Work", Mailbox: "INBOX", State: imapwatch.StateReconnecting, RetryAt: t0.Add(5 * time.Second),
		Err: fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED})}
	tr2 := newTestTray(t, cfgWith(3, true, "Work"))
	tr2.apply(down)
	menus2 := tr2.host.menus
	for i := range 30 {
		tr2.at = t0.Add(time.Duration(i) * time.Second)
		tr2.apply(&imapwatch.StateChange{Account: "Work", Mailbox: "INBOX", State: imapwatch.StateConnecting})
		retry := *down
		retry.RetryAt = tr2.at.Add(time.Duration(i+1) * time.Second)
		tr2.apply(&retry)
	}
	if tr2.host.menus != menus2 {
		t.Errorf("menu sent %d times while the same reconnect waited, want 0", tr2.host.menus-menus2)
	}
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
	tr := newTestTray(t, cfg)
	ft := tr.host
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
	if !strings.HasPrefix(ft.tip, "idlebell: Gmail: sign-in needed") {
		t.Errorf("tooltip = %q, want it to start with the sign-in line", ft.tip)
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
	if tr.startSignIn(cfg.Accounts[0]) {
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
	for _, it := range ft.menu[0].Children {
		if it.Label == "Sign in again…" {
			t.Error("Sign in again… still offered for a connected account")
		}
	}
}
