package imapwatch

import (
	"context"
	"time"

	"github.com/emersion/go-imap/v2"
)

// watchMany checks several mailboxes over one connection with STATUS, every
// PollInterval: the folders beyond max_connections.
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
