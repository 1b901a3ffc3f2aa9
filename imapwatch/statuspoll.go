package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
)

// watchMany checks several mailboxes over one connection with STATUS, every
// PollInterval: the folders beyond max_connections.
func (s *session) watchMany(ctx context.Context, healthy func()) error {
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
				var ierr *imap.Error
				if errors.As(err, &ierr) && ierr.Type == imap.StatusResponseTypeNo {
					return &MailboxError{Mailboxes: []string{mbox}, Text: ierr.Text}
				}
				return s.commandErr("status "+mbox, err)
			}
			if err := s.sync(ctx, mbox, st.UIDValidity, uint32(st.UIDNext), first); err != nil {
				return err
			}
			if st.NumUnseen != nil {
				s.report(ctx, mbox, int64(*st.NumUnseen))
			}
		}
		if first {
			sv.state(ctx, StatePolling, nil, time.Time{})
			healthy()
			first = false
		}
		t.Reset(sv.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.c.Closed():
			return fmt.Errorf("poll: %w", errConnLost)
		case <-s.bye:
			return s.byeErr()
		case <-sv.wake:
			return errWake
		case <-t.C:
		case <-sv.checkNow:
		}
	}
}
