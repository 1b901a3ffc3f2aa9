package ui

import (
	"context"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"idlebell/discover"
	"idlebell/i18n"
	"idlebell/i18n/i18ntest"
	"idlebell/imapwatch"
	"idlebell/settings"
	"idlebell/trust"
)

// gmxResult is what discovery says for a GMX address: the built-in table.
func gmxResult(address string) *discover.Result {
	r := discover.Builtin(address)
	return r
}

// openAdd opens Add… and types the address and the password.
func (h *settingsHarness) openAdd(address, password string) *addFlow {
	h.t.Helper()
	test.Tap(h.s.list.add)
	f := h.s.adding
	if f == nil {
		h.t.Fatal("Add… opened no dialog")
	}
	test.Type(f.address, address)
	test.Type(f.password, password)
	return f
}

// TestAddTwoSteps: Continue finds the server and logs in with the typed
// password — storing nothing — and shows what it found; Add stores the
// account and the password together.
func TestAddTwoSteps(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	h.findFn = func(_ context.Context, address string) (*discover.Result, error) { return gmxResult(address), nil }
	before, _ := os.ReadFile(h.path)
	f := h.openAdd("max@gmx.de", "geheim")
	if hint := f.hint.Text; hint != "GMX: Switch on POP3/IMAP access in GMX's web settings first." {
		t.Errorf("provider hint while typing = %q", hint)
	}
	test.Tap(f.next)
	h.drainUntil("the server found", func() bool { return f.second.Visible() })
	if want := "GMX: imap.gmx.net, port 993, SSL/TLS — connected, IDLE supported, 3 unread"; f.found.Text != want {
		t.Errorf("found = %q, want %q", f.found.Text, want)
	}
	calls := h.testCalls()
	if len(calls) != 1 || calls[0].password != "geheim" || calls[0].account.Host != "imap.gmx.net" || calls[0].account.Username != "max@gmx.de" {
		t.Fatalf("Test calls = %+v, want one login to imap.gmx.net with the typed password", calls)
	}
	if after, _ := os.ReadFile(h.path); string(after) != string(before) || len(h.secrets.callList()) != 0 {
		t.Fatalf("something was stored before Add: keyring %q", h.secrets.callList())
	}
	if f.name.Text != "GMX" {
		t.Errorf("name = %q, want GMX", f.name.Text)
	}
	test.Tap(f.add)
	h.drainUntil("the account stored", func() bool { return h.s.adding == nil })
	cfg, err := settings.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 2 {
		t.Fatalf("file has %d accounts, want Work and GMX", len(cfg.Accounts))
	}
	if a := cfg.Accounts[1]; a.Name != "GMX" || a.Host != "imap.gmx.net" || a.Port != 993 || a.Security != "tls" || a.Username != "max@gmx.de" {
		t.Errorf("stored account = %+v", a)
	}
	if h.secrets.pw["GMX"] != "geheim" {
		t.Errorf("keyring has %q for GMX, want the typed password", h.secrets.pw["GMX"])
	}
	if h.s.selected != 1 || h.s.accounts[1].changed() || !h.s.save.Disabled() {
		t.Errorf("after Add: selected %d, changed %v, Save enabled %v; want GMX shown as saved", h.s.selected, h.s.accounts[1].changed(), !h.s.save.Disabled())
	}
}

// TestAddStepsSameSize: the found step takes the address step's place
// without the dialog changing its size (it shrank and moved).
func TestAddStepsSameSize(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	h.findFn = func(_ context.Context, address string) (*discover.Result, error) { return gmxResult(address), nil }
	f := h.openAdd("max@gmx.de", "geheim")
	before := f.steps.Size()
	test.Tap(f.next)
	h.drainUntil("the server found", func() bool { return f.second.Visible() })
	if after := f.steps.Size(); after != before {
		t.Errorf("the dialog's steps are %v after Continue, %v before", after, before)
	}
}

// TestAddUnsavedEditsStayUnsaved: Add stores only the new account.
func TestAddUnsavedEditsStayUnsaved(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	h.fill(h.entry("host"), "edited.example.com")
	h.findFn = func(_ context.Context, address string) (*discover.Result, error) { return gmxResult(address), nil }
	f := h.openAdd("max@gmx.de", "geheim")
	test.Tap(f.next)
	h.drainUntil("the server found", func() bool { return f.second.Visible() })
	test.Tap(f.add)
	h.drainUntil("the account stored", func() bool { return h.s.adding == nil })
	cfg, _ := settings.Load(h.path)
	if cfg.Accounts[0].Host != "imap.example.com" {
		t.Errorf("Add saved Work's unsaved edit: %q", cfg.Accounts[0].Host)
	}
	if !h.s.accounts[0].changed() || h.s.save.Disabled() {
		t.Error("Work's edit is no longer pending")
	}
}

// TestAddCertificate: an untrusted certificate asks; trusting it logs in
// again by itself with the certificate pinned, and Add stores the pin.
func TestAddCertificate(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	cert := selfSigned(t, "mail.example.org")
	fp := trust.Fingerprint(cert.Raw)
	h.findFn = func(context.Context, string) (*discover.Result, error) {
		return &discover.Result{Provider: "example.org", Source: discover.SourceProbe, Servers: []discover.Server{{Host: "mail.example.org", Port: 993, Security: "tls", Username: "bob@example.org", Auth: "password"}}}, nil
	}
	h.testFn = func(_ context.Context, a settings.Account, _ string) *imapwatch.CheckResult {
		if a.TLSFingerprint == fp {
			return connected(a)
		}
		return untrusted(cert, a.Host)
	}
	f := h.openAdd("bob@example.org", "pw")
	test.Tap(f.next)
	h.drainUntil("the certificate dialog", func() bool { return strings.Contains(overlayText(h.s.w), "Untrusted certificate") })
	if !strings.Contains(overlayText(h.s.w), "Matches mail.example.org") {
		t.Errorf("dialog:\n%s", overlayText(h.s.w))
	}
	test.Tap(buttonIn(t, topOverlay(h.s.w), "Trust this certificate"))
	h.drainUntil("the server found", func() bool { return f.second.Visible() })
	test.Tap(f.add)
	h.drainUntil("the account stored", func() bool { return h.s.adding == nil })
	cfg, _ := settings.Load(h.path)
	if len(cfg.Accounts) != 1 || cfg.Accounts[0].TLSFingerprint != fp {
		t.Errorf("stored %+v, want the pinned certificate", cfg.Accounts)
	}
}

// TestAddWrongPassword: a refused password says so with the provider's
// note and stores nothing; a server that cannot be reached gives way to
// the next one found.
func TestAddWrongPassword(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	h.findFn = func(context.Context, string) (*discover.Result, error) {
		r := gmxResult("max@gmx.de")
		r.Servers = append([]discover.Server{{Host: "down.gmx.net", Port: 993, Security: "tls", Username: "max@gmx.de", Auth: "password"}}, r.Servers...)
		return r, nil
	}
	h.testFn = func(_ context.Context, a settings.Account, _ string) *imapwatch.CheckResult {
		if a.Host == "down.gmx.net" {
			return &imapwatch.CheckResult{Step: "connect", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}
		}
		return &imapwatch.CheckResult{Step: "login", Err: imapwatch.ErrAuthFailed}
	}
	f := h.openAdd("max@gmx.de", "wrong")
	test.Tap(f.next)
	h.drainUntil("the refusal", func() bool { return strings.Contains(f.status.Text, "refused") })
	if want := "imap.gmx.net refused the password: check it and try again. Switch on POP3/IMAP access in GMX's web settings first."; f.status.Text != want {
		t.Errorf("status = %q, want %q", f.status.Text, want)
	}
	if calls := h.testCalls(); len(calls) != 2 {
		t.Errorf("Test calls = %d, want the unreachable server, then the next", len(calls))
	}
	if len(h.secrets.callList()) != 0 || f.second.Visible() {
		t.Error("stored something or moved on after a refused password")
	}
}

// TestAddNotFoundEditManually: no server found; Edit manually… opens the
// full form with the address and the typed password, unsaved.
func TestAddNotFoundEditManually(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	f := h.openAdd("bob@nowhere.example", "pw")
	test.Tap(f.next)
	h.drainUntil("the answer", func() bool { return strings.Contains(f.status.Text, "found no server") })
	test.Tap(buttonIn(t, topOverlay(h.s.w), "Edit manually…"))
	if h.s.adding != nil || h.s.form == nil {
		t.Fatal("Edit manually… did not open the form")
	}
	e := h.s.form.e
	if !e.isNew || e.acct.Username != "bob@nowhere.example" || e.password != "pw" || e.acct.Name != "bob@nowhere.example" {
		t.Errorf("new account = %+v, password %q", e.acct, e.password)
	}
	if h.s.save.Disabled() {
		t.Error("Save disabled for a new account")
	}
}

// TestAddWithGoogle: Sign in with Google… stores the account and starts
// the browser sign-in.
func TestAddWithGoogle(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	h.openAdd("alice@gmail.com", "")
	test.Tap(buttonIn(t, topOverlay(h.s.w), "Sign in with Google…"))
	h.drainUntil("the account stored", func() bool { return h.s.adding == nil })
	a := h.signIn.next(t)
	if a.Name != "Gmail" || a.Username != "alice@gmail.com" || a.OAuthProvider != "google" || a.Host != "imap.gmail.com" {
		t.Errorf("SignIn(%+v)", a)
	}
	cfg, _ := settings.Load(h.path)
	if len(cfg.Accounts) != 1 || !cfg.Accounts[0].UsesOAuth2() {
		t.Errorf("stored %+v, want the Gmail account", cfg.Accounts)
	}
	h.signIn.result <- nil
	h.drainUntil("the sign-in", func() bool { return strings.HasPrefix(h.s.status.Text, "Signed in") })
}

// TestShowAdd: the tray's Add account… (Show.Add) opens the settings
// window with its Add an account dialog, also when the window is open; a
// second one while the dialog is up opens no second dialog.
func TestShowAdd(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	if h.s.adding != nil {
		t.Fatal("the settings window opened with the Add dialog up")
	}
	h.host.show(Show{Add: true})
	f := h.s.adding
	if f == nil || !strings.Contains(overlayText(h.s.w), "Add an account") {
		t.Fatalf("Show{Add: true} opened no Add dialog (overlay %q)", overlayText(h.s.w))
	}
	h.host.show(Show{Add: true})
	if h.s.adding != f {
		t.Errorf("a second Show{Add: true} replaced the open Add dialog")
	}
	test.Type(f.address, "alice@example.org")
	if f.address.Text != "alice@example.org" {
		t.Errorf("the address field has %q: it does not take typing", f.address.Text)
	}
}

// TestAddTrustAsksOnce: a certificate trusted in the flow is not asked
// about again when Continue runs once more after a refused password.
func TestAddTrustAsksOnce(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	cert := selfSigned(t, "mail.example.org")
	fp := trust.Fingerprint(cert.Raw)
	h.findFn = func(context.Context, string) (*discover.Result, error) {
		return &discover.Result{Provider: "example.org", Source: discover.SourceProbe, Servers: []discover.Server{{Host: "mail.example.org", Port: 993, Security: "tls", Username: "bob@example.org", Auth: "password"}}}, nil
	}
	h.testFn = func(_ context.Context, a settings.Account, password string) *imapwatch.CheckResult {
		switch {
		case a.TLSFingerprint != fp:
			return untrusted(cert, a.Host)
		case password != "right":
			return &imapwatch.CheckResult{Step: "login", Err: imapwatch.ErrAuthFailed}
		}
		return connected(a)
	}
	f := h.openAdd("bob@example.org", "wrong")
	test.Tap(f.next)
	h.drainUntil("the certificate dialog", func() bool { return strings.Contains(overlayText(h.s.w), "Untrusted certificate") })
	test.Tap(buttonIn(t, topOverlay(h.s.w), "Trust this certificate"))
	h.drainUntil("the refusal", func() bool { return strings.Contains(f.status.Text, "refused the password") })
	f.password.SetText("")
	test.Type(f.password, "right")
	test.Tap(f.next)
	h.drainUntil("the server found", func() bool {
		return f.second.Visible() || strings.Contains(overlayText(h.s.w), "Untrusted certificate")
	})
	if !f.second.Visible() {
		t.Fatalf("the trusted certificate was asked about again:\n%s", overlayText(h.s.w))
	}
}

// TestAddPlaintextOnly: a server that answers only without encryption is
// not offered, but said, and Edit manually… fills it in with security
// None and the box that allows it unticked.
func TestAddPlaintextOnly(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	h.findFn = func(_ context.Context, address string) (*discover.Result, error) {
		return nil, &discover.NotFoundError{Address: address,
			Plaintext: []discover.Server{{Host: "mail.example.org", Port: 143, Security: "none", Username: address, Auth: "password"}}}
	}
	f := h.openAdd("bob@example.org", "pw")
	test.Tap(f.next)
	h.drainUntil("the answer", func() bool { return strings.Contains(f.status.Text, "mail.example.org") })
	if want := "mail.example.org answers only unencrypted: the password would cross the network readable. If you trust this network, click Edit manually… and tick “Allow sending the password unencrypted”."; f.status.Text != want {
		t.Errorf("status = %q, want %q", f.status.Text, want)
	}
	test.Tap(buttonIn(t, topOverlay(h.s.w), "Edit manually…"))
	e := h.s.form.e
	if e.acct.Host != "mail.example.org" || e.acct.Port != 143 || e.acct.Security != "none" || e.acct.AllowPlaintext {
		t.Errorf("new account = %+v, want mail.example.org:143, security none, plaintext not allowed yet", e.acct)
	}
}

// TestAddReturnInAddress: Return in the address field goes on to the
// password (and, with one typed, to Continue), as it does in the password.
func TestAddReturnInAddress(t *testing.T) {
	h := newSettingsHarness(t, settings.Default(), false)
	h.findFn = func(_ context.Context, address string) (*discover.Result, error) { return gmxResult(address), nil }
	f := h.openAdd("max@gmx.de", "")
	f.address.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := h.s.w.Canvas().Focused(); got != f.password {
		t.Fatalf("after Return in the address the focus is on %T, want the password", got)
	}
	test.Type(f.password, "geheim")
	f.address.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.drainUntil("the server found", func() bool { return f.second.Visible() })
}

// TestAddDialogKeepsItsSize: the dialog neither grows nor moves when the
// provider's note or "found no server" shows, in English and German; a
// status longer than its lines ends in "…" and shows whole in a tip over
// the dialog.
func TestAddDialogKeepsItsSize(t *testing.T) {
	for _, locale := range []string{"C.UTF-8", "de_DE.UTF-8"} {
		i18ntest.Use(t, locale)
		h := newSettingsHarness(t, settings.Default(), false)
		f := h.openAdd("", "")
		d := fyne.CurrentApp().Driver()
		size := f.content.MinSize() // the dialog grows, and moves to stay centred, with it
		unmoved := func(when string) {
			t.Helper()
			if got := f.content.MinSize(); got.Height != size.Height {
				t.Errorf("%s: %s, the dialog's content is %v high, was %v", locale, when, got.Height, size.Height)
			}
		}
		test.Type(f.address, "max@gmx.de")
		if f.hint.Text == " " {
			t.Fatalf("%s: no provider note for a GMX address", locale)
		}
		unmoved("with GMX's note")
		f.address.SetText("")
		test.Type(f.address, "bob@nowhere.example")
		test.Type(f.password, "pw")
		test.Tap(f.next)
		h.drainUntil("the answer", func() bool { return f.status.Importance == widget.DangerImportance })
		want := i18n.T("idlebell found no server for %s. Click Edit manually… and enter it yourself.", "bob@nowhere.example")
		if f.status.Text != want {
			t.Fatalf("%s: status = %q, want %q", locale, f.status.Text, want)
		}
		if lines := renderedLines(f.status); strings.Join(lines, " ") != want {
			t.Errorf("%s: the status shows as %q, want it whole", locale, lines)
		}
		unmoved("with “found no server”")

		h.mu.Lock()
		h.findFn = func(_ context.Context, address string) (*discover.Result, error) {
			return nil, &discover.NotFoundError{Address: address, Plaintext: []discover.Server{{Host: "mail.a-rather-long-host-name.example.org",
				Port: 143, Security: "none", Username: address, Auth: "password"}}}
		}
		h.mu.Unlock()
		test.Tap(f.next)
		h.drainUntil("the answer", func() bool { return strings.Contains(f.status.Text, "mail.a-rather-long") })
		unmoved("with the unencrypted server's text")
		if lines := renderedLines(f.status); strings.Join(lines, " ") != f.status.Text {
			t.Errorf("%s: the status shows as %q, want it whole", locale, lines)
		}
		long := strings.Repeat(f.status.Text+" ", 2)
		f.failed(long)
		unmoved("with a status longer than its lines")
		if lines := renderedLines(f.status); len(lines) != statusLines || !strings.HasSuffix(lines[len(lines)-1], "…") {
			t.Fatalf("%s: a long status shows as %q, want %d lines, the last cut with …", locale, lines, statusLines)
		}
		c := h.s.w.Canvas()
		test.MoveMouse(c, d.AbsolutePositionForObject(f.status).AddXY(4, 4))
		if got := f.tips.shown(); got != long {
			t.Errorf("%s: tip over the cut status = %q, want it whole", locale, got)
		}
		test.MoveMouse(c, fyne.NewPos(1, 1))
		if got := f.tips.shown(); got != "" {
			t.Errorf("%s: tip after the mouse left = %q, want none", locale, got)
		}
	}
}
