// Package oauthtest is an OAuth2 authorization server for idlebell's tests, on 127.0.0.1,
// built on github.com/go-oauth2/oauth2/v4: authorization code with PKCE (S256 required) and
// automatic consent, refresh with rotation, the device authorization grant (RFC 8628; the
// library has none, so the device endpoint and grant are added here on top of its token
// manager) and an introspection endpoint (RFC 7662 style) that Dovecot's oauth2 passdb calls.
//
// It is a test server: one client, no user accounts, no persistence.
package oauthtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/go-oauth2/oauth2/v4/server"
	"github.com/go-oauth2/oauth2/v4/store"
)

// ClientID is the one registered client.
const ClientID = "idlebell-test"

// DeviceGrantType is RFC 8628's grant type.
const DeviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

// Options tunes a Server.
type Options struct {
	AccessTTL  time.Duration // access token lifetime; default 1h
	RefreshTTL time.Duration // refresh token lifetime; default 0 = never expires
	// ClientSecret, when set, makes the client confidential (as Google's "installed app"
	// clients are: the secret is sent but is not really secret).
	ClientSecret string
	// DefaultUser is the user that consents when the request has no login_hint; default "alice".
	DefaultUser string
}

// Server runs until Close. Its methods are safe for concurrent use.
type Server struct {
	URL string // http://127.0.0.1:PORT

	opts Options
	mgr  *manage.Manager
	srv  *server.Server
	hs   *http.Server

	mu      sync.Mutex
	devices map[string]*device // by device_code
	byUser  map[string][]issued
	all     []string // every access and refresh token issued

	refreshes      atomic.Int64 // refresh_token grant requests
	introspections atomic.Int64
	authorizations atomic.Int64
}

type device struct {
	userCode, scope string
	user            string // set when approved
	expires         time.Time
}

type issued struct{ access, refresh string }

// Start listens on 127.0.0.1:0 and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.AccessTTL <= 0 {
		opts.AccessTTL = time.Hour
	}
	if opts.DefaultUser == "" {
		opts.DefaultUser = "alice"
	}
	s := &Server{opts: opts, devices: map[string]*device{}, byUser: map[string][]issued{}}

	mgr := manage.NewDefaultManager()
	mgr.SetAuthorizeCodeExp(time.Minute)
	tokenCfg := &manage.Config{AccessTokenExp: opts.AccessTTL, RefreshTokenExp: opts.RefreshTTL, IsGenerateRefresh: true}
	mgr.SetAuthorizeCodeTokenCfg(tokenCfg)
	// The device grant issues tokens through the manager as the password grant would.
	mgr.SetPasswordTokenCfg(tokenCfg)
	// Rotation, as Microsoft does: each refresh returns a new refresh token and
	// invalidates the old one, so a client that forgets to store it fails later.
	mgr.SetRefreshTokenCfg(&manage.RefreshingConfig{AccessTokenExp: opts.AccessTTL, RefreshTokenExp: opts.RefreshTTL,
		IsGenerateRefresh: true, IsRemoveAccess: true, IsRemoveRefreshing: true})
	ts, err := store.NewMemoryTokenStore()
	if err != nil {
		return nil, err
	}
	mgr.MapTokenStorage(&trackingStore{TokenStore: ts, s: s})
	clients := store.NewClientStore()
	clients.Set(ClientID, &models.Client{ID: ClientID, Secret: opts.ClientSecret, Domain: "http://127.0.0.1", Public: opts.ClientSecret == ""})
	mgr.MapClientStorage(clients)
	// RFC 8252 section 7.3: a loopback redirect may use any port.
	mgr.SetValidateURIHandler(func(_, redirect string) error {
		u, err := url.Parse(redirect)
		if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
			return oerrors.ErrInvalidRedirectURI
		}
		return nil
	})
	s.mgr = mgr

	srv := server.NewServer(&server.Config{
		TokenType:                   "Bearer",
		AllowedResponseTypes:        []oauth2.ResponseType{oauth2.Code},
		AllowedGrantTypes:           []oauth2.GrantType{oauth2.AuthorizationCode, oauth2.Refreshing},
		AllowedCodeChallengeMethods: []oauth2.CodeChallengeMethod{oauth2.CodeChallengeS256},
		ForcePKCE:                   true,
	}, mgr)
	srv.SetClientInfoHandler(clientInfo)
	// Automatic consent: the user named by login_hint (or the default user) says yes.
	srv.SetUserAuthorizationHandler(func(w http.ResponseWriter, r *http.Request) (string, error) {
		s.authorizations.Add(1)
		return s.user(r), nil
	})
	s.srv = srv

	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		if err := srv.HandleAuthorizeRequest(w, r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/token", s.token)
	mux.HandleFunc("/device", s.deviceAuthorization)
	mux.HandleFunc("/device/verify", s.deviceVerify)
	mux.HandleFunc("/introspect", s.introspect)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.URL = "http://" + l.Addr().String()
	s.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.hs.Serve(l) // ends with Close
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.hs.Close() }

// AuthURL, TokenURL, DeviceURL and IntrospectURL are the endpoints.
func (s *Server) AuthURL() string       { return s.URL + "/authorize" }
func (s *Server) TokenURL() string      { return s.URL + "/token" }
func (s *Server) DeviceURL() string     { return s.URL + "/device" }
func (s *Server) IntrospectURL() string { return s.URL + "/introspect" }

// Refreshes is how many refresh_token grant requests came in.
func (s *Server) Refreshes() int64 { return s.refreshes.Load() }

// Introspections is how many introspection requests came in (one per IMAP login).
func (s *Server) Introspections() int64 { return s.introspections.Load() }

// Tokens returns every access and refresh token issued so far, for tests that grep files
// and logs for them.
func (s *Server) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.all...)
}

// RevokeUser invalidates every access and refresh token issued to user, as a password
// change or "remove access" at the provider does.
func (s *Server) RevokeUser(user string) {
	s.mu.Lock()
	list := s.byUser[user]
	delete(s.byUser, user)
	s.mu.Unlock()
	ctx := context.Background()
	for _, t := range list {
		if t.access != "" {
			_ = s.mgr.RemoveAccessToken(ctx, t.access)
		}
		if t.refresh != "" {
			_ = s.mgr.RemoveRefreshToken(ctx, t.refresh)
		}
	}
}

// ExpireAccessTokens invalidates user's access tokens but keeps the refresh tokens, so the
// next IMAP login fails until the client refreshes.
func (s *Server) ExpireAccessTokens(user string) {
	s.mu.Lock()
	list := append([]issued(nil), s.byUser[user]...)
	s.mu.Unlock()
	for _, t := range list {
		if t.access != "" {
			_ = s.mgr.RemoveAccessToken(context.Background(), t.access)
		}
	}
}

// ApproveDevice is the user entering userCode on the verification page and consenting
// as user. It fails for an unknown or expired code.
func (s *Server) ApproveDevice(userCode, user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode && time.Now().Before(d.expires) {
			d.user = user
			return nil
		}
	}
	return fmt.Errorf("no pending device authorization with user code %q", userCode)
}

func (s *Server) user(r *http.Request) string {
	if u := r.FormValue("login_hint"); u != "" {
		return u
	}
	return s.opts.DefaultUser
}

// clientInfo accepts client credentials in the Basic header or the form, as RFC 6749
// section 2.3.1 allows and golang.org/x/oauth2 auto-detects.
func clientInfo(r *http.Request) (string, string, error) {
	if id, secret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		return id, secret, nil
	}
	if id := r.FormValue("client_id"); id != "" {
		return id, r.FormValue("client_secret"), nil
	}
	return "", "", oerrors.ErrInvalidClient
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	switch r.FormValue("grant_type") {
	case DeviceGrantType:
		s.deviceToken(w, r)
		return
	case string(oauth2.Refreshing):
		s.refreshes.Add(1)
	}
	_ = s.srv.HandleTokenRequest(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// deviceAuthorization is RFC 8628 section 3.1-3.2.
func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
		return
	}
	id, _, err := clientInfo(r)
	if err != nil || id != ClientID {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	code := randomString(16)
	uc := strings.ToUpper(randomString(2) + "-" + randomString(2))
	s.mu.Lock()
	s.devices[code] = &device{userCode: uc, scope: r.FormValue("scope"), expires: time.Now().Add(10 * time.Minute)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code":               code,
		"user_code":                 uc,
		"verification_uri":          s.URL + "/device/verify",
		"verification_uri_complete": s.URL + "/device/verify?user_code=" + url.QueryEscape(uc),
		"expires_in":                600,
		"interval":                  1,
	})
}

// deviceVerify is the page a user opens on another device: with user_code (and, here,
// login_hint) it consents at once.
func (s *Server) deviceVerify(w http.ResponseWriter, r *http.Request) {
	if err := s.ApproveDevice(r.FormValue("user_code"), s.user(r)); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "<p>Signed in as %s. Return to your device.</p>", html.EscapeString(s.user(r)))
}

// deviceToken is RFC 8628 section 3.4-3.5: pending until approved, then tokens.
func (s *Server) deviceToken(w http.ResponseWriter, r *http.Request) {
	id, secret, err := clientInfo(r)
	if err != nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	code := r.FormValue("device_code")
	s.mu.Lock()
	d := s.devices[code]
	var user, scope string
	switch {
	case d == nil:
	case time.Now().After(d.expires):
		delete(s.devices, code)
		d = nil
	case d.user != "":
		user, scope = d.user, d.scope
		delete(s.devices, code)
	}
	s.mu.Unlock()
	switch {
	case d == nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "expired_token"})
		return
	case user == "":
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "authorization_pending"})
		return
	}
	ti, err := s.mgr.GenerateAccessToken(r.Context(), oauth2.PasswordCredentials, &oauth2.TokenGenerateRequest{
		ClientID: id, ClientSecret: secret, UserID: user, Scope: scope, Request: r,
	})
	if err != nil {
		data, status, _ := s.srv.GetErrorData(err)
		writeJSON(w, status, data)
		return
	}
	writeJSON(w, http.StatusOK, s.srv.GetTokenData(ti))
}

// introspect answers Dovecot's oauth2 passdb (introspection_mode = post): the token comes
// as the form field "token".
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	s.introspections.Add(1)
	ti, err := s.mgr.LoadAccessToken(r.Context(), r.FormValue("token"))
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active":    true,
		"username":  ti.GetUserID(),
		"client_id": ti.GetClientID(),
		"scope":     ti.GetScope(),
		"exp":       ti.GetAccessCreateAt().Add(ti.GetAccessExpiresIn()).Unix(),
	})
}

// trackingStore remembers which tokens went to which user, for RevokeUser and Tokens.
type trackingStore struct {
	oauth2.TokenStore
	s *Server
}

func (t *trackingStore) Create(ctx context.Context, info oauth2.TokenInfo) error {
	if err := t.TokenStore.Create(ctx, info); err != nil {
		return err
	}
	if info.GetAccess() == "" {
		return nil // an authorization code
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	u := info.GetUserID()
	t.s.byUser[u] = append(t.s.byUser[u], issued{info.GetAccess(), info.GetRefresh()})
	t.s.all = append(t.s.all, info.GetAccess())
	if info.GetRefresh() != "" {
		t.s.all = append(t.s.all, info.GetRefresh())
	}
	return nil
}
