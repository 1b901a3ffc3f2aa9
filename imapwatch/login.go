package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// authInfo is how a login went, for Check.
type authInfo struct {
	mech        string    // LOGIN, OAUTHBEARER or XOAUTH2
	tokenExpiry time.Time // OAuth2: when the access token used expires; zero if unknown
}

// login authenticates: with the password (LOGIN), or with an OAuth2 access
// token when cfg.Token is set. Credentials the server rejected are
// permanent; "try again later" answers ([UNAVAILABLE], a dropped
// connection) are not. onSecret, when set, learns the password or token
// before it is sent (the trace redacts it). refresh asks cfg.Token for a
// new token first (the last session ended with an expired token).
func login(ctx context.Context, c *imapclient.Client, cfg *Config, onSecret func(string), refresh bool) (authInfo, error) {
	if cfg.Token != nil {
		return loginToken(ctx, c, cfg, onSecret, refresh)
	}
	if cfg.Password == nil {
		return authInfo{}, ErrNoSecret
	}
	pw, err := cfg.Password(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return authInfo{}, ctx.Err()
		}
		return authInfo{}, fmt.Errorf("%w: %w", ErrNoSecret, err)
	}
	if onSecret != nil {
		onSecret(pw)
	}
	if c.Caps().Has(imap.CapLoginDisabled) {
		return authInfo{}, fmt.Errorf("%w: %s refuses LOGIN on this connection (LOGINDISABLED); use security tls or starttls", ErrAuthUnsupported, cfg.Addr())
	}
	err = c.Login(cfg.Username, pw).Wait()
	if err == nil {
		return authInfo{mech: "LOGIN"}, nil
	}
	// A server may repeat the arguments in its answer.
	ss := &secretSet{}
	ss.add(pw)
	return authInfo{}, authRefused("LOGIN", cfg, ss.redactErr(loginErr("login to "+cfg.Addr(), err, ss)))
}

// loginErr classifies a failed LOGIN or AUTHENTICATE by the server's
// response code (RFC 5530): a NO is rejected credentials, except "try again
// later" codes (temporary) and [PRIVACYREQUIRED] (no usable sign-in here);
// a BAD or a lost connection is temporary. The chain holds a copy of the
// server's answer fit to show (shownAnswer).
func loginErr(what string, err error, secrets *secretSet) error {
	var ierr *imap.Error
	if !errors.As(err, &ierr) {
		return fmt.Errorf("%s: %w", what, err)
	}
	ierr = shownAnswer(ierr, secrets)
	switch {
	case temporaryCode(ierr.Code):
		return &refusal{kind: ErrServerUnavailable, what: what, ierr: ierr}
	case ierr.Code == imap.ResponseCodePrivacyRequired:
		return &refusal{kind: ErrAuthUnsupported, what: what, ierr: ierr}
	case ierr.Type == imap.StatusResponseTypeNo:
		return &refusal{kind: ErrAuthFailed, what: what, ierr: ierr}
	}
	return &refusal{what: what, ierr: ierr}
}

// tokenMech picks the SASL mechanism from the server's AUTH= capabilities:
// OAUTHBEARER (the standard) where offered, else XOAUTH2.
func tokenMech(caps imap.CapSet) (string, bool) {
	switch {
	case caps.Has(imap.AuthCap(MechOAuthBearer)):
		return MechOAuthBearer, true
	case caps.Has(imap.AuthCap(MechXOAuth2)):
		return MechXOAuth2, true
	}
	return "", false
}

// loginToken authenticates with an access token. A token the server rejects
// is replaced once by a refreshed one on the same connection (expired
// tokens are the common case, and the refresh is silent); a refreshed token
// that is rejected too is ErrAuthFailed.
func loginToken(ctx context.Context, c *imapclient.Client, cfg *Config, onSecret func(string), refresh bool) (authInfo, error) {
	mech, ok := tokenMech(c.Caps())
	if !ok {
		return authInfo{}, fmt.Errorf("%w: %s offers neither OAUTHBEARER nor XOAUTH2 (AUTH= capabilities: %s); OAuth2 sign-in is not possible with this server",
			ErrAuthUnsupported, cfg.Addr(), strings.Join(c.Caps().AuthMechanisms(), " "))
	}
	host := strings.Trim(cfg.Host, "[]")
	_, portStr, _ := net.SplitHostPort(cfg.Addr())
	port, _ := strconv.Atoi(portStr)
	for {
		tok, expiry, err := cfg.Token(ctx, refresh)
		if err != nil {
			if ctx.Err() != nil {
				return authInfo{}, ctx.Err()
			}
			if errors.Is(err, ErrSignInNeeded) {
				return authInfo{}, err
			}
			return authInfo{}, fmt.Errorf("get an access token: %w", err)
		}
		if onSecret != nil {
			onSecret(tok)
		}
		select {
		case <-c.Closed():
			return authInfo{}, fmt.Errorf("authenticate to %s: %w", cfg.Addr(), ErrConnectionLost)
		default:
		}
		ss := &secretSet{} // a server may repeat the token in its answer
		ss.add(tok)
		sc := newTokenClient(mech, cfg.Username, tok, host, port)
		err = c.Authenticate(sc)
		if err == nil {
			return authInfo{mech: mech, tokenExpiry: expiry}, nil
		}
		var ierr *imap.Error
		rejected := sc.failure != nil
		if errors.As(err, &ierr) && ierr.Type != imap.StatusResponseTypeOK {
			switch {
			case temporaryCode(ierr.Code), ierr.Code == imap.ResponseCodePrivacyRequired:
				return authInfo{}, loginErr("authenticate to "+cfg.Addr(), err, ss)
			}
			rejected = true
		}
		if !rejected {
			return authInfo{}, fmt.Errorf("authenticate to %s: %w", cfg.Addr(), err)
		}
		if refresh {
			detail := err.Error()
			if sc.failure != nil {
				detail = sc.failure.String() + ": " + detail
			}
			detail = cutServerText(ss.redactText(detail))
			return authInfo{}, authRefused(mech, cfg, fmt.Errorf("%w: %s rejected a freshly refreshed access token with %s (%s); check that username is the signed-in address and that IMAP is enabled for the mailbox",
				ErrAuthFailed, cfg.Addr(), mech, detail))
		}
		refresh = true
	}
}
