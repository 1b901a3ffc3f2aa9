package ui

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// fakeSecrets is an in-memory keyring that records calls.
type fakeSecrets struct {
	mu    sync.Mutex
	pw    map[string]string
	calls []string
}

func (f *fakeSecrets) Get(_ context.Context, a string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pw, ok := f.pw[a]; ok {
		return pw, nil
	}
	return "", &settings.SecretError{Account: a, Err: settings.ErrSecretNotFound}
}

func (f *fakeSecrets) Set(a, pw string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pw[a] = pw
	f.calls = append(f.calls, "set "+a)
	return nil
}

func (f *fakeSecrets) Delete(a string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.pw, a)
	f.calls = append(f.calls, "delete "+a)
	return nil
}

func (f *fakeSecrets) Rename(o, n string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pw, ok := f.pw[o]; ok {
		f.pw[n] = pw
		delete(f.pw, o)
	}
	f.calls = append(f.calls, "rename "+o+" "+n)
	return nil
}

// settingsHarness runs the window with background answers delivered on the
// test goroutine (drain), as fyne.Do would deliver them to the UI goroutine.
type settingsHarness struct {
	t       *testing.T
	s       *settingsWindow
	secrets *fakeSecrets
	tokens  *fakeSecrets // OAuth2 refresh tokens
	signIn  *fakeSignIn
	watcher *fakeWatcher
	path    string
	queue   chan func()
}

func newSettingsHarness(t *testing.T, cfg *settings.Config, demo bool) *settingsHarness {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // autostart file
	h := &settingsHarness{t: t, secrets: &fakeSecrets{pw: map[string]string{}}, tokens: &fakeSecrets{pw: map[string]string{}},
		signIn: newFakeSignIn(), watcher: &fakeWatcher{}, queue: make(chan func(), 64)}
	if !demo {
		h.path = filepath.Join(t.TempDir(), "config.toml")
	}
	for _, a := range cfg.Accounts {
		h.secrets.pw[a.Name] = "old-secret"
	}
	a := test.NewTempApp(t)
	o := Options{Config: cfg, ConfigPath: h.path, Secrets: h.secrets, Tokens: h.tokens, SignIn: h.signIn.SignIn,
		Watcher: h.watcher, Demo: demo, Logger: testLogger(t), App: testApp, Autostart: testAutostart,
		Test: func(ctx context.Context, a settings.Account) *imapwatch.CheckResult {
			return &imapwatch.CheckResult{Account: a.Name, Idle: true, Mailboxes: []imapwatch.MailboxCheck{{Name: "INBOX", Exists: true, Unseen: 3}}}
		}}
	tr := newWindows(a, o)
	tr.do = func(f func()) { h.queue <- f }
	h.s = newSettingsWindow(tr, o, tr.do)
	h.s.w.Show()
	return h
}

// drainUntil runs queued UI work until cond holds.
func (h *settingsHarness) drainUntil(what string, cond func() bool) {
	h.t.Helper()
	timeout := time.After(10 * time.Second)
	for !cond() {
		select {
		case f := <-h.queue:
			f()
		case <-timeout:
			h.t.Fatalf("timed out waiting for %s (status %q)", what, h.s.status.Text)
		}
	}
}

func (h *settingsHarness) entry(key string) *widget.Entry {
	h.t.Helper()
	f := h.s.fields[key]
	if f == nil || f.entry == nil {
		h.t.Fatalf("no entry field %q", key)
	}
	return f.entry
}

func retype(e *widget.Entry, s string) {
	e.SetText("")
	test.Type(e, s)
}

func TestSettingsAddAccountAndSave(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	s := h.s
	if !s.save.Disabled() == false && len(s.cfg.Accounts) != 0 {
		t.Fatal("fresh window has accounts")
	}
	test.Tap(widgetButton(t, s, "Add"))
	retype(h.entry("name"), "Work")
	retype(h.entry("host"), "imap.example.com")
	retype(h.entry("username"), "alice@example.com")
	test.Type(h.entry("password"), "s3cret")
	if s.save.Disabled() {
		t.Fatalf("Save disabled for a valid account; status %q", s.status.Text)
	}
	test.Tap(s.save)
	h.drainUntil("the save", func() bool { return strings.HasPrefix(s.status.Text, "Saved") })

	got, err := settings.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Accounts) != 1 {
		t.Fatalf("saved %d accounts, want 1", len(got.Accounts))
	}
	a := got.Accounts[0]
	if a.Name != "Work" || a.Host != "imap.example.com" || a.Username != "alice@example.com" || a.Port != 993 || a.Security != "tls" || !a.Enabled {
		t.Errorf("saved account = %+v", a)
	}
	if h.secrets.pw["Work"] != "s3cret" || !slices.Equal(h.secrets.calls, []string{"set Work"}) {
		t.Errorf("keyring calls %q, password %q; want one Set of the typed password", h.secrets.calls, h.secrets.pw["Work"])
	}
	if !slices.Equal(h.watcher.retried, []string{"Work"}) {
		t.Errorf("Retry(%q) after the password change, want Work", h.watcher.retried)
	}
	if h.entry("password").Text != "" || h.entry("password").PlaceHolder != "set (type to replace it)" {
		t.Errorf("password field after save = %q / placeholder %q, want empty and shown as set", h.entry("password").Text, h.entry("password").PlaceHolder)
	}
}

func widgetButton(t *testing.T, s *settingsWindow, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(o any)
	walk = func(o any) {
		switch v := o.(type) {
		case *widget.Button:
			if v.Text == label {
				found = v
			}
		}
	}
	for _, o := range test.LaidOutObjects(s.w.Content()) {
		walk(o)
	}
	if found == nil {
		t.Fatalf("no button %q", label)
	}
	return found
}

func TestSettingsValidationBlocksSave(t *testing.T) {
	cfg := cfgWith(3, true, "Work")
	cfg.Accounts[0].Host, cfg.Accounts[0].Username = "imap.example.com", "alice"
	h := newSettingsHarness(t, cfg, false)
	s := h.s
	if s.save.Disabled() {
		t.Fatalf("Save disabled for a valid config: %q", s.status.Text)
	}
	retype(h.entry("port"), "99999")
	if msg := s.fields["port"].msg; !msg.Visible() || !strings.Contains(msg.Text, "99999 is not a valid port") {
		t.Errorf("port message = %q (visible %v), want the port problem", msg.Text, msg.Visible())
	}
	retype(h.entry("host"), "https://imap.example.com")
	if msg := s.fields["host"].msg; !strings.Contains(msg.Text, "has a scheme") {
		t.Errorf("host message = %q", msg.Text)
	}
	if !s.save.Disabled() {
		t.Errorf("Save enabled while problems are shown")
	}
	retype(h.entry("port"), "993")
	retype(h.entry("host"), "imap.example.com")
	if s.fields["port"].msg.Visible() || s.fields["host"].msg.Visible() || s.save.Disabled() {
		t.Errorf("after fixing: port msg %q, host msg %q, save disabled %v", s.fields["port"].msg.Text, s.fields["host"].msg.Text, s.save.Disabled())
	}
	retype(s.global["notifications.max_bubbles"].entry, "0")
	if msg := s.global["notifications.max_bubbles"].msg; !strings.Contains(msg.Text, "too few") || !s.save.Disabled() {
		t.Errorf("max bubbles 0: message %q, save disabled %v", msg.Text, s.save.Disabled())
	}
}

func TestSettingsRenameAndRemoveMoveKeyringEntries(t *testing.T) {
	cfg := cfgWith(3, true, "Work", "Home")
	for i := range cfg.Accounts {
		cfg.Accounts[i].Host, cfg.Accounts[i].Username = "imap.example.com", "u"
	}
	h := newSettingsHarness(t, cfg, false)
	h.tokens.pw["Work"] = "refresh-token-of-work"
	s := h.s
	h.drainUntil("keyring lookups", func() bool { return s.hasSecret[0] && s.hasSecret[1] })
	if ph := h.entry("password").PlaceHolder; ph != "set (type to replace it)" {
		t.Errorf("existing password placeholder = %q, want it shown as set", ph)
	}
	retype(h.entry("name"), "Office")
	s.showAccount(1)
	s.removeSelected()
	test.Tap(s.save)
	h.drainUntil("the save", func() bool { return strings.HasPrefix(s.status.Text, "Saved") })
	if want := []string{"rename Work Office", "delete Home"}; !slices.Equal(h.secrets.calls, want) {
		t.Errorf("keyring calls = %q, want %q", h.secrets.calls, want)
	}
	if want := []string{"rename Work Office", "delete Home"}; !slices.Equal(h.tokens.calls, want) {
		t.Errorf("token keyring calls = %q, want %q (the sign-in follows the account)", h.tokens.calls, want)
	}
	if got := h.tokens.pw["Office"]; got != "refresh-token-of-work" {
		t.Errorf("token entry of Office = %q, want Work's moved there", got)
	}
	got, err := settings.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Accounts) != 1 || got.Accounts[0].Name != "Office" {
		t.Errorf("saved accounts = %+v, want only Office", got.Accounts)
	}
	if len(h.watcher.retried) != 0 {
		t.Errorf("Retry(%q) without a password change", h.watcher.retried)
	}
}

func TestSettingsTestConnection(t *testing.T) {
	cfg := cfgWith(3, true, "Work")
	cfg.Accounts[0].Host, cfg.Accounts[0].Username = "imap.example.com", "u"
	h := newSettingsHarness(t, cfg, false)
	test.Tap(h.s.test)
	h.drainUntil("the test result", func() bool { return strings.HasPrefix(h.s.status.Text, "Connected") })
	if want := "Connected. IDLE supported, 3 unread in INBOX."; h.s.status.Text != want {
		t.Errorf("status = %q, want %q", h.s.status.Text, want)
	}
}

func TestCheckSentence(t *testing.T) {
	a := settings.NewAccount("Work")
	a.Host = "imap.example.com"
	fp := "sha256:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
	tests := []struct {
		name   string
		r      *imapwatch.CheckResult
		want   string
		wantFP string
	}{
		{"ok", &imapwatch.CheckResult{Idle: true, Mailboxes: []imapwatch.MailboxCheck{{Name: "INBOX", Unseen: 3}}}, "Connected. IDLE supported, 3 unread in INBOX.", ""},
		{"no idle", &imapwatch.CheckResult{Mailboxes: []imapwatch.MailboxCheck{{Name: "INBOX"}}}, "Connected. no IDLE: polling every 2m, 0 unread in INBOX.", ""},
		{"cert", &imapwatch.CheckResult{Step: "tls", Err: &imapwatch.CertificateError{Host: "h", Fingerprint: fp, Err: errors.New("unknown authority")}},
			"Certificate not trusted (sha256:AB:CD:EF:01:23:45…). If " + fp + " is your server's certificate, trust it: Trust in Settings, or tls_fingerprint = \"" + fp + "\" in the account (or tls_ca_file for the CA that signed it).", fp},
		{"auth", &imapwatch.CheckResult{Step: "login", Err: imapwatch.ErrAuthFailed},
			"Login failed: check the password. The server refused the login: check the username and the password (or, for an OAuth2 account, sign in again).", ""},
		{"mailbox", &imapwatch.CheckResult{Step: "mailbox", Err: &imapwatch.MailboxError{Mailboxes: []string{"INBOX"}}},
			"Folder not found: INBOX. Check the folder names in the account: they are case-sensitive, except INBOX.", ""},
	}
	for _, tt := range tests {
		got, gotFP := checkSentence(tt.r, a)
		if got != tt.want || gotFP != tt.wantFP {
			t.Errorf("%s: checkSentence = %q, %q; want %q, %q", tt.name, got, gotFP, tt.want, tt.wantFP)
		}
	}
}

func TestSettingsTrustPinsFingerprint(t *testing.T) {
	cfg := cfgWith(3, true, "Work")
	cfg.Accounts[0].Host, cfg.Accounts[0].Username = "imap.example.com", "u"
	h := newSettingsHarness(t, cfg, false)
	fp := "sha256:" + strings.Repeat("AB:", 31) + "AB"
	h.s.o.Test = func(ctx context.Context, a settings.Account) *imapwatch.CheckResult {
		return &imapwatch.CheckResult{Step: "tls", Err: &imapwatch.CertificateError{Fingerprint: fp, Err: errors.New("x")}}
	}
	test.Tap(h.s.test)
	h.drainUntil("the test result", func() bool { return h.s.trust.Visible() })
	test.Tap(h.s.trust)
	if got := h.s.cfg.Accounts[0].TLSFingerprint; got != fp {
		t.Errorf("pinned fingerprint = %q, want %q", got, fp)
	}
}

func TestSettingsDemoIsReadOnly(t *testing.T) {
	cfg := cfgWith(3, true, "Demo")
	cfg.Accounts[0].Host, cfg.Accounts[0].Username = "127.0.0.1", "demo"
	h := newSettingsHarness(t, cfg, true)
	if !h.s.save.Disabled() || !h.entry("host").Disabled() || !h.s.test.Disabled() {
		t.Errorf("demo window: save disabled %v, host disabled %v, test disabled %v; want all read-only", h.s.save.Disabled(), h.entry("host").Disabled(), h.s.test.Disabled())
	}
}

func TestSettingsGolden(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		h := newSettingsHarness(t, settings.Default(), false)
		test.AssertRendersToMarkup(t, "settings_empty.xml", h.s.w.Canvas())
	})
	t.Run("filled", func(t *testing.T) {
		cfg := cfgWith(3, true, "Work", "Home")
		cfg.Accounts[0].Host, cfg.Accounts[0].Username = "imap.example.com", "alice@example.com"
		cfg.Accounts[1].Host, cfg.Accounts[1].Username, cfg.Accounts[1].Enabled = "imap.home.example", "alice", false
		h := newSettingsHarness(t, cfg, false)
		h.drainUntil("keyring lookups", func() bool { return h.s.hasSecret[0] })
		test.AssertRendersToMarkup(t, "settings_filled.xml", h.s.w.Canvas())
	})
	t.Run("oauth", func(t *testing.T) {
		cfg := settings.Default()
		a := oauthAccount("Gmail", settings.ProviderGoogle)
		a.Host = ""
		cfg.Accounts = []settings.Account{a}
		h := newSettingsHarness(t, cfg, false)
		test.AssertRendersToMarkup(t, "settings_oauth.xml", h.s.w.Canvas())
	})
}
