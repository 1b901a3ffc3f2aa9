package ui

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"idlebell/settings"
)

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func cfgWith(maxBubbles int, preview bool, accounts ...string) *settings.Config {
	c := settings.Default()
	c.Notifications.MaxBubbles = maxBubbles
	c.Notifications.Preview = preview
	for _, a := range accounts {
		c.Accounts = append(c.Accounts, settings.NewAccount(a))
	}
	return c
}

type fakeWatcher struct {
	mu      sync.Mutex
	retried []string
}

func (w *fakeWatcher) Retry(a string) { w.mu.Lock(); w.retried = append(w.retried, a); w.mu.Unlock() }

// fakeSignIn is Options.SignIn: it hands each call's account to the test
// (calls) and returns what the test sends on result, or ctx's error.
type fakeSignIn struct {
	calls  chan settings.Account
	result chan error
	n      atomic.Int32
}

func newFakeSignIn() *fakeSignIn {
	return &fakeSignIn{calls: make(chan settings.Account, 8), result: make(chan error, 8)}
}

func (f *fakeSignIn) SignIn(ctx context.Context, a settings.Account) error {
	f.n.Add(1)
	f.calls <- a
	select {
	case err := <-f.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// next waits for the next call.
func (f *fakeSignIn) next(t *testing.T) settings.Account {
	t.Helper()
	select {
	case a := <-f.calls:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for SignIn to be called")
		return settings.Account{}
	}
}

func oauthAccount(name, provider string) settings.Account {
	a := settings.NewAccount(name)
	a.Auth, a.OAuthProvider, a.Username = settings.AuthOAuth2, provider, "alice@gmail.com"
	return a
}
