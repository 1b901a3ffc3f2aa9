package imapwatch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
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

// temporaryCode reports the codes that mean "try again later".
func temporaryCode(code imap.ResponseCode) bool {
	switch code {
	case imap.ResponseCodeUnavailable, imap.ResponseCodeServerBug, imap.ResponseCodeLimit, imap.ResponseCodeInUse:
		return true
	}
	return false
}

// mailboxErr classifies a refused SELECT, EXAMINE or STATUS. Only
// [NONEXISTENT], or a NO without a code for a mailbox that LIST does not
// show, is a missing mailbox; [NOPERM] is permanent too; everything else
// ([UNAVAILABLE], [SERVERBUG], [LIMIT], [INUSE], other codes, BAD) is
// retried.
func (s *session) mailboxErr(cmd, mbox string, err error) error {
	what := cmd + " " + mbox
	var ierr *imap.Error
	if !errors.As(err, &ierr) || s.g.tooLarge() != nil {
		return s.commandErr(what, err)
	}
	ierr.Text = s.sv.secrets.redactText(ierr.Text)
	switch {
	case ierr.Code == imap.ResponseCodeNonExistent:
		return &MailboxError{Mailboxes: []string{mbox}, Text: ierr.Text, Err: ierr}
	case ierr.Code == imap.ResponseCodeNoPerm:
		return &refusal{kind: ErrMailboxDenied, what: what, ierr: ierr}
	case temporaryCode(ierr.Code):
		return &refusal{kind: ErrServerUnavailable, what: what, ierr: ierr}
	case ierr.Code == "" && ierr.Type == imap.StatusResponseTypeNo:
		listed, lerr := s.listed(mbox)
		if lerr != nil {
			return lerr
		}
		if !listed {
			return &MailboxError{Mailboxes: []string{mbox}, Text: ierr.Text, Err: ierr}
		}
	}
	return &refusal{what: what, ierr: ierr}
}

// listed reports whether LIST shows the mailbox (selectable or not).
func (s *session) listed(mbox string) (bool, error) {
	var list []*imap.ListData
	err := s.await("list "+mbox, func() (err error) {
		list, err = s.c.List("", mbox, nil).Collect()
		return err
	})
	if err != nil {
		return false, s.commandErr("list "+mbox, err)
	}
	for _, l := range list {
		if l.Mailbox == mbox || (strings.EqualFold(mbox, "INBOX") && strings.EqualFold(l.Mailbox, "INBOX")) {
			return true, nil
		}
	}
	return false, nil
}
