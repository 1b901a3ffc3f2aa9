package imapwatch

import (
	"context"
	"errors"
	"testing"

	"github.com/emersion/go-imap/v2"

	"idlebell/internal/badimap"
)

// Check classifies a refused STATUS as the watcher classifies a refused
// EXAMINE: only [NONEXISTENT] (or a NO without code for a mailbox LIST
// does not show) is "folder not found"; a server busy for now says so and
// is not permanent; [NOPERM] is no permission. The server's *imap.Error
// stays in the chain.
func TestCheckClassifiesMailboxRefusals(t *testing.T) {
	tests := []struct {
		name    string
		code    imap.ResponseCode
		mailbox string
		want    error // the sentinel; nil: a temporary refusal without one
	}{
		{"unavailable", imap.ResponseCodeUnavailable, "INBOX", ErrServerUnavailable},
		{"serverbug", imap.ResponseCodeServerBug, "INBOX", ErrServerUnavailable},
		{"limit", imap.ResponseCodeLimit, "INBOX", ErrServerUnavailable},
		{"inuse", imap.ResponseCodeInUse, "INBOX", ErrServerUnavailable},
		{"no code, listed", "", "INBOX", nil},
		{"nonexistent", imap.ResponseCodeNonExistent, "INBOX", ErrMailboxMissing},
		{"no code, not listed", "", "NoSuchBox", ErrMailboxMissing},
		{"noperm", imap.ResponseCodeNoPerm, "INBOX", ErrMailboxDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cfg := startBad(t, badimap.RefuseStatus(tt.code, 0))
			cfg.Mailboxes = []string{tt.mailbox}
			r := Check(context.Background(), cfg)
			if r.Step != "mailbox" {
				t.Fatalf("Check failed at step %q (%v), want mailbox", r.Step, r.Err)
			}
			var ierr *imap.Error
			if !errors.As(r.Err, &ierr) {
				t.Errorf("Check: %v: want the server's *imap.Error in the chain", r.Err)
			}
			if tt.want == nil {
				if IsPermanent(r.Err) || errors.Is(r.Err, ErrServerUnavailable) {
					t.Errorf("Check: %v, want a temporary refusal without a kind", r.Err)
				}
				return
			}
			if !errors.Is(r.Err, tt.want) {
				t.Errorf("Check: %v, want %v", r.Err, tt.want)
			}
			if tt.want != ErrMailboxMissing && errors.Is(r.Err, ErrMailboxMissing) {
				t.Errorf("Check: %v: the folder is there", r.Err)
			}
			if got, want := IsPermanent(r.Err), tt.want != ErrServerUnavailable; got != want {
				t.Errorf("IsPermanent(%v) = %v, want %v", r.Err, got, want)
			}
		})
	}
}

// Of several mailboxes, the missing ones are named together; the others'
// counts are still reported.
func TestCheckNamesEveryMissingMailbox(t *testing.T) {
	srv, cfg := startBad(t)
	if err := srv.CreateMailbox("alice", "Lists"); err != nil {
		t.Fatal(err)
	}
	cfg.Mailboxes = []string{"INBOX", "Gone1", "Lists", "Gone2"}
	r := Check(context.Background(), cfg)
	var mberr *MailboxError
	if !errors.As(r.Err, &mberr) || len(mberr.Mailboxes) != 2 || mberr.Mailboxes[0] != "Gone1" || mberr.Mailboxes[1] != "Gone2" {
		t.Fatalf("Check: %v, want a MailboxError naming Gone1 and Gone2", r.Err)
	}
	exists := map[string]bool{}
	for _, m := range r.Mailboxes {
		exists[m.Name] = m.Exists
	}
	if !exists["INBOX"] || !exists["Lists"] || exists["Gone1"] || exists["Gone2"] {
		t.Errorf("Check mailboxes = %+v", r.Mailboxes)
	}
}
