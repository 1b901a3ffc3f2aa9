package imapwatch

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"idlebell/internal/badimap"
)

// A server that goes silent in the FETCH for a mail's Sender (its From
// names a group only), the second round trip of that mail: the account
// reconnects, saying why, and the mail arrives once, with its sender.
func TestSilenceInSenderFetchReconnects(t *testing.T) {
	stall := badimap.StallNth("UID FETCH", 2)
	srv, cfg := startBad(t, stall)
	cfg.CommandTimeout = 300 * time.Millisecond
	_, c := faultManager(t, cfg, Options{})
	c.waitState(t, StateIdle, wait)
	badDeliver(t, srv)(groupFromMessage("for the team"))
	ev := c.waitState(t, StateReconnecting, wait)
	if !errors.Is(ev.Err, ErrTimeout) {
		t.Errorf("reconnecting because %v, want ErrTimeout", ev.Err)
	}
	if n := stall.Rules[len(stall.Rules)-1].Fired(); n != 1 {
		t.Errorf("the server stalled %d FETCHes, want 1", n)
	}
	got := c.untilSubject(t, "for the team", wait)
	assertOnce(t, got, "for the team")
	if got[0].FromAddress != "bob@example.org" {
		t.Errorf("sender %q, want bob@example.org (from Sender)", got[0].FromAddress)
	}
}

// A refused login is classified by its response code: only a plain NO (or
// [AUTHENTICATIONFAILED]) says "check the password"; a server busy for now
// is retried; [PRIVACYREQUIRED], like an OAuth2 account on a server that
// offers no OAuth2 mechanism, is a sign-in method the server does not take
// here, not a wrong password.
func TestLoginRefusalsClassified(t *testing.T) {
	tests := []struct {
		name      string
		b         badimap.Behaviour
		oauth     bool
		permanent error // nil: retried, then idle
	}{
		{"unavailable", badimap.RefuseLogin(imap.StatusResponseTypeNo, imap.ResponseCodeUnavailable, 1), false, nil},
		{"inuse", badimap.RefuseLogin(imap.StatusResponseTypeNo, imap.ResponseCodeInUse, 1), false, nil},
		{"bad", badimap.RefuseLogin(imap.StatusResponseTypeBad, "", 1), false, nil},
		{"authenticationfailed", badimap.RefuseLogin(imap.StatusResponseTypeNo, imap.ResponseCodeAuthenticationFailed, 0), false, ErrAuthFailed},
		{"no code", badimap.RefuseLogin(imap.StatusResponseTypeNo, "", 0), false, ErrAuthFailed},
		{"privacyrequired", badimap.RefuseLogin(imap.StatusResponseTypeNo, imap.ResponseCodePrivacyRequired, 0), false, ErrAuthUnsupported},
		{"no oauth2 mechanism", badimap.Behaviour{Name: "plain only"}, true, ErrAuthUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cfg := startBad(t, tt.b)
			if tt.oauth {
				cfg.Token = func(context.Context, bool) (string, time.Time, error) { return "token", time.Time{}, nil }
			}
			_, c := faultManager(t, cfg, Options{MaxBackoff: 10 * time.Millisecond})
			if tt.permanent == nil {
				ev := c.waitState(t, StateReconnecting, wait)
				var ierr *imap.Error
				if IsPermanent(ev.Err) || !errors.As(ev.Err, &ierr) {
					t.Errorf("reconnecting because %v: want a temporary error with the server's *imap.Error", ev.Err)
				}
				c.waitState(t, StateIdle, wait)
				return
			}
			ev := c.waitState(t, StateFailed, wait)
			if !errors.Is(ev.Err, tt.permanent) {
				t.Errorf("failed because %v, want %v", ev.Err, tt.permanent)
			}
			if tt.permanent != ErrAuthFailed && errors.Is(ev.Err, ErrAuthFailed) {
				t.Errorf("failed because %v: not a wrong password", ev.Err)
			}
			var aerr *AuthError
			if tt.permanent == ErrAuthFailed && (!errors.As(ev.Err, &aerr) || aerr.Mech != "LOGIN" || aerr.OAuth2() || aerr.Host+":"+strconv.Itoa(aerr.Port) != cfg.Addr()) {
				t.Errorf("failed because %v: want an *AuthError for LOGIN at %s", ev.Err, cfg.Addr())
			}
		})
	}
}

// The folders polled with STATUS over a shared connection classify a
// refused STATUS as the watcher classifies a refused EXAMINE: a server
// busy for now is retried (the folders poll again), a folder the server
// says it has not (or forbids) fails: here every STATUS is refused, so both.
func TestStatusPollRefusalsClassified(t *testing.T) {
	tests := []struct {
		name      string
		b         badimap.Behaviour
		permanent error
	}{
		{"unavailable", badimap.RefuseStatus(imap.ResponseCodeUnavailable, 1), nil},
		{"limit", badimap.RefuseStatus(imap.ResponseCodeLimit, 1), nil},
		{"no code, listed", badimap.RefuseStatus("", 1), nil},
		{"nonexistent", badimap.RefuseStatus(imap.ResponseCodeNonExistent, 0), ErrMailboxMissing},
		{"noperm", badimap.RefuseStatus(imap.ResponseCodeNoPerm, 0), ErrMailboxDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cfg := startBad(t, tt.b)
			if err := srv.CreateMailbox("alice", "Lists"); err != nil {
				t.Fatal(err)
			}
			cfg.Mailboxes, cfg.MaxConnections = []string{"INBOX", "Lists"}, 1 // both on the STATUS connection
			_, c := faultManager(t, cfg, Options{MaxBackoff: 10 * time.Millisecond})
			if tt.permanent == nil {
				ev := c.waitState(t, StateReconnecting, wait)
				if IsPermanent(ev.Err) || errors.Is(ev.Err, ErrMailboxMissing) {
					t.Errorf("reconnecting because %v: want a temporary error", ev.Err)
				}
				c.waitState(t, StatePolling, wait)
				return
			}
			ev := c.waitState(t, StateFailed, wait)
			if !errors.Is(ev.Err, tt.permanent) {
				t.Errorf("failed because %v, want %v", ev.Err, tt.permanent)
			}
		})
	}
}
