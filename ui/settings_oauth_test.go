package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"idlebell/settings"
)

func TestSettingsSignInSelect(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	s := h.s
	visible := func(key string) bool { return h.field(key).visible() }
	if !visible("password") || visible("sign_in_button") || visible("oauth_client_id") {
		t.Fatalf("password account: password %v, sign-in %v, client ID %v; want only the password", visible("password"), visible("sign_in_button"), visible("oauth_client_id"))
	}
	h.fill(h.entry("password"), "typed-not-saved")

	s.form.signIn.SetValue(signInGoogle)
	if a := s.form.e.acct; a.Auth != settings.AuthOAuth2 || a.OAuthProvider != settings.ProviderGoogle {
		t.Errorf("after choosing Google: auth %q provider %q", a.Auth, a.OAuthProvider)
	}
	if visible("password") || !visible("sign_in_button") || !visible("oauth_client_id") || !visible("oauth_client_secret") || visible("oauth_token_url") {
		t.Errorf("Google: password %v, sign-in %v, client ID %v, secret %v, token URL %v; want sign-in and client rows only",
			visible("password"), visible("sign_in_button"), visible("oauth_client_id"), visible("oauth_client_secret"), visible("oauth_token_url"))
	}
	if s.form.signInBtn.Text != "Sign in with Google…" {
		t.Errorf("button = %q", s.form.signInBtn.Text)
	}
	if s.form.e.password != "" {
		t.Error("a typed password survived switching to OAuth2")
	}
	// The preset fills the server: the host may stay empty.
	h.fill(h.entry("host"), "")
	if hint := h.field("host").help.Text; hint != "Empty: the provider's, imap.gmail.com." {
		t.Errorf("host hint = %q", hint)
	}
	if p := h.field("host").problem(); p != "" {
		t.Errorf("empty host with Google: %q", p)
	}

	s.form.signIn.SetValue(signInCustom)
	for _, key := range []string{"oauth_auth_url", "oauth_token_url", "oauth_device_url", "oauth_scopes"} {
		if !visible(key) {
			t.Errorf("Other provider: row %s hidden", key)
		}
	}
	test.Tap(s.save) // shows every problem
	for key, want := range map[string]string{
		"oauth_token_url": "Enter the provider's token URL.",
		"oauth_scopes":    "Enter the scopes that grant IMAP access, separated by spaces.",
		"oauth_client_id": "Enter the client ID you registered with the provider.",
		"host":            "Enter the server's name, such as imap.example.org.",
	} {
		if p := h.field(key).problem(); p != want {
			t.Errorf("Other provider, nothing filled in: %s = %q, want %q", key, p, want)
		}
	}
	h.fill(h.entry("oauth_token_url"), "http://id.example.com/token")
	if p := h.field("oauth_token_url").problem(); !strings.HasPrefix(p, "Use an https:// address") {
		t.Errorf("plain-http token URL: %q", p)
	}
	h.fill(h.entry("oauth_scopes"), "imap, offline_access")
	if got := strings.Join(s.form.e.acct.OAuthScopes, "|"); got != "imap|offline_access" {
		t.Errorf("scopes = %q", got)
	}
	// Back to a password: the OAuth2 rows are cleared, the form is valid.
	s.form.signIn.SetValue(signInPassword)
	h.fill(h.entry("host"), "imap.example.com")
	a := s.form.e.acct
	if a.UsesOAuth2() || a.OAuthProvider != "" || a.OAuthTokenURL != "" || a.OAuthScopes != nil {
		t.Errorf("after choosing Password: %+v", a)
	}
	if len(s.validate()) != 0 {
		t.Errorf("problems after switching back: %v", s.validate())
	}
}

func TestSettingsSignInButton(t *testing.T) {
	cfg := settings.Default()
	gmail := oauthAccount("Gmail", settings.ProviderGoogle)
	cfg.Accounts = []settings.Account{gmail}
	h := newSettingsHarness(t, cfg, false)
	s := h.s
	if h.field("password").visible() || !h.field("sign_in_button").visible() {
		t.Fatal("OAuth2 account: password shown or sign-in hidden")
	}
	// Unsaved changes: the sign-in would not use them.
	h.fill(h.entry("username"), "bob@gmail.com")
	test.Tap(s.form.signInBtn)
	if !strings.HasPrefix(s.status.Text, "Save first") {
		t.Errorf("sign-in with unsaved changes: status %q", s.status.Text)
	}
	test.Tap(s.save)
	h.drainUntil("the save", func() bool { return strings.HasPrefix(s.status.Text, "Saved") })
	if calls := h.secrets.callList(); len(calls) != 0 {
		t.Errorf("keyring calls %q for an OAuth2 account, want none", calls)
	}
	test.Tap(s.form.signInBtn)
	a := h.signIn.next(t)
	if a.Name != "Gmail" || a.Username != "bob@gmail.com" || a.Host != "imap.gmail.com" || a.OAuthProvider != "google" {
		t.Errorf("SignIn(%+v), want the saved Gmail account", a)
	}
	test.Tap(s.form.signInBtn) // one at a time
	if !strings.Contains(s.status.Text, "already waiting") {
		t.Errorf("second click: status %q", s.status.Text)
	}
	h.signIn.result <- nil
	h.drainUntil("the sign-in", func() bool { return strings.HasPrefix(s.status.Text, "Signed in") })
	h.host.bg.Wait()
	h.watcher.mu.Lock()
	defer h.watcher.mu.Unlock()
	if strings.Join(h.watcher.retried, ",") != "Gmail" {
		t.Errorf("Retry(%q) after signing in, want Gmail", h.watcher.retried)
	}
}

func TestSettingsSignInFailure(t *testing.T) {
	cfg := settings.Default()
	cfg.Accounts = []settings.Account{oauthAccount("Outlook", settings.ProviderMicrosoft)}
	h := newSettingsHarness(t, cfg, false)
	test.Tap(h.s.form.signInBtn)
	h.signIn.next(t)
	h.signIn.result <- fmt.Errorf("store: %w", &settings.SecretError{Account: "Outlook", Token: true, Err: settings.ErrKeyringLocked})
	h.drainUntil("the failed sign-in", func() bool { return !h.host.signingIn("Outlook") })
	if want := "The keyring is locked. Unlock it (log in to the desktop session, or open Passwords and Keys), then sign in again."; h.s.status.Text != want {
		t.Errorf("status = %q, want %q", h.s.status.Text, want)
	}
}
