package ui

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"idlebell/discover"
	"idlebell/imapwatch"
	"idlebell/settings"
	"idlebell/trust"
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

func (f *fakeSecrets) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// testCall is one call of Options.Test.
type testCall struct {
	account  settings.Account
	password string
}

// settingsHarness runs the window with the background work's answers run
// on the test goroutine (drainUntil), as fyne.Do runs them on Fyne's.
type settingsHarness struct {
	t       *testing.T
	host    *windows
	s       *settingsWindow
	secrets *fakeSecrets
	tokens  *fakeSecrets // OAuth2 refresh tokens
	signIn  *fakeSignIn
	watcher *fakeWatcher
	path    string

	mu      sync.Mutex
	queue   []func()
	wake    chan struct{}
	testFn  func(ctx context.Context, a settings.Account, password string) *imapwatch.CheckResult
	tests   []testCall
	findFn  func(ctx context.Context, address string) (*discover.Result, error)
	finding []string
}

// connected is what a passing Test says.
func connected(a settings.Account) *imapwatch.CheckResult {
	return &imapwatch.CheckResult{Account: a.Name, Idle: true, Mailboxes: []imapwatch.MailboxCheck{{Name: "INBOX", Exists: true, Unseen: 3}}}
}

func newSettingsHarness(t *testing.T, cfg *settings.Config, demo bool, opts ...func(*Options)) *settingsHarness {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // autostart file
	h := &settingsHarness{t: t, secrets: &fakeSecrets{pw: map[string]string{}}, tokens: &fakeSecrets{pw: map[string]string{}},
		signIn: newFakeSignIn(), watcher: &fakeWatcher{}, wake: make(chan struct{}, 1)}
	h.testFn = func(_ context.Context, a settings.Account, _ string) *imapwatch.CheckResult { return connected(a) }
	h.findFn = func(ctx context.Context, address string) (*discover.Result, error) {
		return nil, &discover.NotFoundError{Address: address}
	}
	if !demo {
		h.path = filepath.Join(t.TempDir(), "config.toml")
		if len(cfg.Accounts) > 0 {
			file := cfg.Clone()
			for i, a := range file.Accounts {
				file.Accounts[i] = withPreset(a)
			}
			if err := settings.Save(h.path, file); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, a := range cfg.Accounts {
		if !a.UsesOAuth2() {
			h.secrets.pw[a.Name] = "old-secret"
		}
	}
	app := test.NewTempApp(t)
	o := Options{Config: cfg, ConfigPath: h.path, Secrets: h.secrets, Tokens: h.tokens, SignIn: h.signIn.SignIn,
		Watcher: h.watcher, Demo: demo, Logger: testLogger(t), App: testApp, Autostart: testAutostart,
		Test: func(ctx context.Context, a settings.Account, password string) *imapwatch.CheckResult {
			h.mu.Lock()
			h.tests = append(h.tests, testCall{a, password})
			fn := h.testFn
			h.mu.Unlock()
			return fn(ctx, a, password)
		},
		Discover: func(ctx context.Context, address string) (*discover.Result, error) {
			h.mu.Lock()
			h.finding = append(h.finding, address)
			fn := h.findFn
			h.mu.Unlock()
			return fn(ctx, address)
		},
	}
	for _, opt := range opts {
		opt(&o)
	}
	h.host = newWindows(app, o)
	h.host.do = h.post
	h.host.show(Show{})
	h.s = h.host.settings
	// (the window keeps its size: every width lays the wrapped texts out anew)
	t.Cleanup(func() {
		if s := h.host.settings; s != nil {
			s.cancel()
		}
		done := make(chan struct{})
		go func() { h.host.bg.Wait(); h.s.wait(); close(done) }()
		for {
			select {
			case <-done:
				return
			case <-h.wake:
				h.runQueued()
			case <-time.After(10 * time.Second):
				t.Error("background work did not end after the window closed")
				return
			}
		}
	})
	return h
}

// post is the window's fyne.Do: queued for the test goroutine.
func (h *settingsHarness) post(f func()) {
	h.mu.Lock()
	h.queue = append(h.queue, f)
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *settingsHarness) runQueued() {
	h.mu.Lock()
	q := h.queue
	h.queue = nil
	h.mu.Unlock()
	for _, f := range q {
		f()
	}
}

// drainUntil runs queued UI work until cond holds.
func (h *settingsHarness) drainUntil(what string, cond func() bool) {
	h.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		h.runQueued()
		if cond() {
			return
		}
		select {
		case <-h.wake:
		case <-timeout:
			h.t.Fatalf("timed out waiting for %s (status %q)", what, h.s.status.Text)
		}
	}
}

func (h *settingsHarness) testCalls() []testCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]testCall(nil), h.tests...)
}

func (h *settingsHarness) field(key string) *field {
	h.t.Helper()
	if h.s.form == nil || h.s.form.fields[key] == nil {
		h.t.Fatalf("no field %q in the form", key)
	}
	return h.s.form.fields[key]
}

func (h *settingsHarness) entry(key string) *fieldEntry {
	h.t.Helper()
	e, ok := h.field(key).input.(*fieldEntry)
	if !ok {
		h.t.Fatalf("field %q is not an entry", key)
	}
	return e
}

// fill types text into an entry as a person would: click in, clear, type,
// leave.
func (h *settingsHarness) fill(e *fieldEntry, text string) {
	c := h.s.w.Canvas()
	c.Focus(e)
	e.SetText("")
	test.Type(e, text)
	c.Unfocus()
}

// buttonIn finds a button by its text among o's objects, or fails.
func buttonIn(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, x := range test.LaidOutObjects(o) {
		if b, ok := x.(*widget.Button); ok && b.Text == text && b.Visible() {
			return b
		}
	}
	t.Fatalf("no button %q", text)
	return nil
}

// overlayText is the text of the dialogs over the window.
func overlayText(w fyne.Window) string {
	var b strings.Builder
	for _, o := range w.Canvas().Overlays().List() {
		for _, x := range test.LaidOutObjects(o) {
			switch v := x.(type) {
			case *widget.Label:
				b.WriteString(v.Text + "\n")
			case *widget.Button:
				b.WriteString("[" + v.Text + "]\n")
			}
		}
	}
	return b.String()
}

// topOverlay is the dialog on top, or nil.
func topOverlay(w fyne.Window) fyne.CanvasObject { return w.Canvas().Overlays().Top() }

// selfSigned makes a certificate for host, valid from a day ago for a year.
func selfSigned(t *testing.T, host string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: host, Organization: []string{"Example Mail"}},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:     []string{host},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// untrusted is a Test answer: the server's certificate is not trusted.
func untrusted(c *x509.Certificate, host string) *imapwatch.CheckResult {
	return &imapwatch.CheckResult{Step: "tls", Err: &imapwatch.CertificateError{Host: host, Subject: c.Subject.String(),
		Fingerprint: trust.Fingerprint(c.Raw), Err: x509.UnknownAuthorityError{Cert: c}, Cert: c}}
}
