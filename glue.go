package main

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

// watchConfigs turns the enabled accounts of a config into watcher configs.
// This is the one place where settings meets imapwatch (they never import
// each other).
func watchConfigs(c *settings.Config, secrets settings.Secrets, trace io.Writer) []imapwatch.Config {
	if c == nil {
		return nil
	}
	var out []imapwatch.Config
	for _, a := range c.Accounts {
		if a.Enabled {
			out = append(out, watchConfig(a, secrets, trace))
		}
	}
	return out
}

// watchConfig converts one account; its password is looked up at each login
// (keyring or password_command), never stored here. An OAuth2 account gets
// a Token func instead, backed by the account's shared oauth.Source.
func watchConfig(a settings.Account, secrets settings.Secrets, trace io.Writer) imapwatch.Config {
	a = a.WithDefaults()
	cfg := imapwatch.Config{
		Name:           a.Name,
		Host:           a.Host,
		Port:           a.Port,
		Security:       imapwatch.Security(a.Security),
		AllowPlaintext: a.AllowPlaintext,
		Username:       a.Username,
		Password:       settings.PasswordFor(a, secrets),
		Mailboxes:      a.Mailboxes,
		MaxConnections: a.MaxConnections,
		CAFile:         a.TLSCAFile,
		Fingerprint:    a.TLSFingerprint,
		PollInterval:   a.PollInterval.Duration,
		Trace:          trace,
	}
	if a.UsesOAuth2() {
		cfg.Password = nil
		cfg.Token = tokenFunc(a)
	}
	return cfg
}

// tokenSecrets is where refresh tokens live; tests replace it.
var tokenSecrets = settings.TokenKeyring()

// oauthConfig is the account's OAuth2 client and endpoints: the provider
// preset (with the built-in client), overridden by the account's keys.
func oauthConfig(a settings.Account) oauth.Config {
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

// sources keeps one oauth.Source per account and OAuth2 setup, so that an
// account's connections, Test connection and a config reload share the
// access token instead of refreshing each on its own.
var sources = struct {
	mu sync.Mutex
	m  map[string]*oauth.Source
}{m: map[string]*oauth.Source{}}

func sourceFor(a settings.Account) *oauth.Source {
	cfg := oauthConfig(a)
	key := strings.Join([]string{a.Name, cfg.Provider, cfg.ClientID, cfg.TokenURL, strings.Join(cfg.Scopes, " ")}, "\x00")
	sources.mu.Lock()
	defer sources.mu.Unlock()
	if s, ok := sources.m[key]; ok {
		return s
	}
	s := oauth.NewSource(cfg, keyringStore{secrets: tokenSecrets, account: a.Name}, nil)
	sources.m[key] = s
	return s
}

// tokenFunc adapts the account's Source to the watcher and classifies its
// errors once: no sign-in or a refused one is imapwatch.ErrSignInNeeded, an
// unusable keyring or missing client ID is imapwatch.ErrNoSecret (both
// permanent); the rest (network) is retried by the watcher.
func tokenFunc(a settings.Account) imapwatch.Token {
	src := sourceFor(a)
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

// signIn runs a sign-in for an OAuth2 account and stores the refresh token:
// the browser flow when device is false (open shows the URL: the settings
// window passes oauth.OpenBrowser), else the device flow (show tells the
// user the code). The account's next login uses it (call the watcher's
// Retry). It blocks until the user is done or ctx ends; never call it on
// the UI goroutine.
func signIn(ctx context.Context, a settings.Account, device bool, open func(string) error, show func(oauth.DeviceCode)) error {
	a = a.WithDefaults()
	if !a.UsesOAuth2() {
		return fmt.Errorf("account %q signs in with a password (auth = %q): set auth = \"oauth2\" first", a.Name, a.Auth)
	}
	cfg := oauthConfig(a)
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
	if err := tokenSecrets.Set(a.Name, tok.RefreshToken); err != nil {
		return fmt.Errorf("signed in, but could not keep the sign-in in the keyring: %w", err)
	}
	return nil
}

// signInWithBrowser is the settings window's "Sign in with Google…" /
// "Sign in with Microsoft…" / "Sign in again…": it opens the user's browser
// and stores the result. Wire it as ui.Options.SignIn and call the
// watcher's Retry(account) after it returns nil.
func signInWithBrowser(ctx context.Context, a settings.Account) error {
	return signIn(ctx, a, false, oauth.OpenBrowser, nil)
}
