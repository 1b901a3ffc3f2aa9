package settings

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestLoadOAuthPreset(t *testing.T) {
	cfg := mustLoad(t, `
[[account]]
name = "Gmail"
auth = "oauth2"
oauth_provider = "google"
username = "alice@gmail.com"
`)
	a := cfg.Accounts[0]
	if a.Host != "imap.gmail.com" || a.Port != 993 || a.Security != SecurityTLS || !a.UsesOAuth2() {
		t.Errorf("Load(google preset) = host %q port %d security %q oauth %v, want imap.gmail.com 993 tls true", a.Host, a.Port, a.Security, a.UsesOAuth2())
	}
	cfg = mustLoad(t, `
[[account]]
name = "M365"
auth = "oauth2"
oauth_provider = "microsoft"
host = "imap.example.com"
username = "bob@example.com"
`)
	if a := cfg.Accounts[0]; a.Host != "imap.example.com" {
		t.Errorf("Load(microsoft preset with host) host = %q, want the configured imap.example.com", a.Host)
	}
	if a := NewAccount("x"); a.Host != "" {
		t.Errorf("NewAccount host = %q, want empty for a password account", a.Host)
	}
}

func TestValidateOAuth(t *testing.T) {
	base := func() Account {
		a := NewAccount("Work")
		a.Host, a.Username = "imap.example.com", "alice@example.com"
		return a
	}
	for _, tt := range []struct {
		name   string
		edit   func(*Account)
		fields []string // the fields with problems, sorted
		text   string   // part of the first message
	}{
		{"password default", func(a *Account) {}, nil, ""},
		{"google", func(a *Account) { a.Auth, a.OAuthProvider = AuthOAuth2, ProviderGoogle }, nil, ""},
		{"google without host", func(a *Account) {
			a.Auth, a.OAuthProvider, a.Host = AuthOAuth2, ProviderGoogle, ""
			*a = a.WithDefaults()
		}, nil, ""},
		{"unknown auth", func(a *Account) { a.Auth = "kerberos" }, []string{"auth"}, `"kerberos" is not a sign-in method`},
		{"no provider", func(a *Account) { a.Auth = AuthOAuth2 }, []string{"oauth_provider"}, `choose "google", "microsoft" or "custom"`},
		{"bad provider", func(a *Account) { a.Auth, a.OAuthProvider = AuthOAuth2, "yahoo" }, []string{"oauth_provider"}, `"yahoo" is not a provider`},
		{"custom empty", func(a *Account) { a.Auth, a.OAuthProvider = AuthOAuth2, ProviderCustom },
			[]string{"oauth_auth_url", "oauth_client_id", "oauth_scopes", "oauth_token_url"}, "needs"},
		{"custom ok", func(a *Account) {
			a.Auth, a.OAuthProvider, a.OAuthClientID = AuthOAuth2, ProviderCustom, "id"
			a.OAuthTokenURL, a.OAuthDeviceURL, a.OAuthScopes = "https://id.example.com/token", "https://id.example.com/device", []string{"imap"}
		}, nil, ""},
		{"custom http remote", func(a *Account) {
			a.Auth, a.OAuthProvider, a.OAuthClientID = AuthOAuth2, ProviderCustom, "id"
			a.OAuthTokenURL, a.OAuthAuthURL, a.OAuthScopes = "http://id.example.com/token", "http://127.0.0.1:8080/auth", []string{"imap"}
		}, []string{"oauth_token_url"}, "is not https"},
		{"oauth with password_command", func(a *Account) {
			a.Auth, a.OAuthProvider, a.PasswordCommand = AuthOAuth2, ProviderMicrosoft, "pass show x"
		}, []string{"password_command"}, "is not used with auth"},
		{"oauth keys with password", func(a *Account) { a.OAuthProvider = ProviderGoogle }, []string{"oauth_provider"}, `set auth = "oauth2"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := base()
			tt.edit(&a)
			c := Default()
			c.Accounts = []Account{a}
			err := c.Validate()
			var got []string
			var first string
			var e *Error
			if errors.As(err, &e) {
				for _, p := range e.Problems {
					got = append(got, p.Field)
				}
				first = e.Problems[0].Message
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Fatalf("Validate() problems in %v, want %v (%v)", got, tt.fields, err)
			}
			if tt.text != "" && !strings.Contains(first, tt.text) {
				t.Errorf("Validate() message %q, want it to contain %q", first, tt.text)
			}
		})
	}
}

func TestTokenKeyringSeparate(t *testing.T) {
	mockKeyring(t)
	ctx := context.Background()
	if err := Keyring().Set("Work", "password"); err != nil {
		t.Fatal(err)
	}
	tk := TokenKeyring()
	_, err := tk.Get(ctx, "Work")
	if !errors.Is(err, ErrSecretNotFound) || !strings.Contains(err.Error(), "idlebell login Work") {
		t.Errorf("TokenKeyring().Get(no token) = %v, want ErrSecretNotFound saying idlebell login Work", err)
	}
	if err := tk.Set("Work", "refresh-1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := tk.Get(ctx, "Work"); got != "refresh-1" {
		t.Errorf("TokenKeyring().Get = %q, want refresh-1", got)
	}
	if got, _ := Keyring().Get(ctx, "Work"); got != "password" {
		t.Errorf("Keyring().Get = %q, want the password untouched", got)
	}
}
