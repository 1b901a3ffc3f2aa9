package imapwatch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// refusal is a server's NO or BAD to a command, classified by its response
// code (RFC 5530): errors.Is(err, kind) for the kind (nil: temporary, no
// sentinel), errors.As(err, **imap.Error) for the server's answer.
type refusal struct {
	kind error
	what string // "examine INBOX", "login to host:993"
	ierr *imap.Error
}

func (r *refusal) Error() string {
	s := r.what + ": server said " + serverText(r.ierr)
	if r.kind != nil {
		s = r.kind.Error() + ": " + s
	}
	return s
}

func (r *refusal) Unwrap() []error {
	if r.kind == nil {
		return []error{r.ierr}
	}
	return []error{r.kind, r.ierr}
}

// serverText is a response as the server put it: "NO [CODE] text".
func serverText(ierr *imap.Error) string {
	var b strings.Builder
	b.WriteString(string(ierr.Type))
	if ierr.Code != "" {
		fmt.Fprintf(&b, " [%s]", ierr.Code)
	}
	if ierr.Text != "" {
		b.WriteString(" " + ierr.Text)
	}
	return b.String()
}

// maxServerText is how many characters of a server's words idlebell shows
// (in a log line, a state, the tray, check): enough for any real
// explanation; a server may answer with kilobytes.
const maxServerText = 300

// cutMark ends a server's words that were cut.
const cutMark = "… [cut]"

// shownAnswer is a copy of the server's answer fit to show: its text with
// every secret replaced (secrets may be nil) and cut to maxServerText
// characters. The copy is the caller's own: go-imap's answer, which other
// goroutines may hold, is never written to.
func shownAnswer(ierr *imap.Error, secrets *secretSet) *imap.Error {
	c := *ierr
	c.Text = cutServerText(secrets.redactText(ierr.Text))
	return &c
}

// cutServerText cuts s after maxServerText characters and marks the cut.
func cutServerText(s string) string {
	n := 0
	for i := range s {
		if n == maxServerText {
			return s[:i] + cutMark
		}
		n++
	}
	return s
}

// temporaryCode reports the codes that mean "try again later".
func temporaryCode(code imap.ResponseCode) bool {
	switch code {
	case imap.ResponseCodeUnavailable, imap.ResponseCodeServerBug, imap.ResponseCodeLimit, imap.ResponseCodeInUse:
		return true
	}
	return false
}

// mailboxErr classifies a refused SELECT, EXAMINE or STATUS of the
// watcher's session: a lost connection or a broken limit as commandErr, the
// server's answer as refusedMailbox.
func (s *session) mailboxErr(cmd, mbox string, err error) error {
	var ierr *imap.Error
	if !errors.As(err, &ierr) || s.g.tooLarge() != nil {
		return s.commandErr(cmd+" "+mbox, err)
	}
	return refusedMailbox(cmd, mbox, ierr, s.sv.secrets, func() (bool, error) {
		var ok bool
		err := s.await("list "+mbox, func() (err error) {
			ok, err = listed(s.c, mbox)
			return err
		})
		if err != nil {
			return false, s.commandErr("list "+mbox, err)
		}
		return ok, nil
	})
}

// refusedMailbox classifies the server's NO or BAD to SELECT, EXAMINE or
// STATUS of mbox, for the watcher and for Check alike. Only [NONEXISTENT],
// or a NO without a code for a mailbox that LIST (asked through list, only
// then) does not show, is a missing mailbox (*MailboxError); [NOPERM] is
// ErrMailboxDenied; [UNAVAILABLE], [SERVERBUG], [LIMIT], [INUSE] are
// ErrServerUnavailable; everything else (other codes, BAD) is a temporary
// refusal. The chain holds a copy of ierr whose text is redacted of secrets
// and cut (shownAnswer).
func refusedMailbox(cmd, mbox string, ierr *imap.Error, secrets *secretSet, list func() (bool, error)) error {
	what := cmd + " " + mbox
	ierr = shownAnswer(ierr, secrets)
	switch {
	case ierr.Code == imap.ResponseCodeNonExistent:
		return &MailboxError{Mailboxes: []string{mbox}, Text: ierr.Text, Err: ierr}
	case ierr.Code == imap.ResponseCodeNoPerm:
		return &refusal{kind: ErrMailboxDenied, what: what, ierr: ierr}
	case temporaryCode(ierr.Code):
		return &refusal{kind: ErrServerUnavailable, what: what, ierr: ierr}
	case ierr.Code == "" && ierr.Type == imap.StatusResponseTypeNo:
		ok, err := list()
		if err != nil {
			return err
		}
		if !ok {
			return &MailboxError{Mailboxes: []string{mbox}, Text: ierr.Text, Err: ierr}
		}
	}
	return &refusal{what: what, ierr: ierr}
}

// listed reports whether LIST shows the mailbox (selectable or not).
func listed(c *imapclient.Client, mbox string) (bool, error) {
	list, err := c.List("", mbox, nil).Collect()
	if err != nil {
		return false, err
	}
	for _, l := range list {
		if l.Mailbox == mbox || (strings.EqualFold(mbox, "INBOX") && strings.EqualFold(l.Mailbox, "INBOX")) {
			return true, nil
		}
	}
	return false, nil
}
