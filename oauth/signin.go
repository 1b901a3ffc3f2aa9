package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"idlebell/internal/proc"
)

// Token is what a sign-in yields: the refresh token to store (never log or
// write it anywhere else) and the first access token.
type Token = oauth2.Token

// SignInBrowser signs in with the authorization code flow, PKCE (S256) and a
// redirect to a one-shot listener on 127.0.0.1 with a random port (RFC 8252
// sections 7.3 and 8.1). open is handed the authorization URL (OpenBrowser
// opens the user's browser; a command-line caller also prints it). It
// blocks until the browser comes back, ctx is done, or open fails, and
// returns the provider's tokens, always with a refresh token.
//
// Called from any goroutine except the UI's (it blocks for as long as the
// user takes).
func SignInBrowser(ctx context.Context, cfg Config, open func(authURL string) error) (*Token, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.AuthURL == "" {
		return nil, &ConfigError{Key: "oauth_auth_url", Provider: cfg.Provider}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the browser's redirect: %w", err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/", l.Addr().(*net.TCPAddr).Port)
	oc := cfg.oauth2(redirect)
	state := randomString()
	verifier := oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if cfg.LoginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", cfg.LoginHint))
	}
	for k, v := range cfg.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	authURL := oc.AuthCodeURL(state, opts...)

	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var res result
		switch {
		case q.Get("state") != state:
			// Not our request (a stale tab, another site): ignore it.
			page(w, http.StatusBadRequest, "This sign-in link is not the one idlebell is waiting for",
				"Start the sign-in again from idlebell.")
			return
		case q.Get("error") != "":
			res.err = fmt.Errorf("%w: %s %s", ErrDenied, q.Get("error"), q.Get("error_description"))
			page(w, http.StatusOK, "Sign-in cancelled", "idlebell was not given access. You can close this tab.")
		case q.Get("code") == "":
			res.err = errors.New("the provider's redirect had no authorization code")
			page(w, http.StatusBadRequest, "Sign-in failed", "The provider sent no authorization code. Close this tab and try again from idlebell.")
		default:
			res.code = q.Get("code")
			page(w, http.StatusOK, "Signed in to idlebell", "idlebell can now check your mail. You can close this tab.")
		}
		select {
		case done <- res:
		default: // a second redirect (reload): the first one counts
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// Owned here: ends with the Shutdown below.
	go srv.Serve(l)
	defer func() {
		// Let the page reach the browser, then stop listening.
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()

	if err := open(authURL); err != nil {
		return nil, fmt.Errorf("open the browser: %w", err)
	}
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if res.err != nil {
		return nil, res.err
	}
	tok, err := oc.Exchange(cfg.withClient(ctx), res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange the authorization code at %s: %w", cfg.TokenURL, classify(err))
	}
	return checkRefresh(tok)
}

// DeviceCode is what the user must do on another device (RFC 8628 3.3).
type DeviceCode struct {
	URL         string    // verification_uri: where to go
	Code        string    // user_code: what to type there
	CompleteURL string    // verification_uri_complete, if the provider sends one
	Expires     time.Time // when the code stops working
}

// SignInDevice signs in with the device authorization grant: show is called
// once with the URL and code for the user, then SignInDevice polls the token
// endpoint at the provider's interval until the user has approved, the code
// expires or ctx is done.
func SignInDevice(ctx context.Context, cfg Config, show func(DeviceCode)) (*Token, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.DeviceURL == "" {
		return nil, fmt.Errorf("%w: %s has no device sign-in: use the browser sign-in", ErrConfig, cfg.Provider)
	}
	oc := cfg.oauth2("")
	hctx := cfg.withClient(ctx)
	da, err := oc.DeviceAuth(hctx)
	if err != nil {
		return nil, fmt.Errorf("start the device sign-in at %s: %w", cfg.DeviceURL, classify(err))
	}
	show(DeviceCode{URL: da.VerificationURI, Code: da.UserCode, CompleteURL: da.VerificationURIComplete, Expires: da.Expiry})
	tok, err := oc.DeviceAccessToken(hctx, da)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("device sign-in: %w", classify(err))
	}
	return checkRefresh(tok)
}

func checkRefresh(tok *Token) (*Token, error) {
	if tok.RefreshToken == "" {
		return nil, fmt.Errorf("%w: the provider issued no refresh token (Microsoft: add the offline_access scope; Google: access_type=offline)", ErrConfig)
	}
	return tok, nil
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// page writes the small page the browser shows after the redirect.
func page(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%[1]s</title>
<style>body{font-family:system-ui,sans-serif;margin:4em auto;max-width:32em;text-align:center;color:#222}</style>
</head><body><h1>%[1]s</h1><p>%[2]s</p></body></html>
`, html.EscapeString(title), html.EscapeString(text))
}

// OpenBrowser opens url in the user's default browser (xdg-open on Linux
// and BSD, open on macOS, the URL handler on Windows). It returns once the
// opener started, not when the page is shown.
func OpenBrowser(url string) error {
	cmd, err := proc.Opener(url)
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// Reaped in the background; xdg-open returns quickly.
	go cmd.Wait()
	return nil
}
