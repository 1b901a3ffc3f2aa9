package imapwatch

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// mark is a mailbox's watermark: every UID below next was reported.
type mark struct {
	validity, next uint32
	unseen         int64 // last reported unseen count, -1 unknown
}

// examine opens a mailbox read-only (idlebell never sets \Seen) and brings
// the watermark up to date: baseline on first sight, catch-up after that.
func (s *session) examine(ctx context.Context, mbox string) error {
	var data *imap.SelectData
	err := s.await("examine "+mbox, func() (err error) {
		data, err = s.c.Select(mbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	})
	if err != nil {
		return s.mailboxErr("examine", mbox, err)
	}
	s.selected = mbox
	next := uint32(data.UIDNext)
	if next == 0 {
		next, err = s.uidNext(mbox)
		if err != nil {
			return err
		}
	}
	return s.sync(ctx, mbox, data.UIDValidity, next, true)
}

// uidNext asks with STATUS for servers that leave UIDNEXT out of SELECT.
func (s *session) uidNext(mbox string) (uint32, error) {
	var st *imap.StatusData
	err := s.await("status "+mbox, func() (err error) {
		st, err = s.c.Status(mbox, &imap.StatusOptions{UIDNext: true}).Wait()
		return err
	})
	if err != nil {
		return 0, s.commandErr("status "+mbox, err)
	}
	return uint32(st.UIDNext), nil
}

// sync compares the server's (UIDVALIDITY, UIDNEXT) with the watermark and
// reports what is new. The mailbox must be selected when there is news.
func (s *session) sync(ctx context.Context, mbox string, validity, next uint32, catchUp bool) error {
	sv := s.sv
	m := sv.marks[mbox]
	if m == nil {
		m = &mark{unseen: -1}
		if sv.store != nil {
			m.validity, m.next, _ = sv.store.Load(sv.cfg.Name, mbox)
		}
		sv.marks[mbox] = m
	}
	switch {
	case m.validity == 0:
		// First sight: what is there now is old mail. Never announce it.
		m.validity, m.next = validity, next
		sv.save(mbox, m)
		sv.logger.Info("baseline", "mailbox", mbox, "uidvalidity", validity, "uidnext", next)
		return nil
	case m.validity != validity:
		old := m.validity
		m.validity, m.next = validity, next
		sv.save(mbox, m)
		sv.logger.Warn("uidvalidity changed", "mailbox", mbox, "old", old, "new", validity)
		sv.send(ctx, &StateChange{Account: sv.cfg.Name, Mailbox: mbox, State: StateIdle,
			Note: fmt.Sprintf("%s was recreated on the server (UIDVALIDITY changed); its existing messages are not announced", mbox)})
		return nil
	case next > m.next:
		if s.selected != mbox {
			return s.examine(ctx, mbox)
		}
		return s.fetchNew(ctx, mbox, catchUp)
	}
	return nil
}

func (sv *supervisor) save(mbox string, m *mark) {
	if sv.store != nil {
		sv.store.Save(sv.cfg.Name, mbox, m.validity, m.next)
	}
}

// recheck makes the server report what it has not pushed — NOOP is answered
// with EXISTS for mail we were not told of, FETCH FLAGS for mail read
// elsewhere — and fetches or recounts only then. recount forces the unread
// count (the user asked to check now).
func (s *session) recheck(ctx context.Context, mbox string, recount bool) error {
	if err := s.await("noop", func() error { return s.c.Noop().Wait() }); err != nil {
		return s.commandErr("noop", err)
	}
	if drain(s.exists) {
		if err := s.fetchNew(ctx, mbox, false); err != nil {
			return err
		}
	}
	if drain(s.flags) || recount || s.sv.marks[mbox].unseen < 0 {
		return s.unseen(ctx, mbox)
	}
	return nil
}

// unseen counts the selected mailbox's unread mail with SEARCH (ESEARCH
// COUNT where the server has it) and reports it when it changed. Not STATUS:
// RFC 3501 asks clients not to STATUS the selected mailbox, and Dovecot
// answers it with [CLIENTBUG].
func (s *session) unseen(ctx context.Context, mbox string) error {
	caps := s.c.Caps()
	var opts *imap.SearchOptions
	esearch := caps.Has(imap.CapESearch) || caps.Has(imap.CapIMAP4rev2)
	if esearch {
		opts = &imap.SearchOptions{ReturnCount: true}
	}
	var data *imap.SearchData
	err := s.await("search unseen", func() (err error) {
		data, err = s.c.Search(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, opts).Wait()
		return err
	})
	if err != nil {
		return s.commandErr("search unseen", err)
	}
	n := int64(data.Count)
	if !esearch {
		n = int64(len(data.AllSeqNums()))
	}
	s.report(ctx, mbox, n)
	return nil
}

func (s *session) report(ctx context.Context, mbox string, n int64) {
	m := s.sv.marks[mbox]
	if m == nil || m.unseen == n {
		return
	}
	m.unseen = n
	s.sv.send(ctx, &Unseen{Account: s.sv.cfg.Name, Mailbox: mbox, Count: uint32(n)})
}
