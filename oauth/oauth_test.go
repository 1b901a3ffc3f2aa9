package oauth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"idlebell/internal/oauthtest"
)

const wait = 15 * time.Second

func startServer(t *testing.T, opts oauthtest.Options) (*oauthtest.Server, Config) {
	t.Helper()
	srv, err := oauthtest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, Config{
		Provider: Custom, ClientID: oauthtest.ClientID, ClientSecret: opts.ClientSecret,
		AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(), DeviceURL: srv.DeviceURL(),
		Scopes: []string{"mail", "offline_access"}, AuthParams: map[string]string{"prompt": "consent"},
	}
}

// browser is the user's browser: it follows the provider's redirect to the
// loopback listener (consent is automatic on the test server) and keeps the
// last page.
type browser struct {
	mu      sync.Mutex
	authURL *url.URL
	pages   chan shownPage
}

type shownPage struct {
	status int
	text   string
}

func (b *browser) open(t *testing.T) func(string) error {
	return func(u string) error {
		parsed, err := url.Parse(u)
		if err != nil {
			return err
		}
		b.mu.Lock()
		b.authURL = parsed
		b.mu.Unlock()
		// The browser runs on its own: open returns at once.
		go func() {
			resp, err := http.Get(u)
			if err != nil {
				t.Errorf("browser: GET %s: %v", u, err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			b.pages <- shownPage{resp.StatusCode, string(body)}
		}()
		return nil
	}
}

func TestSignInBrowser(t *testing.T) {
	for _, tt := range []struct {
		name   string
		secret string
	}{
		{"public client", ""},
		{"client with secret (Google's installed apps)", "not-so-secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, cfg := startServer(t, oauthtest.Options{ClientSecret: tt.secret})
			cfg.LoginHint = "carol@example.org"
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			b := &browser{pages: make(chan shownPage, 1)}
			tok, err := SignInBrowser(ctx, cfg, b.open(t))
			if err != nil {
				t.Fatalf("SignInBrowser: %v", err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" {
				t.Fatalf("SignInBrowser gave access %t, refresh %t; want both", tok.AccessToken != "", tok.RefreshToken != "")
			}
			q := b.authURL.Query()
			for k, want := range map[string]string{
				"code_challenge_method": "S256", "login_hint": "carol@example.org", "prompt": "consent",
				"response_type": "code", "client_id": oauthtest.ClientID, "scope": "mail offline_access",
			} {
				if got := q.Get(k); got != want {
					t.Errorf("authorization URL %s = %q, want %q", k, got, want)
				}
			}
			if r := q.Get("redirect_uri"); !strings.HasPrefix(r, "http://127.0.0.1:") {
				t.Errorf("redirect_uri = %q, want http://127.0.0.1:PORT/", r)
			}
			// The user whose consent the server recorded is the hinted one.
			if user := introspectUser(t, srv, tok.AccessToken); user != "carol@example.org" {
				t.Errorf("token user = %q, want carol@example.org", user)
			}
			// The browser shows the friendly page.
			select {
			case p := <-b.pages:
				if p.status != http.StatusOK || !strings.Contains(p.text, "You can close this tab.") {
					t.Errorf("browser page = %d %q, want 200 with \"You can close this tab.\"", p.status, p.text)
				}
			case <-ctx.Done():
				t.Fatal("the browser got no page")
			}
		})
	}
}

func introspectUser(t *testing.T, srv *oauthtest.Server, access string) string {
	t.Helper()
	resp, err := http.PostForm(srv.IntrospectURL(), url.Values{"token": {access}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	s := string(body)
	if !strings.Contains(s, `"active":true`) {
		return ""
	}
	i := strings.Index(s, `"username":"`)
	if i < 0 {
		return ""
	}
	rest := s[i+len(`"username":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestSignInBrowserDenied(t *testing.T) {
	_, cfg := startServer(t, oauthtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err := SignInBrowser(ctx, cfg, func(u string) error {
		parsed, _ := url.Parse(u)
		q := parsed.Query()
		go func() {
			// A request with another state is ignored; then the provider
			// redirects back with access_denied.
			http.Get(q.Get("redirect_uri") + "?state=forged&code=x")
			http.Get(q.Get("redirect_uri") + "?state=" + url.QueryEscape(q.Get("state")) + "&error=access_denied")
		}()
		return nil
	})
	if !errors.Is(err, ErrDenied) {
		t.Fatalf("SignInBrowser(denied) = %v, want ErrDenied", err)
	}
}

func TestSignInDevice(t *testing.T) {
	srv, cfg := startServer(t, oauthtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var shown DeviceCode
	tok, err := SignInDevice(ctx, cfg, func(dc DeviceCode) {
		shown = dc
		// The user opens the URL on a phone and approves.
		go func() {
			resp, err := http.Get(dc.URL + "?user_code=" + url.QueryEscape(dc.Code) + "&login_hint=dave@example.org")
			if err != nil {
				t.Errorf("verification page: %v", err)
				return
			}
			resp.Body.Close()
		}()
	})
	if err != nil {
		t.Fatalf("SignInDevice: %v", err)
	}
	if shown.URL != srv.URL+"/device/verify" || shown.Code == "" || time.Until(shown.Expires) < time.Minute {
		t.Errorf("shown %+v, want the verification URL, a code and an expiry minutes away", shown)
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token")
	}
	if user := introspectUser(t, srv, tok.AccessToken); user != "dave@example.org" {
		t.Errorf("token user = %q, want dave@example.org", user)
	}
}

func TestSignInDeviceNotOffered(t *testing.T) {
	cfg, _ := Preset(Google)
	cfg.ClientID = "x"
	_, err := SignInDevice(context.Background(), cfg, func(DeviceCode) { t.Error("show called") })
	if !errors.Is(err, ErrConfig) {
		t.Errorf("SignInDevice(google) = %v, want ErrConfig", err)
	}
}

// memStore is a Store in memory.
type memStore struct {
	mu    sync.Mutex
	token string
	saves int
}

func (m *memStore) Load(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.token == "" {
		return "", ErrNoToken
	}
	return m.token, nil
}

func (m *memStore) Save(tok string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.token = tok
	m.saves++
	return nil
}

func (m *memStore) get() (string, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.token, m.saves
}

func signedIn(t *testing.T, srv *oauthtest.Server, cfg Config, user string) *memStore {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	tok, err := SignInDevice(ctx, cfg, func(dc DeviceCode) {
		if err := srv.ApproveDevice(dc.Code, user); err != nil {
			t.Error(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return &memStore{token: tok.RefreshToken}
}

// fakeClock is a Source's clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func TestSource(t *testing.T) {
	srv, cfg := startServer(t, oauthtest.Options{AccessTTL: time.Hour})
	store := signedIn(t, srv, cfg, "erin")
	first, _ := store.get()
	clock := &fakeClock{t: time.Now()}
	s := NewSource(cfg, store, nil, clock.now)
	ctx := context.Background()

	tok1, exp1, err := s.Token(ctx, false)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if d := exp1.Sub(clock.now()); d <= 59*time.Minute || d > time.Hour+time.Minute {
		t.Errorf("expiry in %v, want the provider's hour", d)
	}
	// Rotation: the provider's new refresh token was stored.
	if rt, saves := store.get(); rt == first || saves != 1 {
		t.Errorf("after refresh: store rotated %t, saves %d; want a new token saved once", rt != first, saves)
	}
	// Cached while comfortably valid.
	r0 := srv.Refreshes()
	if tok, _, _ := s.Token(ctx, false); tok != tok1 || srv.Refreshes() != r0 {
		t.Errorf("second Token(false) refreshed; want the cached token")
	}
	// Forced: a new one.
	tok2, _, err := s.Token(ctx, true)
	if err != nil || tok2 == tok1 || srv.Refreshes() != r0+1 {
		t.Errorf("Token(true) = same %t, err %v, refreshes +%d; want a new token, one refresh", tok2 == tok1, err, srv.Refreshes()-r0)
	}
	// Renewed before expiry (a minute early for an hour's token), without
	// force; cached until then.
	_, exp2, _ := s.Token(ctx, false)
	clock.set(exp2.Add(-time.Minute - time.Second))
	if tok, _, _ := s.Token(ctx, false); tok != tok2 {
		t.Errorf("Token(false) 61 s before expiry renewed; want the cached token")
	}
	clock.set(exp2.Add(-time.Minute))
	tok3, _, err := s.Token(ctx, false)
	if err != nil || tok3 == tok2 {
		t.Errorf("Token(false) a minute before expiry = same %t, err %v; want a new token", tok3 == tok2, err)
	}

	// Revoked at the provider: permanent, and the refresh token is reloaded
	// from the store after a new sign-in.
	srv.RevokeUser("erin")
	if _, _, err := s.Token(ctx, true); !errors.Is(err, ErrSignInRequired) {
		t.Fatalf("Token after revocation = %v, want ErrSignInRequired", err)
	}
	fresh := signedIn(t, srv, cfg, "erin")
	rt, _ := fresh.get()
	store.Save(rt)
	if _, _, err := s.Token(ctx, false); err != nil {
		t.Errorf("Token after a new sign-in = %v, want a token", err)
	}
}

func TestSourceNoToken(t *testing.T) {
	_, cfg := startServer(t, oauthtest.Options{})
	s := NewSource(cfg, &memStore{}, nil, nil)
	if _, _, err := s.Token(context.Background(), false); !errors.Is(err, ErrSignInRequired) || !errors.Is(err, ErrNoToken) {
		t.Errorf("Token without a stored sign-in = %v, want ErrSignInRequired wrapping ErrNoToken", err)
	}
	cfg.ClientID = ""
	s = NewSource(cfg, &memStore{token: "x"}, nil, nil)
	if _, _, err := s.Token(context.Background(), false); !errors.Is(err, ErrConfig) {
		t.Errorf("Token without a client ID = %v, want ErrConfig", err)
	}
}

func TestPresets(t *testing.T) {
	for _, tt := range []struct {
		name, scope, device string
	}{
		{Google, "https://mail.google.com/", ""},
		{Microsoft, "https://outlook.office.com/IMAP.AccessAsUser.All offline_access", "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"},
	} {
		p, ok := Preset(tt.name)
		if !ok {
			t.Fatalf("Preset(%q) missing", tt.name)
		}
		if got := strings.Join(p.Scopes, " "); got != tt.scope {
			t.Errorf("Preset(%q).Scopes = %q, want %q", tt.name, got, tt.scope)
		}
		if p.DeviceURL != tt.device {
			t.Errorf("Preset(%q).DeviceURL = %q, want %q", tt.name, p.DeviceURL, tt.device)
		}
	}
	if _, ok := Preset(Custom); ok {
		t.Error("Preset(custom) ok, want false")
	}
}
