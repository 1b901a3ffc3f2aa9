package bridge

import (
	"context"
	"errors"
	"testing"
	"time"

	"idlebell/demo"
	"idlebell/imapwatch"
	"idlebell/internal/oauthtest"
	"idlebell/oauth"
	"idlebell/settings"
)

// secrets is an in-memory settings.Secrets; err, when set, is what every
// call returns.
type secrets struct {
	m   map[string]string
	err error
}

func (s *secrets) Get(_ context.Context, account string) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	if v, ok := s.m[account]; ok {
		return v, nil
	}
	return "", &settings.SecretError{Account: account, Token: true, Err: settings.ErrSecretNotFound}
}
func (s *secrets) Set(account, v string) error {
	if s.err != nil {
		return s.err
	}
	s.m[account] = v
	return nil
}
func (s *secrets) Delete(account string) error { delete(s.m, account); return nil }
func (s *secrets) Rename(a, b string) error    { s.m[b] = s.m[a]; delete(s.m, a); return nil }

func newSecrets() *secrets { return &secrets{m: map[string]string{}} }

func oauthAccount(name, tokenURL string) settings.Account {
	a := settings.NewAccount(name)
	a.Host, a.Username = "imap.example.com", name+"@example.com"
	a.Auth, a.OAuthProvider = settings.AuthOAuth2, settings.ProviderCustom
	a.OAuthClientID, a.OAuthTokenURL, a.OAuthScopes = oauthtest.ClientID, tokenURL, []string{"mail"}
	return a
}

// TestConfigs: enabled accounts only, in order, with the file's defaults
// filled in; the password is looked up at login, never copied.
func TestConfigs(t *testing.T) {
	pw := newSecrets()
	pw.m["Work"] = "s3cret"
	b := New(Options{Secrets: pw, Tokens: newSecrets()})
	work := settings.NewAccount("Work")
	work.Host, work.Username = "imap.example.com", "me"
	off := settings.NewAccount("Off")
	off.Host, off.Username, off.Enabled = "h", "u", false
	home := settings.NewAccount("Home")
	home.Host, home.Username, home.Security, home.Port = "localhost", "me", settings.SecurityNone, 0
	cfgs := b.Configs(&settings.Config{Accounts: []settings.Account{work, off, home}})
	if len(cfgs) != 2 || cfgs[0].Name != "Work" || cfgs[1].Name != "Home" {
		t.Fatalf("Configs = %d configs (%+v), want Work and Home", len(cfgs), cfgs)
	}
	w := cfgs[0]
	if w.Port != 993 || w.Security != imapwatch.SecurityTLS || len(w.Mailboxes) != 1 || w.Mailboxes[0] != "INBOX" ||
		w.MaxConnections != 4 || w.PollInterval != 2*time.Minute || w.Token != nil || w.Password == nil {
		t.Errorf("Config(Work) = %+v, want the file's defaults and a password func", w)
	}
	if cfgs[1].Port != 143 || cfgs[1].Security != imapwatch.SecurityNone {
		t.Errorf("Config(Home) port %d, security %q; want 143, none", cfgs[1].Port, cfgs[1].Security)
	}
	pw.m["Work"] = "changed"
	if got, err := w.Password(context.Background()); err != nil || got != "changed" {
		t.Errorf("Password() = %q, %v; want the keyring's current entry", got, err)
	}
	if b.Configs(nil) != nil {
		t.Error("Configs(nil) != nil")
	}
}

// TestTokenErrors: the token source's failures reach the watcher as the
// permanent errors it knows.
func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name   string
		tokens *secrets
		tweak  func(*settings.Account)
		want   error
	}{
		{"never signed in", newSecrets(), nil, imapwatch.ErrSignInNeeded},
		{"keyring locked", &secrets{err: &settings.SecretError{Account: "G", Token: true, Err: settings.ErrKeyringLocked}}, nil, imapwatch.ErrNoSecret},
		{"no keyring", &secrets{err: &settings.SecretError{Account: "G", Token: true, Err: settings.ErrNoSecretService}}, nil, imapwatch.ErrNoSecret},
		{"no client ID", newSecrets(), func(a *settings.Account) { a.OAuthClientID = "" }, imapwatch.ErrNoSecret},
	}
	for _, tt := range tests {
		a := oauthAccount("G", "http://127.0.0.1:1/token")
		if tt.tweak != nil {
			tt.tweak(&a)
		}
		cfg := New(Options{Secrets: newSecrets(), Tokens: tt.tokens}).Config(a)
		if cfg.Password != nil || cfg.Token == nil {
			t.Fatalf("%s: an OAuth2 account got Password %v, Token %v", tt.name, cfg.Password != nil, cfg.Token != nil)
		}
		if _, _, err := cfg.Token(context.Background(), false); !errors.Is(err, tt.want) || !imapwatch.IsPermanent(err) {
			t.Errorf("%s: Token() = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestSharedSource: an account's configs share one access token (one
// refresh at the provider); a changed OAuth2 setup gets its own.
func TestSharedSource(t *testing.T) {
	auth, err := oauthtest.Start(oauthtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close() })
	tokens := newSecrets()
	a := oauthAccount("alice", auth.TokenURL())
	a.OAuthAuthURL, a.OAuthDeviceURL = auth.AuthURL(), auth.DeviceURL()
	b := New(Options{Secrets: newSecrets(), Tokens: tokens})

	// Sign in with the device flow, approving the code the user is shown.
	show := func(dc oauth.DeviceCode) {
		if err := auth.ApproveDevice(dc.Code, "alice"); err != nil {
			t.Error(err)
		}
	}
	if err := b.SignIn(context.Background(), a, true, nil, show); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if tokens.m["alice"] == "" {
		t.Fatal("SignIn stored no refresh token")
	}
	before := auth.Refreshes()
	tok1, _, err1 := b.Config(a).Token(context.Background(), false)
	tok2, _, err2 := b.Config(a).Token(context.Background(), false)
	if err1 != nil || err2 != nil || tok1 != tok2 || auth.Refreshes()-before != 1 {
		t.Errorf("two configs of one account: tokens equal %t (%v, %v), %d refreshes; want one shared token", tok1 == tok2, err1, err2, auth.Refreshes()-before)
	}
	a.OAuthScopes = []string{"mail", "offline_access"}
	if _, _, err := b.Config(a).Token(context.Background(), false); err != nil || auth.Refreshes()-before != 2 {
		t.Errorf("changed scopes: %v, %d refreshes; want a source of its own", err, auth.Refreshes()-before)
	}

	password := settings.NewAccount("pw")
	if err := b.SignIn(context.Background(), password, true, nil, show); err == nil {
		t.Error("SignIn(a password account) = nil")
	}
}

// TestCheckTypedPassword: Test connection in the settings window checks
// with the password typed there, before it is stored; without one, with
// the stored one.
func TestCheckTypedPassword(t *testing.T) {
	srv, err := demo.Start(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddUser("alice", "right"); err != nil {
		t.Fatal(err)
	}
	stored := newSecrets()
	stored.m["Home"] = "stale"
	b := New(Options{Secrets: stored, Tokens: newSecrets()})
	a := settings.NewAccount("Home")
	a.Host, a.Username, a.Security, a.Port = "127.0.0.1", "alice", settings.SecurityNone, 0
	_, a.Port = srv.HostPort()
	if r := b.Check(context.Background(), a, "right"); !r.OK() {
		t.Errorf("Check with the typed password = %v, want OK", r.Err)
	}
	if r := b.Check(context.Background(), a, ""); !errors.Is(r.Err, imapwatch.ErrAuthFailed) {
		t.Errorf("Check with the stored (stale) password = %v, want ErrAuthFailed", r.Err)
	}
}
