package imapwatch

import (
	"context"
	"time"

	"github.com/emersion/go-imap/v2"
)

// watchMany checks several mailboxes over one connection with STATUS, every
// PollInterval: the folders beyond max_connections. A folder with news is
// EXAMINEd for its mail and left again (see leave) before the next STATUS.
func (s *session) watchMany(ctx context.Context) error {
	sv := s.sv
	first := true
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		for _, mbox := range sv.mailboxes {
			var st *imap.StatusData
			err := s.await("status "+mbox, func() (err error) {
				st, err = s.c.Status(mbox, &imap.StatusOptions{UIDNext: true, UIDValidity: true, NumUnseen: true}).Wait()
				return err
			})
			if err != nil {
				return s.mailboxErr("status", mbox, err)
			}
			if err := s.sync(ctx, mbox, st.UIDValidity, uint32(st.UIDNext), first); err != nil {
				return err
			}
			if err := s.leave(); err != nil {
				return err
			}
			if st.NumUnseen != nil {
				s.report(ctx, mbox, int64(*st.NumUnseen))
			}
		}
		if first {
			sv.state(ctx, StatePolling, nil, time.Time{})
			s.healthy(false)
			first = false
		}
		t.Reset(sv.cfg.PollInterval)
		s.waiting.Store(true)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.c.Closed():
			return s.commandErr("poll", ErrConnectionLost)
		case <-s.g.bye:
			return s.byeErr()
		case <-t.C:
		case <-s.checkNow:
		}
		s.waiting.Store(false)
	}
}

// leave closes the mailbox sync EXAMINEd, if any: UNSELECT where the server
// has it (RFC 3691, part of IMAP4rev2), else CLOSE, which expunges nothing in
// a mailbox opened read-only. STATUS of the selected mailbox is what RFC 3501
// (6.3.10) asks clients not to send: Dovecot answers it with [CLIENTBUG] and
// the counts of the session's own view, which a new message does not change
// until the next NOOP, so the folder's next mail would go unseen.
func (s *session) leave() error {
	if s.selected == "" {
		return nil
	}
	name, cmd := "close", s.c.UnselectAndExpunge
	if s.c.Caps().Has(imap.CapUnselect) {
		name, cmd = "unselect", s.c.Unselect
	}
	if err := s.await(name, func() error { return cmd().Wait() }); err != nil {
		return s.commandErr(name+" "+s.selected, err)
	}
	s.selected = ""
	return nil
}
