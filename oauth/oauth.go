// Package oauth signs an account in with OAuth2 and keeps its tokens: the
// provider presets (Google, Microsoft), the browser sign-in (authorization
// code with PKCE and a loopback redirect, RFC 8252), the device-code sign-in
// (RFC 8628) and the Source that hands out access tokens, refreshing them
// from the stored refresh token. The HTTP is golang.org/x/oauth2's.
//
// It knows neither the IMAP watcher nor the settings: the composition root
// (glue.go) builds a Config from an account, gives the Source a Store backed
// by the keyring, and maps ErrSignInRequired to the watcher's sentinel.
package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"golang.org/x/oauth2"
)

// Client IDs and secrets compiled in, so that users need not register an app
// of their own. Packagers set them with
//
//	-ldflags "-X idlebell/oauth.GoogleClientID=... -X idlebell/oauth.GoogleClientSecret=... -X idlebell/oauth.MicrosoftClientID=..."
//
// An account's oauth_client_id / oauth_client_secret override them. Google
// issues a "client secret" to desktop apps that is not confidential (it
// ships in every copy); Microsoft's public clients have none.
var (
	GoogleClientID     string
	GoogleClientSecret string
	MicrosoftClientID  string
)

// Provider names.
const (
	Google    = "google"
	Microsoft = "microsoft"
	Custom    = "custom"
)

// Config is what a sign-in and a Source need for one account.
type Config struct {
	Provider     string // google, microsoft or custom; for messages
	ClientID     string
	ClientSecret string // empty for public clients
	AuthURL      string // authorization endpoint (browser sign-in)
	TokenURL     string
	DeviceURL    string // device authorization endpoint; empty: no device sign-in
	Scopes       []string
	// AuthParams are extra authorization request parameters (Google needs
	// access_type=offline and prompt=consent to issue a refresh token
	// every time).
	AuthParams map[string]string
	// LoginHint is the address, so the provider's page preselects the account.
	LoginHint string
	// HTTPClient makes the requests; nil uses one with a 30 s timeout.
	HTTPClient *http.Client
}

// Preset returns the endpoints, scopes and built-in client of a provider.
// ok is false for an unknown name (and for "custom", which has none).
func Preset(provider string) (cfg Config, ok bool) {
	switch provider {
	case Google:
		return Config{
			Provider:     Google,
			ClientID:     GoogleClientID,
			ClientSecret: GoogleClientSecret,
			AuthURL:      "https://accounts.google.com/o/oauth2/v2/auth",
			TokenURL:     "https://oauth2.googleapis.com/token",
			// Google's device flow does not allow the Gmail scope.
			Scopes:     []string{"https://mail.google.com/"},
			AuthParams: map[string]string{"access_type": "offline", "prompt": "consent"},
		}, true
	case Microsoft:
		// "common": personal Outlook.com accounts and work or school
		// (Entra ID) accounts alike.
		const base = "https://login.microsoftonline.com/common/oauth2/v2.0/"
		return Config{
			Provider:  Microsoft,
			ClientID:  MicrosoftClientID,
			AuthURL:   base + "authorize",
			TokenURL:  base + "token",
			DeviceURL: base + "devicecode",
			Scopes:    []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"},
		}, true
	}
	return Config{}, false
}

// Errors. ErrSignInRequired is permanent: only a new sign-in helps.
var (
	ErrSignInRequired = errors.New("sign-in required")
	// ErrNoToken is what a Store's Load wraps when it holds no refresh token.
	ErrNoToken = errors.New("no refresh token stored")
	// ErrConfig: the account cannot sign in as configured (no client ID...).
	ErrConfig = errors.New("OAuth2 not configured")
	// ErrDenied: the user declined, or the code expired, during sign-in.
	ErrDenied = errors.New("sign-in was declined or expired")
)

// ConfigError is ErrConfig for a setting the account lacks, so that the
// fronts can say which in the user's language: errors.Is(err, ErrConfig).
type ConfigError struct {
	Key      string // the missing setting: "oauth_client_id", "oauth_token_url", "oauth_auth_url" or "oauth_scopes"
	Provider string // Config.Provider
}

func (e *ConfigError) Error() string {
	switch e.Key {
	case "oauth_client_id":
		return fmt.Sprintf("%v: no client ID for %s: set oauth_client_id (the README, section 'Your own client ID', says how to register one)", ErrConfig, e.Provider)
	case "oauth_token_url":
		return fmt.Sprintf("%v: no token endpoint: set oauth_token_url", ErrConfig)
	case "oauth_auth_url":
		return fmt.Sprintf("%v: no authorization endpoint: set oauth_auth_url", ErrConfig)
	}
	return fmt.Sprintf("%v: no %s: set it", ErrConfig, e.Key)
}

func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// Check reports what is missing for a sign-in or a refresh: a *ConfigError.
func (c Config) Check() error {
	switch {
	case c.ClientID == "":
		return &ConfigError{Key: "oauth_client_id", Provider: c.Provider}
	case c.TokenURL == "":
		return &ConfigError{Key: "oauth_token_url", Provider: c.Provider}
	case len(c.Scopes) == 0:
		return &ConfigError{Key: "oauth_scopes", Provider: c.Provider}
	}
	return nil
}

func (c Config) oauth2(redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: c.AuthURL, TokenURL: c.TokenURL, DeviceAuthURL: c.DeviceURL},
		RedirectURL:  redirect,
		Scopes:       slices.Clone(c.Scopes),
	}
}

// withClient makes x/oauth2 use the configured HTTP client.
func (c Config) withClient(ctx context.Context) context.Context {
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

// classify turns a token endpoint's refusal into ErrSignInRequired where a
// new sign-in is the only way on (RFC 6749 section 5.2: invalid_grant is a
// refresh token that is expired, revoked or issued to another client).
func classify(err error) error {
	var rerr *oauth2.RetrieveError
	if errors.As(err, &rerr) {
		switch rerr.ErrorCode {
		case "invalid_grant", "unauthorized_client", "invalid_client", "invalid_scope":
			return fmt.Errorf("%w: the provider refused the saved sign-in (%s)", ErrSignInRequired, describe(rerr))
		case "access_denied", "expired_token":
			return fmt.Errorf("%w (%s)", ErrDenied, describe(rerr))
		}
	}
	return err
}

// describe is a RetrieveError without its body (which a provider could fill
// with anything; tokens are never in an error response, but keep it short).
func describe(e *oauth2.RetrieveError) string {
	if e.ErrorDescription != "" {
		return e.ErrorCode + ": " + e.ErrorDescription
	}
	return e.ErrorCode
}
