package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"idlebell/settings"
)

func TestSettingsAuthenticationSelect(t *testing.T) {
	cfg := cfgWith(3, true, "Work")
	cfg.Accounts[0].Host, cfg.Accounts[0].Username = "imap.example.com", "alice@gmail.com"
	h := newSettingsHarness(t, cfg, false)
	s := h.s
	visible := func(key string) bool { return s.rows[key][1].Visible() && s.rows[key][0].Visible() }
	if !visible("password") || visible("sign_in") || visible("oauth_client_id") {
		t.Fatalf("password account: password shown %v, sign-in shown %v, client ID shown %v; want only the password", visible("password"), visible("sign_in"), visible("oauth_client_id"))
	}
	test.Type(h.entry("password"), "typed-not-saved")

	s.authSel.SetSelected(choiceGoogle)
	if a := s.cfg.Accounts[0]; a.Auth != settings.AuthOAuth2 || a.OAuthProvider != settings.ProviderGoogle {
		t.Errorf("after choosing Google: auth %q provider %q", a.Auth, a.OAuthProvider)
	}
	if visible("password") || !visible("sign_in") || !visible("oauth_client_id") || !visible("oauth_client_secret") || visible("oauth_token_url") {
		t.Errorf("Google: password shown %v, sign-in %v, client ID %v, secret %v, token URL %v; want sign-in and client rows only",
			visible("password"), visible("sign_in"), visible("oauth_client_id"), visible("oauth_client_secret"), visible("oauth_token_url"))
	}
	if s.signInBtn.Text != "Sign in with Google…" {
		t.Errorf("button = %q, want Sign in with Google…", s.signInBtn.Text)
	}
	if ph := h.entry("oauth_client_id").PlaceHolder; ph != "built-in default" {
		t.Errorf("client ID placeholder = %q", ph)
	}
	if s.passwords[0] != "" {
		t.Error("a typed password survived switching to OAuth2")
	}

	// The preset fills the server: host may be left empty.
	retype(h.entry("host"), "")
	if ph := h.entry("host").PlaceHolder; ph != "from the provider (imap.gmail.com)" {
		t.Errorf("host placeholder = %q", ph)
	}
	if s.fields["host"].msg.Visible() || s.save.Disabled() {
		t.Errorf("empty host with Google: message %q, save disabled %v; want it allowed", s.fields["host"].msg.Text, s.save.Disabled())
	}

	s.authSel.SetSelected(choiceMicrosoft)
	if s.signInBtn.Text != "Sign in with Microsoft…" {
		t.Errorf("button = %q, want Sign in with Microsoft…", s.signInBtn.Text)
	}

	s.authSel.SetSelected(choiceCustom)
	for _, key := range []string{"oauth_auth_url", "oauth_token_url", "oauth_device_url", "oauth_scopes"} {
		if !visible(key) {
			t.Errorf("Custom: row %s hidden", key)
		}
	}
	if s.signInBtn.Text != "Sign in…" {
		t.Errorf("button = %q, want Sign in…", s.signInBtn.Text)
	}
	for key, want := range map[string]string{
		"oauth_token_url": "needs the provider's token endpoint",
		"oauth_scopes":    "needs the scopes",
		"oauth_client_id": "needs the client ID",
		"host":            "is empty",
	} {
		if msg := s.fields[key].msg; !msg.Visible() || !strings.Contains(msg.Text, want) {
			t.Errorf("Custom, nothing filled in: %s message = %q (visible %v), want %q", key, msg.Text, msg.Visible(), want)
		}
	}
	if !s.save.Disabled() {
		t.Error("Save enabled with an incomplete custom provider")
	}
	retype(h.entry("oauth_token_url"), "http://id.example.com/token")
	if msg := s.fields["oauth_token_url"].msg.Text; !strings.Contains(msg, "is not https") {
		t.Errorf("plain-http token URL: message %q", msg)
	}
	retype(h.entry("oauth_scopes"), "imap, offline_access")
	if got := strings.Join(s.cfg.Accounts[0].OAuthScopes, "|"); got != "imap|offline_access" {
		t.Errorf("scopes = %q, want imap|offline_access", got)
	}

	// Back to a password: the oauth_* keys go, and the form is valid again.
	s.authSel.SetSelected(choicePassword)
	retype(h.entry("host"), "imap.example.com")
	a := s.cfg.Accounts[0]
	if a.UsesOAuth2() || a.OAuthProvider != "" || a.OAuthTokenURL != "" || a.OAuthScopes != nil {
		t.Errorf("after choosing Password: %+v, want the oauth keys cleared", a)
	}
	if !visible("password") || visible("sign_in") || s.save.Disabled() {
		t.Errorf("Password again: password shown %v, sign-in shown %v, save disabled %v (status %q)", visible("password"), visible("sign_in"), s.save.Disabled(), s.status.Text)
	}
}

func TestSettingsSignInButton(t *testing.T) {
	cfg := settings.Default()
	gmail := oauthAccount("Gmail", settings.ProviderGoogle)
	gmail.Host = "" // as the select leaves it: the preset's server
	cfg.Accounts = []settings.Account{gmail}
	h := newSettingsHarness(t, cfg, false)
	s := h.s
	if s.save.Disabled() {
		t.Fatalf("Save disabled for a Google account without host: %q", s.status.Text)
	}
	if s.rows["password"][1].Visible() || !s.rows["sign_in"][1].Visible() {
		t.Fatal("OAuth2 account: password shown or sign-in hidden")
	}

	// Unsaved changes: the sign-in would not use them.
	retype(h.entry("username"), "bob@gmail.com")
	test.Tap(s.signInBtn)
	if !strings.HasPrefix(s.status.Text, "Save first") {
		t.Errorf("sign-in with unsaved changes: status %q, want Save first", s.status.Text)
	}
	test.Tap(s.save)
	h.drainUntil("the save", func() bool { return strings.HasPrefix(s.status.Text, "Saved") })
	saved, err := settings.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	if a := saved.Accounts[0]; a.Host != "imap.gmail.com" || a.Port != 993 || a.Security != "tls" || a.Auth != "oauth2" {
		t.Errorf("saved = host %q port %d security %q auth %q, want Google's server and oauth2", a.Host, a.Port, a.Security, a.Auth)
	}
	if len(h.secrets.calls) != 0 {
		t.Errorf("keyring calls %q for an OAuth2 account, want none", h.secrets.calls)
	}

	test.Tap(s.signInBtn)
	a := h.signIn.next(t)
	if a.Name != "Gmail" || a.Username != "bob@gmail.com" || a.Host != "imap.gmail.com" || !a.UsesOAuth2() || a.OAuthProvider != "google" {
		t.Errorf("SignIn(%+v), want the saved Gmail account", a)
	}
	if !strings.Contains(s.status.Text, "browser") {
		t.Errorf("status while signing in = %q", s.status.Text)
	}
	test.Tap(s.signInBtn) // one at a time
	if !strings.Contains(s.status.Text, "already waiting") {
		t.Errorf("second click: status %q", s.status.Text)
	}
	h.signIn.result <- nil
	h.drainUntil("the sign-in", func() bool { return strings.HasPrefix(s.status.Text, "Signed in") })
	s.t.bg.Wait()
	if n := h.signIn.n.Load(); n != 1 {
		t.Errorf("SignIn called %d times, want 1", n)
	}
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
	test.Tap(h.s.signInBtn)
	h.signIn.next(t)
	h.signIn.result <- fmt.Errorf("store: %w", &settings.SecretError{Account: "Outlook", Token: true, Err: settings.ErrKeyringLocked})
	h.drainUntil("the failed sign-in", func() bool { return !h.s.t.signingIn("Outlook") })
	if want := "Sign-in failed: the keyring is locked. Unlock it (log in to the desktop session, or open Passwords and Keys), then sign in again."; h.s.status.Text != want {
		t.Errorf("status = %q, want %q", h.s.status.Text, want)
	}
	if len(h.watcher.retried) != 0 {
		t.Errorf("Retry(%q) after a failed sign-in", h.watcher.retried)
	}
}

func TestAuthChoice(t *testing.T) {
	tests := []struct {
		name, auth, provider, want string
	}{
		{"default", "", "", choicePassword},
		{"password", settings.AuthPassword, "", choicePassword},
		{"google", settings.AuthOAuth2, settings.ProviderGoogle, choiceGoogle},
		{"microsoft", settings.AuthOAuth2, settings.ProviderMicrosoft, choiceMicrosoft},
		{"custom", settings.AuthOAuth2, settings.ProviderCustom, choiceCustom},
		{"no provider", settings.AuthOAuth2, "", ""},
		{"unknown auth", "kerberos", "", ""}, // so that choosing Password fixes it
	}
	for _, tt := range tests {
		a := settings.Account{Auth: tt.auth, OAuthProvider: tt.provider}
		if got := authChoice(a); got != tt.want {
			t.Errorf("%s: authChoice(auth %q, provider %q) = %q, want %q", tt.name, tt.auth, tt.provider, got, tt.want)
		}
	}
}
