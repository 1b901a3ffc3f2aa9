package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Store keeps one account's refresh token (the keyring). Load returns an
// error wrapping ErrNoToken when there is none; other errors (a locked
// keyring) are passed on as they are.
type Store interface {
	Load(ctx context.Context) (string, error)
	Save(refreshToken string) error
}

// Source hands out access tokens for one account. The access token lives in
// memory only; the refresh token comes from the Store and goes back to it
// when the provider rotates it. Token is safe for concurrent use (an
// account's connections share one Source) and serialises refreshes, so a
// rotated refresh token is never used twice.
type Source struct {
	cfg    Config
	store  Store
	logger *slog.Logger
	now    func() time.Time // when a cached token is renewed

	mu      sync.Mutex
	refresh string        // loaded from the store; "" = load again
	tok     *oauth2.Token // the current access token
	renewAt time.Time     // refresh at or after this, before tok expires
	unsaved bool          // a rotated refresh token the store has not taken yet
}

// NewSource returns a Source; nothing is read until the first Token call.
// logger may be nil. now is the clock that decides when a cached access
// token is renewed; nil means time.Now (tests pass a fake one).
func NewSource(cfg Config, store Store, logger *slog.Logger, now func() time.Time) *Source {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Source{cfg: cfg, store: store, logger: logger, now: now}
}

// Token returns an access token and its expiry. A cached token is returned
// while it is comfortably valid (a quarter of its lifetime, at most a
// minute, before expiry it is renewed) unless force is set (the server just
// rejected it). It blocks on the keyring and the token endpoint until ctx is
// done. Errors wrapping ErrSignInRequired (no refresh token, the provider
// refused it) are permanent; others (network, keyring) are not.
func (s *Source) Token(ctx context.Context, force bool) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !force && s.tok != nil && (s.tok.Expiry.IsZero() || s.now().Before(s.renewAt)) {
		return s.tok.AccessToken, s.tok.Expiry, nil
	}
	if err := s.cfg.Check(); err != nil {
		return "", time.Time{}, err
	}
	if s.refresh == "" {
		rt, err := s.store.Load(ctx)
		if errors.Is(err, ErrNoToken) {
			return "", time.Time{}, fmt.Errorf("%w: no saved sign-in: %w", ErrSignInRequired, err)
		}
		if err != nil {
			return "", time.Time{}, fmt.Errorf("load the refresh token: %w", err)
		}
		if rt == "" {
			return "", time.Time{}, fmt.Errorf("%w: the saved sign-in is empty", ErrSignInRequired)
		}
		s.refresh = rt
	}
	// A token source built from the refresh token alone always refreshes.
	tok, err := s.cfg.oauth2("").TokenSource(s.cfg.withClient(ctx), &oauth2.Token{RefreshToken: s.refresh}).Token()
	if err != nil {
		err = classify(err)
		if errors.Is(err, ErrSignInRequired) {
			// Forget it: a new sign-in (the login command, the settings
			// window) writes a new one, which the next call loads.
			s.refresh, s.tok = "", nil
			return "", time.Time{}, err
		}
		if ctx.Err() != nil {
			return "", time.Time{}, ctx.Err()
		}
		return "", time.Time{}, fmt.Errorf("refresh the access token at %s: %w", s.cfg.TokenURL, err)
	}
	s.tok = tok
	s.renewAt = renewAt(s.now(), tok.Expiry)
	if tok.RefreshToken != "" && tok.RefreshToken != s.refresh {
		// Rotated (Microsoft does): the old one may already be dead, so
		// the new one must reach the store.
		s.refresh = tok.RefreshToken
		s.unsaved = true
	}
	if s.unsaved {
		if err := s.store.Save(s.refresh); err != nil {
			// Keep it in memory and try again at the next refresh; mail
			// need not wait for the keyring.
			s.logger.Warn("could not store the new refresh token", "err", err)
		} else {
			s.unsaved = false
		}
	}
	return tok.AccessToken, tok.Expiry, nil
}

// renewAt is when a token fetched at now and expiring at expiry should be
// renewed: a quarter of its lifetime early, at most a minute.
func renewAt(now, expiry time.Time) time.Time {
	if expiry.IsZero() {
		return time.Time{}
	}
	margin := min(expiry.Sub(now)/4, time.Minute)
	return expiry.Add(-margin)
}
