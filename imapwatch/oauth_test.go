package imapwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"idlebell/internal/oauthtest"
	"idlebell/internal/testsession"
)

// oauthDovecot is a Dovecot of the test's own whose oauth2 passdb asks a local
// authorization server about every token.
type oauthDovecot struct {
	d    *testsession.Dovecot
	auth *oauthtest.Server
}

func startOAuthDovecot(t *testing.T, mechs []string, opts oauthtest.Options) *oauthDovecot {
	t.Helper()
	testsession.FromEnv(t)
	auth, err := oauthtest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close() })
	d, err := testsession.StartDovecot(t.TempDir(), testsession.DovecotOptions{
		OAuth2IntrospectionURL: auth.IntrospectURL(), OAuth2Mechanisms: mechs,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	return &oauthDovecot{d: d, auth: auth}
}

// testTokens is the token source a test account uses: golang.org/x/oauth2
// against the test server, counting calls. (The product's source is
// idlebell/oauth; here imapwatch is tested on its own.)
type testTokens struct {
	conf *oauth2.Config
	mu   sync.Mutex
	tok  *oauth2.Token
	// forced counts calls with refresh = true.
	forced int
	// now is the clock that says whether the token expired; nil: time.Now.
	now func() time.Time
}

func newTestTokens(t *testing.T, auth *oauthtest.Server, user string) *testTokens {
	t.Helper()
	conf := &oauth2.Config{ClientID: oauthtest.ClientID, Scopes: []string{"mail"},
		Endpoint: oauth2.Endpoint{AuthURL: auth.AuthURL(), TokenURL: auth.TokenURL(), DeviceAuthURL: auth.DeviceURL()}}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.ApproveDevice(da.UserCode, user); err != nil {
		t.Fatal(err)
	}
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	return &testTokens{conf: conf, tok: tok}
}

var errTestSignIn = fmt.Errorf("test: %w", ErrSignInNeeded)

func (tt *testTokens) Token(ctx context.Context, refresh bool) (string, time.Time, error) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if refresh {
		tt.forced++
	}
	now := time.Now
	if tt.now != nil {
		now = tt.now
	}
	if refresh || tt.tok.Expiry.Sub(now()) < time.Second {
		tok, err := tt.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tt.tok.RefreshToken}).Token()
		var rerr *oauth2.RetrieveError
		if errors.As(err, &rerr) && rerr.ErrorCode == "invalid_grant" {
			return "", time.Time{}, errTestSignIn
		}
		if err != nil {
			return "", time.Time{}, err
		}
		tt.tok = tok
	}
	return tt.tok.AccessToken, tt.tok.Expiry, nil
}

func (tt *testTokens) forcedRefreshes() int {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.forced
}

func (o *oauthDovecot) config(t *testing.T, user string, tokens *testTokens, trace *bytes.Buffer) Config {
	host, port := splitAddr(t, o.d.TLSAddr)
	cfg := Config{Name: "oauth-" + user, Host: host, Port: port, Security: SecurityTLS, CAFile: o.d.CAFile,
		Username: user, Token: tokens.Token, CommandTimeout: 10 * time.Second,
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute}
	if trace != nil {
		cfg.Trace = &lockedBuffer{b: trace}
	}
	return cfg
}

type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestOAuthDovecotMechanisms logs in with a token through Dovecot's oauth2
// passdb, with OAUTHBEARER where the server offers it and XOAUTH2 where it
// offers only that, then watches and announces new mail. Tokens never show
// in the IMAP trace.
func TestOAuthDovecotMechanisms(t *testing.T) {
	for _, tt := range []struct {
		name  string
		mechs []string
		want  string
	}{
		{"both offered", []string{"xoauth2", "oauthbearer"}, MechOAuthBearer},
		{"xoauth2 only", []string{"xoauth2"}, MechXOAuth2},
		{"oauthbearer only", []string{"oauthbearer"}, MechOAuthBearer},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := startOAuthDovecot(t, tt.mechs, oauthtest.Options{})
			user := uniqueUser("oa")
			tokens := newTestTokens(t, o.auth, user)
			var trace bytes.Buffer
			cfg := o.config(t, user, tokens, &trace)

			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			r := Check(ctx, cfg)
			if !r.OK() {
				t.Fatalf("Check(%s) failed at %s: %v", tt.name, r.Step, r.Err)
			}
			if r.AuthMethod != tt.want {
				t.Errorf("Check(%s).AuthMethod = %q, want %q", tt.name, r.AuthMethod, tt.want)
			}
			if r.TokenExpiry.IsZero() || time.Until(r.TokenExpiry) < 50*time.Minute {
				t.Errorf("Check(%s).TokenExpiry = %v, want about an hour from now", tt.name, r.TokenExpiry)
			}

			_, c := startManager(t, cfg, newMemStore())
			c.waitState(t, StateIdle, wait)
			if err := o.d.Deliver(user, testMessage(1, "token mail")); err != nil {
				t.Fatal(err)
			}
			got := c.waitMails(t, 1, wait)
			if got[0].Subject != "token mail" {
				t.Errorf("mail subject = %q, want %q", got[0].Subject, "token mail")
			}
			text := cfg.Trace.(*lockedBuffer).String()
			if !strings.Contains(text, "AUTHENTICATE") {
				t.Errorf("trace has no AUTHENTICATE line:\n%s", text)
			}
			for _, tok := range o.auth.Tokens() {
				if strings.Contains(text, tok) {
					t.Errorf("trace contains a token %.6s...", tok)
				}
			}
		})
	}
}

// TestOAuthDovecotRejectedTokenRefreshes: the server stops accepting the
// access token the client still thinks valid (revoked access, clock skew);
// after a kick the reconnect's login is rejected once, the watcher asks for a
// refreshed token on the same connection and is back to IDLE without ever
// reporting a failure.
func TestOAuthDovecotRejectedTokenRefreshes(t *testing.T) {
	t.Parallel()
	o := startOAuthDovecot(t, nil, oauthtest.Options{})
	user := uniqueUser("oa")
	tokens := newTestTokens(t, o.auth, user)
	cfg := o.config(t, user, tokens, nil)
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	before := o.auth.Refreshes()

	o.auth.ExpireAccessTokens(user)
	if err := o.d.Kick(user); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(wait)
	for back := false; !back; {
		select {
		case ev := <-c.states:
			switch ev.State {
			case StateFailed:
				t.Fatalf("state failed after a rejected token: %v; want a silent refresh", ev.Err)
			case StateIdle:
				back = true
			}
		case <-deadline:
			t.Fatal("not back to idle after the kick")
		}
	}
	if got := o.auth.Refreshes() - before; got != 1 {
		t.Errorf("refresh requests after the kick = %d, want 1", got)
	}
	if got := tokens.forcedRefreshes(); got != 1 {
		t.Errorf("Token(ctx, true) calls = %d, want 1", got)
	}
	if err := o.d.Deliver(user, testMessage(1, "after refresh")); err != nil {
		t.Fatal(err)
	}
	c.waitMails(t, 1, wait)
}

// TestOAuthDovecotShortLivedToken: after a kick once the token has expired
// (at the provider, and on the token source's clock, moved past the expiry
// instead of waited for), the reconnect refreshes before it logs in (no
// rejected login), and mail is announced again.
func TestOAuthDovecotShortLivedToken(t *testing.T) {
	t.Parallel()
	o := startOAuthDovecot(t, nil, oauthtest.Options{})
	user := uniqueUser("oa")
	tokens := newTestTokens(t, o.auth, user)
	cfg := o.config(t, user, tokens, nil)
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	before := o.auth.Refreshes()
	introBefore := o.auth.Introspections()

	// The condition under test is "the token has expired": make it so.
	tokens.mu.Lock()
	past := tokens.tok.Expiry.Add(time.Second)
	tokens.now = func() time.Time { return past }
	tokens.mu.Unlock()
	o.auth.ExpireAccessTokens(user)
	if err := o.d.Kick(user); err != nil {
		t.Fatal(err)
	}
	c.waitState(t, StateIdle, wait)
	if got := o.auth.Refreshes() - before; got != 1 {
		t.Errorf("refresh requests after the kick = %d, want 1", got)
	}
	if got := o.auth.Introspections() - introBefore; got != 1 {
		t.Errorf("logins (introspections) after the kick = %d, want 1: the expired token must not be tried", got)
	}
	if got := tokens.forcedRefreshes(); got != 0 {
		t.Errorf("Token(ctx, true) calls = %d, want 0", got)
	}
	if err := o.d.Deliver(user, testMessage(1, "after expiry")); err != nil {
		t.Fatal(err)
	}
	c.waitMails(t, 1, wait)
}

// TestOAuthDovecotRevoked: the refresh token is revoked at the provider.
// The account ends in StateFailed with ErrSignInNeeded, and stays there: no
// more logins, no more refresh requests.
func TestOAuthDovecotRevoked(t *testing.T) {
	t.Parallel()
	o := startOAuthDovecot(t, nil, oauthtest.Options{})
	user := uniqueUser("oa")
	tokens := newTestTokens(t, o.auth, user)
	cfg := o.config(t, user, tokens, nil)
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)

	o.auth.RevokeUser(user)
	if err := o.d.Kick(user); err != nil {
		t.Fatal(err)
	}
	ev := c.waitState(t, StateFailed, wait)
	if !errors.Is(ev.Err, ErrSignInNeeded) || !IsPermanent(ev.Err) {
		t.Fatalf("failed state error = %v, want a permanent ErrSignInNeeded", ev.Err)
	}
	refreshes, logins := o.auth.Refreshes(), o.auth.Introspections()
	// No retry storm: watch for a while (several backoff steps) that nothing happens.
	quiet := time.After(3 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-c.states:
			t.Errorf("state %s after sign-in needed (err %v); want none", ev.State, ev.Err)
		case <-quiet:
			done = true
		}
	}
	if r, l := o.auth.Refreshes(), o.auth.Introspections(); r != refreshes || l != logins {
		t.Errorf("after sign-in needed: refreshes %d -> %d, logins %d -> %d; want no change", refreshes, r, logins, l)
	}
}

// TestOAuthDovecotTokenRefused: a token the server refuses also after a
// refresh fails the account with an *AuthError that says it was an OAuth2
// sign-in (so no front asks for a password), without a retry storm.
func TestOAuthDovecotTokenRefused(t *testing.T) {
	t.Parallel()
	o := startOAuthDovecot(t, nil, oauthtest.Options{})
	user := uniqueUser("oa")
	cfg := o.config(t, user, newTestTokens(t, o.auth, user), nil)
	var asked atomic.Int32
	cfg.Token = func(context.Context, bool) (string, time.Time, error) {
		asked.Add(1)
		return "no-such-token", time.Time{}, nil
	}
	_, c := startManager(t, cfg, newMemStore())
	ev := c.waitState(t, StateFailed, wait)
	var aerr *AuthError
	if !errors.Is(ev.Err, ErrAuthFailed) || !errors.As(ev.Err, &aerr) || !aerr.OAuth2() || aerr.Mech != MechOAuthBearer {
		t.Errorf("failed because %v, want an *AuthError for an OAuth2 sign-in (OAUTHBEARER)", ev.Err)
	}
	if n := asked.Load(); n != 2 {
		t.Errorf("token asked for %d times, want 2 (the first, one refresh)", n)
	}
}

func TestTokenMechanismRejected(t *testing.T) {
	// Unit: the guard recognises Microsoft's expiry BYE.
	for _, tt := range []struct {
		line string
		want bool
	}{
		{"* BYE Session invalidated - AccessTokenExpired\r\n", true},
		{"* BYE Server shutting down.\r\n", false},
		{"* OK still here\r\n* BYE token expired\r\n", true},
	} {
		g := newGuard(nil)
		g.scan([]byte(tt.line))
		if got := g.tokenExpired(); got != tt.want {
			t.Errorf("guard(%q).tokenExpired() = %v, want %v", tt.line, got, tt.want)
		}
	}
}
