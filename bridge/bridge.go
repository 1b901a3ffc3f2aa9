// Package bridge turns settings' accounts into imapwatch's configs: the one
// place where the two meet (they never import each other). It looks up
// passwords at each login (keyring or password_command) and keeps one
// OAuth2 token source per account, so that an account's connections, Test
// connection, check and a config reload share the access token instead of
// refreshing it each on its own.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"idlebell/imapwatch"
	"idlebell/oauth"
	"idlebell/settings"
)

// Options are what a Bridge is made with.
type Options struct {
	// Secrets holds the passwords (settings.Keyring(), the demo's).
	Secrets settings.Secrets
	// Tokens holds the OAuth2 refresh tokens (settings.TokenKeyring()).
	Tokens settings.Secrets
	// Trace, when not nil, receives the IMAP protocol of every connection
	// made from the configs (passwords and tokens redacted by imapwatch).
	Trace io.Writer
}

// Bridge makes imapwatch configs from accounts. Its methods are safe for
// concurrent use.
type Bridge struct {
	o Options

	mu      sync.Mutex
	sources map[string]*oauth.Source // by account and OAuth2 setup
}

// New returns a Bridge; nil Secrets and Tokens mean the OS keyring.
func New(o Options) *Bridge {
	if o.Secrets == nil {
		o.Secrets = settings.Keyring()
	}
	if o.Tokens == nil {
		o.Tokens = settings.TokenKeyring()
	}
	return &Bridge{o: o, sources: map[string]*oauth.Source{}}
}

// Configs converts the enabled accounts of c, in order; nil for a nil c.
func (b *Bridge) Configs(c *settings.Config) []imapwatch.Config {
	if c == nil {
		return nil
	}
	var out []imapwatch.Config
	for _, a := range c.Accounts {
		if a.Enabled {
			out = append(out, b.Config(a))
		}
	}
	return out
}

// Config converts one account. Its password is looked up at each login,
// never stored here; an OAuth2 account gets a Token func instead, backed by
// the account's shared token source.
func (b *Bridge) Config(a settings.Account) imapwatch.Config {
	a = a.WithDefaults()
	cfg := imapwatch.Config{
		Name:           a.Name,
		Host:           a.Host,
		Port:           a.Port,
		Security:       imapwatch.Security(a.Security),
		AllowPlaintext: a.AllowPlaintext,
		Username:       a.Username,
		Password:       settings.PasswordFor(a, b.o.Secrets),
		Mailboxes:      a.Mailboxes,
		MaxConnections: a.MaxConnections,
		CAFile:         a.TLSCAFile,
		Fingerprint:    a.TLSFingerprint,
		PollInterval:   a.PollInterval.Duration,
		Trace:          b.o.Trace,
	}
	if a.UsesOAuth2() {
		cfg.Password = nil
		cfg.Token = b.tokenFunc(a)
	}
	return cfg
}

// OAuthConfig is the account's OAuth2 client and endpoints: the provider
// preset (with the built-in client), overridden by the account's keys.
func OAuthConfig(a settings.Account) oauth.Config {
	cfg, _ := oauth.Preset(a.OAuthProvider)
	cfg.Provider = a.OAuthProvider
	if a.OAuthClientID != "" {
		cfg.ClientID, cfg.ClientSecret = a.OAuthClientID, a.OAuthClientSecret
	}
	if a.OAuthProvider == settings.ProviderCustom {
		cfg.AuthURL, cfg.TokenURL, cfg.DeviceURL = a.OAuthAuthURL, a.OAuthTokenURL, a.OAuthDeviceURL
		cfg.Scopes = a.OAuthScopes
	}
	cfg.LoginHint = a.Username
	return cfg
}

// source is the account's token source, shared while the account's OAuth2
// setup stays the same; a changed client or endpoint gets a new one.
func (b *Bridge) source(a settings.Account) *oauth.Source {
	cfg := OAuthConfig(a)
	key := strings.Join([]string{a.Name, cfg.Provider, cfg.ClientID, cfg.TokenURL, strings.Join(cfg.Scopes, " ")}, "\x00")
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.sources[key]; ok {
		return s
	}
	s := oauth.NewSource(cfg, keyringStore{secrets: b.o.Tokens, account: a.Name}, nil, nil)
	b.sources[key] = s
	return s
}

// tokenFunc adapts the account's token source to the watcher and
// classifies its errors once: no sign-in or a refused one is
// imapwatch.ErrSignInNeeded, an unusable keyring or missing client ID is
// imapwatch.ErrNoSecret (both permanent); the rest (network) is retried by
// the watcher.
func (b *Bridge) tokenFunc(a settings.Account) imapwatch.Token {
	src := b.source(a)
	return func(ctx context.Context, refresh bool) (string, time.Time, error) {
		tok, exp, err := src.Token(ctx, refresh)
		switch {
		case err == nil:
			return tok, exp, nil
		case errors.Is(err, oauth.ErrSignInRequired):
			return "", exp, fmt.Errorf("%w: %w", imapwatch.ErrSignInNeeded, err)
		case errors.Is(err, oauth.ErrConfig), errors.Is(err, settings.ErrKeyringLocked), errors.Is(err, settings.ErrNoSecretService):
			return "", exp, fmt.Errorf("%w: %w", imapwatch.ErrNoSecret, err)
		}
		return "", exp, err
	}
}

// keyringStore is an oauth.Store on the keyring's refresh-token entries.
type keyringStore struct {
	secrets settings.Secrets
	account string
}

func (k keyringStore) Load(ctx context.Context) (string, error) {
	rt, err := k.secrets.Get(ctx, k.account)
	if errors.Is(err, settings.ErrSecretNotFound) {
		return "", fmt.Errorf("%w: %w", oauth.ErrNoToken, err)
	}
	return rt, err
}

func (k keyringStore) Save(refreshToken string) error { return k.secrets.Set(k.account, refreshToken) }

// SignIn signs an OAuth2 account in and stores the refresh token in Tokens:
// the browser flow when device is false (open shows the URL; pass
// oauth.OpenBrowser to open the user's browser), else the device flow (show
// tells the user the code). The account's next login uses it (call the
// watcher's Retry). It blocks until the user is done or ctx ends; never call
// it on the UI goroutine.
func (b *Bridge) SignIn(ctx context.Context, a settings.Account, device bool, open func(string) error, show func(oauth.DeviceCode)) error {
	a = a.WithDefaults()
	if !a.UsesOAuth2() {
		return fmt.Errorf("account %q signs in with a password (auth = %q): set auth = \"oauth2\" first", a.Name, a.Auth)
	}
	cfg := OAuthConfig(a)
	var tok *oauth.Token
	var err error
	if device {
		tok, err = oauth.SignInDevice(ctx, cfg, show)
	} else {
		tok, err = oauth.SignInBrowser(ctx, cfg, open)
	}
	if err != nil {
		return err
	}
	if err := b.o.Tokens.Set(a.Name, tok.RefreshToken); err != nil {
		return fmt.Errorf("signed in, but could not keep the sign-in in the keyring: %w", err)
	}
	return nil
}

// SignInWithBrowser is the settings window's and the tray's "Sign in with
// Google…" / "Sign in again…": SignIn in the user's browser.
func (b *Bridge) SignInWithBrowser(ctx context.Context, a settings.Account) error {
	return b.SignIn(ctx, a, false, oauth.OpenBrowser, nil)
}

// Check tests an account once (imapwatch.Check). password, when not empty,
// is used instead of the stored one: typed in the settings window and not
// saved yet.
func (b *Bridge) Check(ctx context.Context, a settings.Account, password string) *imapwatch.CheckResult {
	cfg := b.Config(a)
	if password != "" {
		cfg.Password = func(context.Context) (string, error) { return password, nil }
	}
	return imapwatch.Check(ctx, cfg)
}
