package ui

import (
	"context"
	"crypto/tls"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"idlebell/i18n"
	"idlebell/i18n/i18ntest"
	"idlebell/imapwatch"
	"idlebell/settings"
	"idlebell/trust"
)

func workConfig() *settings.Config {
	cfg := cfgWith(3, true, "Work")
	cfg.Accounts[0].Host, cfg.Accounts[0].Username = "imap.example.com", "alice@example.com"
	return cfg
}

// TestSettingsEditAndSave: Save is off until something changed; a changed
// server and a typed password are saved, the password to the keyring only.
func TestSettingsEditAndSave(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	s := h.s
	if !s.save.Disabled() {
		t.Fatal("Save enabled with nothing changed")
	}
	h.fill(h.entry("host"), "imap2.example.com")
	h.fill(h.entry("host"), "imap.example.com")
	if !s.save.Disabled() {
		t.Error("Save enabled after an edit was undone")
	}
	h.fill(h.entry("host"), "mail.example.com")
	h.fill(h.entry("password"), "s3cret")
	if s.save.Disabled() {
		t.Fatalf("Save disabled after edits; status %q", s.status.Text)
	}
	test.Tap(s.save)
	h.drainUntil("the save", func() bool { return strings.HasPrefix(s.status.Text, "Saved") })
	got, err := settings.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	if a := got.Accounts[0]; a.Host != "mail.example.com" || a.Username != "alice@example.com" {
		t.Errorf("saved account = %+v", a)
	}
	if calls := h.secrets.callList(); !slices.Equal(calls, []string{"set Work"}) || h.secrets.pw["Work"] != "s3cret" {
		t.Errorf("keyring calls %q, password %q; want one Set of the typed password", calls, h.secrets.pw["Work"])
	}
	if !slices.Equal(h.watcher.retried, []string{"Work"}) {
		t.Errorf("Retry(%q) after the password change, want Work", h.watcher.retried)
	}
	if e := h.entry("password"); e.Text != "" || e.PlaceHolder != "Stored — type to replace it" {
		t.Errorf("password field after save = %q / %q, want empty and shown as stored", e.Text, e.PlaceHolder)
	}
	if !s.save.Disabled() {
		t.Error("Save enabled right after saving")
	}
}

// TestSettingsValidationAfterLeaving: a field's problem shows once the
// field is left, never while typing; Save shows all and saves nothing.
// Messages start with a capital and name controls, not config keys.
func TestSettingsValidationAfterLeaving(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	s := h.s
	port := h.entry("port")
	s.w.Canvas().Focus(port)
	port.SetText("")
	test.Type(port, "99999")
	if p := h.field("port").problem(); p != "" {
		t.Errorf("problem shown while typing: %q", p)
	}
	s.w.Canvas().Unfocus()
	if p, want := h.field("port").problem(), "Enter a port from 1 to 65535: usually 993 for SSL/TLS, 143 for STARTTLS."; p != want {
		t.Errorf("port problem after leaving = %q, want %q", p, want)
	}
	h.fill(h.entry("host"), "https://imap.example.com")
	if p, want := h.field("host").problem(), "Enter only the server's name, without https://."; p != want {
		t.Errorf("host problem = %q, want %q", p, want)
	}
	// A problem in a field not left yet shows only on Save.
	h.entry("username").SetText("")
	if p := h.field("username").problem(); p != "" {
		t.Errorf("username problem before leaving or Save: %q", p)
	}
	test.Tap(s.save)
	if p := h.field("username").problem(); p != "Enter your login name, usually your e-mail address." {
		t.Errorf("username problem after Save = %q", p)
	}
	if s.status.Text != "Fix the marked fields first." {
		t.Errorf("status after Save with problems = %q", s.status.Text)
	}
	if got, _ := settings.Load(h.path); got.Accounts[0].Port != 993 {
		t.Errorf("saved despite problems: %+v", got.Accounts[0])
	}
	// security none to a remote host points at the checkbox.
	h.s.form.security.SetValue(settings.SecurityNone)
	if p := h.field("security").problem(); !strings.Contains(p, "tick “Allow sending the password unencrypted”") {
		t.Errorf("security problem = %q, want it to point at the checkbox", p)
	}
	for key, f := range s.form.fields {
		if p := f.problem(); p != "" && (strings.Contains(p, "_") || strings.ToUpper(p[:1]) != p[:1]) {
			t.Errorf("%s: %q names a config key or starts in lower case", key, p)
		}
	}
	s.tabs.SelectIndex(1)
	mb := s.genTab.fields["notifications.max_bubbles"].input.(*fieldEntry)
	h.fill(mb, "0")
	if p := s.genTab.fields["notifications.max_bubbles"].problem(); p != "Enter a number of at least 1." {
		t.Errorf("max bubbles 0: %q", p)
	}
}

// TestSettingsNoLayoutJump: a problem takes the place of the hint, so the
// rows keep their height: also a problem longer than two lines (German,
// security None to a remote server), which ends in "…" there.
func TestSettingsNoLayoutJump(t *testing.T) {
	for _, locale := range []string{"C.UTF-8", "de_DE.UTF-8"} {
		i18ntest.Use(t, locale)
		h := newSettingsHarness(t, workConfig(), false)
		before := h.s.form.box.MinSize()
		below := h.field("allow_plaintext").input
		y := fyne.CurrentApp().Driver().AbsolutePositionForObject(below).Y
		h.s.form.security.SetValue(settings.SecurityNone)
		h.s.form.left("security")
		h.fill(h.entry("port"), "0")
		for _, key := range []string{"port", "security"} {
			if h.field(key).problem() == "" {
				t.Fatalf("%s: no problem shown under %s", locale, key)
			}
		}
		if after := h.s.form.box.MinSize(); after.Height != before.Height {
			t.Errorf("%s: form height %v with problems shown, %v without", locale, after.Height, before.Height)
		}
		if after := fyne.CurrentApp().Driver().AbsolutePositionForObject(below).Y; after != y {
			t.Errorf("%s: the row under Security moved from y=%v to %v when its problem showed", locale, y, after)
		}
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
	h.drainUntil("keyring look-ups", func() bool { return s.accounts[0].hasSecret && s.accounts[1].hasSecret })
	if ph := h.entry("password").PlaceHolder; ph != "Stored — type to replace it" {
		t.Errorf("existing password placeholder = %q", ph)
	}
	h.fill(h.entry("name"), "Office")
	s.selectIndex(1)
	test.Tap(s.list.remove)
	if !strings.Contains(overlayText(s.w), "[Remove]") || !strings.Contains(overlayText(s.w), "“Home”") {
		t.Fatalf("remove dialog:\n%s", overlayText(s.w))
	}
	test.Tap(buttonIn(t, topOverlay(s.w), "Remove"))
	test.Tap(s.save)
	h.drainUntil("the save", func() bool { return strings.HasPrefix(s.status.Text, "Saved") })
	if want := []string{"rename Work Office", "delete Home"}; !slices.Equal(h.secrets.callList(), want) {
		t.Errorf("keyring calls = %q, want %q", h.secrets.callList(), want)
	}
	if want := []string{"rename Work Office", "delete Home"}; !slices.Equal(h.tokens.callList(), want) {
		t.Errorf("token keyring calls = %q, want %q (the sign-in follows the account)", h.tokens.callList(), want)
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

// TestSettingsUnsavedPrompt: closing with unsaved edits asks; Don't save
// drops them (the next window reads the file), Save saves and closes.
func TestSettingsUnsavedPrompt(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	s := h.s
	h.fill(h.entry("host"), "changed.example.com")
	s.requestClose()
	if !strings.Contains(overlayText(s.w), "Save changes?") || !h.host.open[s.w] {
		t.Fatalf("closing with an edit: dialog %q, window open %v", overlayText(s.w), h.host.open[s.w])
	}
	test.Tap(buttonIn(t, topOverlay(s.w), "Cancel"))
	if !h.host.open[s.w] || h.entry("host").Text != "changed.example.com" {
		t.Fatal("Cancel closed the window or lost the edit")
	}
	s.requestClose()
	test.Tap(buttonIn(t, topOverlay(s.w), "Don't save"))
	if h.host.open[s.w] || s.ctx.Err() == nil {
		t.Fatal("Don't save left the window open or its work running")
	}
	h.host.show(Show{})
	s2 := h.host.settings
	if s2 == s || s2.accounts[0].acct.Host != "imap.example.com" {
		t.Fatalf("reopened window shows %q, want the file's imap.example.com", s2.accounts[0].acct.Host)
	}

	h.s = s2
	h.fill(h.entry("host"), "saved.example.com")
	s2.requestClose()
	test.Tap(buttonIn(t, topOverlay(s2.w), "Save"))
	h.drainUntil("the save", func() bool { return !h.host.open[s2.w] })
	if got, _ := settings.Load(h.path); got.Accounts[0].Host != "saved.example.com" {
		t.Errorf("Save in the prompt saved %+v", got.Accounts[0])
	}
}

// TestSettingsTestConnectionTypedPassword: Test connection logs in with
// the password typed in the form, without saving it.
func TestSettingsTestConnectionTypedPassword(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	h.fill(h.entry("password"), "typed")
	test.Tap(h.s.form.test.button)
	h.drainUntil("the test", func() bool { return strings.HasPrefix(h.s.form.test.result.Text, "Connected") })
	if want := "Connected: IDLE supported, 3 unread in INBOX."; h.s.form.test.result.Text != want {
		t.Errorf("result = %q, want %q", h.s.form.test.result.Text, want)
	}
	if calls := h.testCalls(); len(calls) != 1 || calls[0].password != "typed" || calls[0].account.Host != "imap.example.com" {
		t.Errorf("Test calls = %+v, want one with the typed password", calls)
	}
	if calls := h.secrets.callList(); len(calls) != 0 {
		t.Errorf("keyring calls %q during a test, want none", calls)
	}
	h.mu.Lock()
	h.testFn = func(context.Context, settings.Account, string) *imapwatch.CheckResult {
		return &imapwatch.CheckResult{Step: "login", Err: imapwatch.ErrAuthFailed}
	}
	h.mu.Unlock()
	test.Tap(h.s.form.test.button)
	h.drainUntil("the failed test", func() bool { return strings.HasPrefix(h.s.form.test.result.Text, "Login failed") })
}

// TestSettingsCertificateDialog: an untrusted certificate shows what it
// is; Trust this certificate pins it and the test goes on by itself.
func TestSettingsCertificateDialog(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	cert := selfSigned(t, "mail.example.net")
	fp := trust.Fingerprint(cert.Raw)
	h.mu.Lock()
	h.testFn = func(_ context.Context, a settings.Account, _ string) *imapwatch.CheckResult {
		if a.TLSFingerprint == fp {
			return connected(a)
		}
		return untrusted(cert, "imap.example.com")
	}
	h.mu.Unlock()
	test.Tap(h.s.form.test.button)
	h.drainUntil("the certificate dialog", func() bool { return strings.Contains(overlayText(h.s.w), "Untrusted certificate") })
	text := overlayText(h.s.w)
	hexs := strings.Split(strings.TrimPrefix(fp, "sha256:"), ":")
	for _, want := range []string{
		"idlebell could not verify the certificate of imap.example.com. No authority this computer trusts has signed it",
		"mail.example.net (Example Mail)",               // issued to
		"mail.example.net (Example Mail) (self-signed)", // issued by
		"2025-01-01 to 2035-01-01",                      // valid
		"Does not match imap.example.com; made for mail.example.net",
		strings.Join(hexs[:8], " ") + "\n" + strings.Join(hexs[8:16], " "), // the fingerprint in groups
		"[Trust this certificate]",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate dialog lacks %q:\n%s", want, text)
		}
	}
	test.Tap(buttonIn(t, topOverlay(h.s.w), "Trust this certificate"))
	h.drainUntil("the test after trusting", func() bool { return strings.HasPrefix(h.s.form.test.result.Text, "Connected") })
	if got := h.entry("tls_fingerprint").Text; got != fp {
		t.Errorf("Trusted certificate field = %q, want %q", got, fp)
	}
	if calls := h.testCalls(); len(calls) != 2 || calls[1].account.TLSFingerprint != fp {
		t.Errorf("Test calls = %d, want a second one with the pin", len(calls))
	}
	if h.s.save.Disabled() {
		t.Error("the pin is an edit to save, but Save is disabled")
	}
}

// TestSettingsWorkEndsWithWindow: closing the window cancels a running
// test, and the window's goroutines end.
func TestSettingsWorkEndsWithWindow(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	started := make(chan struct{})
	h.mu.Lock()
	h.testFn = func(ctx context.Context, a settings.Account, _ string) *imapwatch.CheckResult {
		close(started)
		<-ctx.Done()
		return &imapwatch.CheckResult{Err: ctx.Err()}
	}
	h.mu.Unlock()
	test.Tap(h.s.form.test.button)
	<-started
	h.s.requestClose()
	done := make(chan struct{})
	go func() { h.s.wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the test's goroutine outlived the window")
	}
}

func TestSettingsDemoHidesWhatCannotWork(t *testing.T) {
	cfg := cfgWith(3, true, "Demo")
	cfg.Accounts[0].Host, cfg.Accounts[0].Username = "127.0.0.1", "demo"
	h := newSettingsHarness(t, cfg, true)
	s := h.s
	if s.save.Visible() || s.list.add.Visible() || s.list.remove.Visible() {
		t.Errorf("demo: Save %v, Add %v, Remove %v visible; want hidden", s.save.Visible(), s.list.add.Visible(), s.list.remove.Visible())
	}
	if !h.entry("host").Disabled() || s.form.test.box.Visible() || h.field("sign_in_button").visible() {
		t.Error("demo: fields editable, or Test connection or Sign in shown")
	}
}

// TestSettingsEveryKey: every key of an [[account]] block and of
// [notifications] has its row (a key added to settings needs one).
func TestSettingsEveryKey(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	for _, k := range tomlKeys(reflect.TypeOf(settings.Account{})) {
		if k == "oauth_provider" {
			k = "auth" // one select for both
		}
		if h.s.form.fields[k] == nil {
			t.Errorf("account key %s has no row in the form", k)
		}
	}
	for _, k := range tomlKeys(reflect.TypeOf(settings.Notifications{})) {
		if h.s.genTab.fields["notifications."+k] == nil {
			t.Errorf("notifications key %s has no row on the General tab", k)
		}
	}
}

func tomlKeys(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); k != "" && k != "-" {
			out = append(out, k)
		}
	}
	return out
}

// TestSettingsAccountStates: the list shows the tray's line per account.
func TestSettingsAccountStates(t *testing.T) {
	cfg := cfgWith(3, true, "Work", "Home")
	for i := range cfg.Accounts {
		cfg.Accounts[i].Host, cfg.Accounts[i].Username = "imap.example.com", "u"
	}
	h := newSettingsHarness(t, cfg, false)
	h.host.accountState("Work", "3 unread · connected")
	h.host.accountState("Home", "login failed: check the password")
	h.s.accounts[1].acct.Enabled = false
	if got := accountStateText(h.s.accounts[0]); got != "3 unread · connected" {
		t.Errorf("Work's line = %q", got)
	}
	h.host.show(Show{}) // a window opened later knows the lines too
	if got := h.host.states["Home"]; got != "login failed: check the password" {
		t.Errorf("kept line = %q", got)
	}
}

// TestSettingsTabScrollsIntoView: a field reached with Tab below the
// visible part of the form scrolls into view.
func TestSettingsTabScrollsIntoView(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	h.s.w.Resize(fyne.NewSize(700, 420))
	e := h.entry("hook_timeout")
	if h.s.formScroll.Offset.Y != 0 {
		t.Fatal("form starts scrolled")
	}
	h.s.w.Canvas().Focus(e)
	if h.s.formScroll.Offset.Y == 0 {
		t.Error("focusing the last field did not scroll the form")
	}
	name := h.entry("name")
	h.s.w.Canvas().Focus(name)
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(name).Y - d.AbsolutePositionForObject(h.s.formScroll).Y
	if top < 0 || top+name.Size().Height > h.s.formScroll.Size().Height {
		t.Errorf("focusing the first field left it at %v in a view %v high", top, h.s.formScroll.Size().Height)
	}
}

// TestSettingsTabToTestConnection: Test connection reached with Tab
// scrolls into view with its result line, like the fields.
func TestSettingsTabToTestConnection(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	h.s.w.Resize(fyne.NewSize(700, 420))
	box := h.s.form.test.box
	h.s.w.Canvas().Focus(h.s.form.test.button)
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(box).Y - d.AbsolutePositionForObject(h.s.formScroll).Y
	if top < 0 || top+box.Size().Height > h.s.formScroll.Size().Height {
		t.Errorf("Test connection focused at %v in a view %v high: out of view", top, h.s.formScroll.Size().Height)
	}
}

func TestSignInChoice(t *testing.T) {
	tests := []struct{ auth, provider, want string }{
		{"", "", signInPassword},
		{settings.AuthPassword, "", signInPassword},
		{settings.AuthOAuth2, settings.ProviderGoogle, signInGoogle},
		{settings.AuthOAuth2, settings.ProviderMicrosoft, signInMicrosoft},
		{settings.AuthOAuth2, settings.ProviderCustom, signInCustom},
		{settings.AuthOAuth2, "", ""},
		{"kerberos", "", ""}, // so that choosing Password fixes it
	}
	for _, tt := range tests {
		if got := signInChoice(settings.Account{Auth: tt.auth, OAuthProvider: tt.provider}); got != tt.want {
			t.Errorf("signInChoice(auth %q, provider %q) = %q, want %q", tt.auth, tt.provider, got, tt.want)
		}
	}
}

// TestFormHints: the form's test names its controls where explain's hint
// names config keys.
func TestFormHints(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{imapwatch.ErrPlaintextRefused, "Choose SSL/TLS or STARTTLS under Security"},
		{imapwatch.ErrNoTLS, "Choose SSL/TLS under Security"},
		{fmt.Errorf("tls: %w", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), "This port does not speak SSL/TLS"},
		{&settings.SecretError{Account: "Work", Err: settings.ErrSecretNotFound}, "Type the password in the Password field."},
		{imapwatch.ErrAuthFailed, ""},
	}
	for _, tt := range tests {
		if got := formHint(tt.err); !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("formHint(%v) = %q, want %q…", tt.err, got, tt.want)
		}
	}
}

// TestHookShellDefaultShown: an account without hook_shell shows the
// shell it gets, PowerShell, not "(Choose one)", and is not changed by it.
func TestHookShellDefaultShown(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	if got := h.s.form.hookShell.Selected; got != "PowerShell" || h.s.form.hookShell.SelectedIndex() != 0 {
		t.Errorf("Command shell shows %q, want PowerShell", got)
	}
	if h.s.accounts[0].changed() || !h.s.save.Disabled() {
		t.Error("showing the default marked the account changed")
	}
	h.s.form.hookShell.SetSelected("cmd.exe")
	h.s.form.hookShell.SetSelected("PowerShell")
	if h.s.accounts[0].changed() || !h.s.save.Disabled() {
		t.Error("choosing PowerShell again is a change from the default PowerShell")
	}
}

// TestSettingsLongStatesAndProblems: an account's state wraps to a second
// line in the list instead of ending in "…" after one; a problem longer
// than its two lines ends in "…" and shows whole in a tip, on the mouse
// over it and while its field has the focus.
func TestSettingsLongStatesAndProblems(t *testing.T) {
	i18ntest.Use(t, "de_DE.UTF-8")
	cfg := cfgWith(3, true, "Work", "Home")
	for i := range cfg.Accounts {
		cfg.Accounts[i].Host, cfg.Accounts[i].Username = "imap.example.com", "u"
	}
	h := newSettingsHarness(t, cfg, false)
	state := "127.0.0.1:1 hat die Verbindung abgelehnt, neue Versuche seit 04:01"
	h.host.accountState("Home", state)
	var shown []string
	for _, o := range test.LaidOutObjects(h.s.list.list) {
		if l, ok := o.(*linesLabel); ok && l.Text == state {
			shown = renderedLines(l)
		}
	}
	if len(shown) != 2 || strings.Join(shown, " ") != state {
		t.Errorf("the list shows Home's state as %q, want it whole on two lines", shown)
	}

	h.s.form.security.SetValue(settings.SecurityNone)
	h.s.form.left("security")
	help := h.field("security").help
	want := h.field("security").problem()
	if lines := renderedLines(help); len(lines) != 2 || !strings.HasSuffix(lines[1], "…") {
		t.Fatalf("the problem under Security shows as %q, want two lines, the second cut with …", lines)
	}
	c := h.s.w.Canvas()
	test.MoveMouse(c, fyne.CurrentApp().Driver().AbsolutePositionForObject(help).AddXY(4, 4))
	if got := h.s.tips.shown(); got != want {
		t.Errorf("tip over the cut problem = %q, want %q", got, want)
	}
	test.MoveMouse(c, fyne.NewPos(1, 1))
	if got := h.s.tips.shown(); got != "" {
		t.Errorf("tip after the mouse left = %q, want none", got)
	}
	c.Focus(h.field("security").input.(fyne.Focusable))
	if got := h.s.tips.shown(); got != want {
		t.Errorf("tip while Security has the focus = %q, want %q", got, want)
	}
	c.Focus(h.entry("port"))
	if got := h.s.tips.shown(); got != "" {
		t.Errorf("tip after Tab to Port = %q, want none", got)
	}
}

// renderedLines is the text a label draws, one string per line.
func renderedLines(l fyne.Widget) []string {
	var out []string
	for _, o := range test.LaidOutObjects(l) {
		if txt, ok := o.(*canvas.Text); ok && txt.Visible() && strings.TrimSpace(txt.Text) != "" {
			out = append(out, txt.Text)
		}
	}
	return out
}

// TestPasswordHintFollowsSource: the hint under Password says where the
// password comes from: the keyring, the password command (typed or read
// from the file), or an OAuth2 sign-in.
func TestPasswordHintFollowsSource(t *testing.T) {
	for _, tt := range []struct {
		locale, keyring, command, oauth string
	}{
		{"C.UTF-8", "Kept in the keyring, never in the config file.",
			"Comes from the password command below; empty it to type a password here instead.",
			"Not used: idlebell signs in through the provider's page."},
		{"de_DE.UTF-8", "Liegt im Schlüsselbund, nie in der Konfigurationsdatei.",
			"Kommt vom Passwort-Befehl darunter; leeren Sie ihn, um stattdessen hier ein Passwort einzugeben.",
			"Nicht verwendet: idlebell meldet sich über die Seite des Anbieters an."},
	} {
		i18ntest.Use(t, tt.locale)
		cfg := workConfig()
		cfg.Accounts[0].PasswordCommand = "pass show mail/work"
		h := newSettingsHarness(t, cfg, false)
		hint := func() string { return h.field("password").help.Text }
		if got := hint(); got != tt.command {
			t.Errorf("%s: with password_command in the file, the hint is %q, want %q", tt.locale, got, tt.command)
		}
		h.fill(h.entry("password_command"), "")
		if got := hint(); got != tt.keyring {
			t.Errorf("%s: password command emptied, the hint is %q, want %q", tt.locale, got, tt.keyring)
		}
		h.fill(h.entry("password_command"), "pass show mail/work")
		if got := hint(); got != tt.command {
			t.Errorf("%s: password command typed, the hint is %q, want %q", tt.locale, got, tt.command)
		}
		h.fill(h.entry("password_command"), "")
		h.s.form.signIn.SetValue(settings.ProviderGoogle)
		if got := hint(); got != tt.oauth {
			t.Errorf("%s: signing in with Google, the hint is %q, want %q", tt.locale, got, tt.oauth)
		}
	}
}

// TestConnectionResultKeepsItsPlace: a refused login's result (a sentence
// and what to do, four lines in German) takes the result's two lines and
// ends in "…"; the button keeps its size, nothing below it moves, and the
// whole text shows in a tip on the mouse over it or while the button has
// the focus.
func TestConnectionResultKeepsItsPlace(t *testing.T) {
	for _, locale := range []string{"C.UTF-8", "de_DE.UTF-8"} {
		i18ntest.Use(t, locale)
		h := newSettingsHarness(t, workConfig(), false)
		h.mu.Lock()
		h.testFn = func(context.Context, settings.Account, string) *imapwatch.CheckResult {
			return &imapwatch.CheckResult{Step: "login", Err: &imapwatch.AuthError{Mech: "LOGIN", Host: "imap.example.com", Port: 993, Err: imapwatch.ErrAuthFailed}}
		}
		h.mu.Unlock()
		ct := h.s.form.test
		d := fyne.CurrentApp().Driver()
		below := h.field("mailboxes").input
		c := h.s.w.Canvas()
		c.Focus(ct.button) // Tab onto it and Space, as a keyboard does
		button, y := ct.button.Size(), d.AbsolutePositionForObject(below).Y
		test.Tap(ct.button)
		h.drainUntil("the failed test", func() bool { return ct.result.Importance == widget.DangerImportance })
		sentence, hint := describe(&imapwatch.AuthError{Mech: "LOGIN", Host: "imap.example.com", Port: 993, Err: imapwatch.ErrAuthFailed})
		want := joinSentences(sentence, hint)
		if ct.result.Text != want {
			t.Fatalf("%s: result = %q, want %q", locale, ct.result.Text, want)
		}
		lines := renderedLines(ct.result)
		cut := strings.HasSuffix(lines[len(lines)-1], "…")
		if len(lines) > resultLines || (locale == "de_DE.UTF-8" && !cut) {
			t.Errorf("%s: the result shows as %q, want at most %d lines (German: cut with …)", locale, lines, resultLines)
		}
		if got := ct.button.Size(); got != button {
			t.Errorf("%s: Test connection is %v with the result shown, %v before", locale, got, button)
		}
		if got := d.AbsolutePositionForObject(below).Y; got != y {
			t.Errorf("%s: Folders moved from y=%v to %v when the result showed", locale, y, got)
		}
		tip := ""
		if cut {
			tip = want
		}
		if got := h.s.tips.shown(); got != tip {
			t.Errorf("%s: tip when the result came while Test connection has the focus = %q, want %q", locale, got, tip)
		}
		c.Unfocus()
		c.Focus(ct.button)
		if got := h.s.tips.shown(); got != tip {
			t.Errorf("%s: tip after Tab onto Test connection = %q, want %q", locale, got, tip)
		}
		c.Unfocus()
		if got := h.s.tips.shown(); got != "" {
			t.Errorf("%s: tip after the button lost the focus = %q, want none", locale, got)
		}
		test.MoveMouse(c, d.AbsolutePositionForObject(ct.result).AddXY(4, 4))
		if got := h.s.tips.shown(); got != tip {
			t.Errorf("%s: tip over the result = %q, want %q", locale, got, tip)
		}
		test.MoveMouse(c, fyne.NewPos(1, 1))
		if got := h.s.tips.shown(); got != "" {
			t.Errorf("%s: tip after the mouse left = %q, want none", locale, got)
		}
	}
}

// TestSettingsListStateLines: a window the tray started keeps two lines
// under each account for the state the tray reports; one started on its
// own hears no states and keeps one, for its own notes ("Changed, not
// saved"), instead of a blank gap of two.
func TestSettingsListStateLines(t *testing.T) {
	stateLabels := func(h *settingsHarness) []*linesLabel {
		var out []*linesLabel
		for _, o := range test.LaidOutObjects(h.s.list.list) {
			if l, ok := o.(*linesLabel); ok {
				out = append(out, l)
			}
		}
		return out
	}
	for _, locale := range []string{"C.UTF-8", "de_DE.UTF-8"} {
		i18ntest.Use(t, locale)
		cfg := cfgWith(3, true, "Work", "Home")
		for i := range cfg.Accounts {
			cfg.Accounts[i].Host, cfg.Accounts[i].Username = "imap.example.com", "u"
		}
		for _, tc := range []struct {
			name  string
			alone bool
			lines int
		}{{"started by the tray", false, 2}, {"started on its own", true, 1}} {
			var opts []func(*Options)
			if tc.alone {
				opts = append(opts, func(o *Options) { o.Watcher = nil })
			}
			h := newSettingsHarness(t, cfg, false, opts...)
			h.fill(h.entry("host"), "imap2.example.com")
			labels := stateLabels(h)
			if len(labels) != 2 {
				t.Fatalf("%s, %s: %d state lines in the list, want 2", locale, tc.name, len(labels))
			}
			for _, l := range labels {
				if got, want := l.MinSize().Height, l.heightFor(tc.lines); got != want {
					t.Errorf("%s, %s: the state under an account is %v high, want %v (%d lines)", locale, tc.name, got, want, tc.lines)
				}
			}
			changed := i18n.T("Changed, not saved")
			if got := renderedLines(labels[0]); len(got) != 1 || got[0] != changed {
				t.Errorf("%s, %s: the edited account's note shows as %q, want %q", locale, tc.name, got, changed)
			}
		}
	}
}

// TestSecurityNoneOnThisComputer: Security None reads as the alarm it is
// for a server across the network, and calmly for one on this computer
// (the demo's, a local bridge's); the words follow the server typed.
func TestSecurityNoneOnThisComputer(t *testing.T) {
	for _, locale := range []string{"C.UTF-8", "de_DE.UTF-8"} {
		i18ntest.Use(t, locale)
		cfg := workConfig()
		a := &cfg.Accounts[0]
		a.Host, a.Port, a.Security = "127.0.0.1", 44717, settings.SecurityNone
		h := newSettingsHarness(t, cfg, false)
		local, remote := i18n.T("None (this computer)"), i18n.T("None (unencrypted)")
		sel := h.s.form.security
		if sel.Selected != local || h.entry("port").Text != "44717" {
			t.Errorf("%s: 127.0.0.1:%s shows Security %q, want %q", locale, h.entry("port").Text, sel.Selected, local)
		}
		h.fill(h.entry("host"), "imap.example.com")
		if sel.Selected != remote || sel.Value() != settings.SecurityNone {
			t.Errorf("%s: imap.example.com shows Security %q (%s), want %q", locale, sel.Selected, sel.Value(), remote)
		}
		h.fill(h.entry("host"), "localhost")
		if sel.Selected != local || h.s.accounts[0].acct.Security != settings.SecurityNone {
			t.Errorf("%s: localhost shows Security %q, want %q", locale, sel.Selected, local)
		}
	}
}

// TestSecurityChoicesFitTheWindow: every Security choice, None for this
// computer and across the network among them, is shown whole by the
// select at the window's default size, in English and German; what they
// mean in more words is the field's hint.
func TestSecurityChoicesFitTheWindow(t *testing.T) {
	for _, locale := range []string{"C.UTF-8", "de_DE.UTF-8"} {
		i18ntest.Use(t, locale)
		for _, host := range []string{"127.0.0.1", "imap.example.com"} {
			cfg := workConfig()
			a := &cfg.Accounts[0]
			a.Host, a.Port, a.Security, a.AllowPlaintext = host, 143, settings.SecurityNone, true
			h := newSettingsHarness(t, cfg, false)
			sel := h.s.form.security
			th := sel.Theme()
			pad := th.Size(theme.SizeNameInnerPadding)
			room := sel.Size().Width - 4*pad - th.Size(theme.SizeNameInlineIcon)
			for _, opt := range sel.Options {
				if w := fyne.MeasureText(opt, th.Size(theme.SizeNameText), fyne.TextStyle{}).Width; w > room {
					t.Errorf("%s, %s: Security %q needs %.0f, the select has room for %.0f", locale, host, opt, w, room)
				}
			}
			want := i18n.T("Your password would cross the network unencrypted.")
			if host == "127.0.0.1" {
				want = i18n.T("Not encrypted: the connection stays on this computer.")
			}
			if got := h.s.form.fields["security"].help.Text; got != want {
				t.Errorf("%s, %s: Security hint %q, want %q", locale, host, got, want)
			}
		}
	}
}
