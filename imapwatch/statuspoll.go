package imapwatch

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"
)

// watchMany checks several mailboxes over one connection with STATUS, every
// PollInterval: the folders beyond max_connections. A folder with news is
// EXAMINEd for its mail and left again (see leave) before the next STATUS.
//
// A folder the server says it has not, or does not let the account read,
// fails alone (see folderFailed): the others go on being polled. Check now
// tries the failed ones again, and so does every folderRetry (quietly while
// they fail the same way). When every folder failed, watchMany returns the
// last one's error.
func (s *session) watchMany(ctx context.Context) error {
	sv := s.sv
	first, announce := true, true
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		if n := sv.checks.Load(); n != sv.retried {
			sv.retried = n
			if len(sv.failed) > 0 {
				// The user may have created the folder or been given access.
				clear(sv.failed)
				announce = true
			}
		}
		retry := len(sv.failed) > 0 && !sv.clk.Now().Before(sv.retryFailedAt)
		if retry {
			sv.retryFailedAt = sv.clk.Now().Add(folderRetry)
		}
		var failed error
		for _, mbox := range sv.mailboxes {
			before, wasFailed := sv.failed[mbox]
			if wasFailed && !retry {
				continue
			}
			err := s.pollFolder(ctx, mbox, first)
			if err == nil {
				if wasFailed {
					delete(sv.failed, mbox)
					sv.logger.Info("mailbox found again", "mailbox", mbox)
					sv.send(ctx, &StateChange{Account: sv.cfg.Name, Mailbox: mbox, State: StatePolling})
				}
				continue
			}
			if !folderOnly(err) {
				return err
			}
			failed = err
			if wasFailed && before.Error() == err.Error() {
				continue // still so: said already
			}
			sv.folderFailed(ctx, mbox, err)
		}
		if len(sv.failed) == len(sv.mailboxes) {
			for _, err := range sv.failed {
				failed = cmp.Or(failed, err) // none was tried this round
			}
			if sv.checks.Load() != sv.retried {
				signal(sv.checkNow) // a Check now came during the round: run takes it
			}
			return failed
		}
		if announce {
			sv.state(ctx, StatePolling, nil, time.Time{})
			announce = false
		}
		if first {
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

// pollFolder checks one folder with STATUS and, when it shows news,
// EXAMINEs it, fetches the new mail and leaves it.
func (s *session) pollFolder(ctx context.Context, mbox string, catchUp bool) error {
	var st *imap.StatusData
	err := s.await("status "+mbox, func() (err error) {
		st, err = s.c.Status(mbox, &imap.StatusOptions{UIDNext: true, UIDValidity: true, NumUnseen: true}).Wait()
		return err
	})
	if err != nil {
		return s.mailboxErr("status", mbox, err)
	}
	if err := s.sync(ctx, mbox, st.UIDValidity, uint32(st.UIDNext), catchUp); err != nil {
		return err
	}
	if err := s.leave(); err != nil {
		return err
	}
	if st.NumUnseen != nil {
		s.report(ctx, mbox, int64(*st.NumUnseen))
	}
	return nil
}

// folderOnly reports whether err, from a folder's STATUS or EXAMINE, is
// about that folder alone: it is missing or the account may not read it.
func folderOnly(err error) bool {
	return errors.Is(err, ErrMailboxMissing) || errors.Is(err, ErrMailboxDenied)
}

// folderFailed reports that one folder of the shared polling connection
// failed (err names it) and leaves it out until Check now or retryFailedAt.
func (sv *supervisor) folderFailed(ctx context.Context, mbox string, err error) {
	sv.logger.Error("mailbox failed", "mailbox", mbox, "err", err)
	if sv.failed == nil {
		sv.failed = make(map[string]error)
	}
	if len(sv.failed) == 0 {
		sv.retryFailedAt = sv.clk.Now().Add(folderRetry)
	}
	sv.failed[mbox] = err
	sv.send(ctx, &StateChange{Account: sv.cfg.Name, Mailbox: mbox, State: StateFailed, Err: err})
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
