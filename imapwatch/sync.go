package imapwatch

import (
	"context"
	"time"

	"github.com/emersion/go-imap/v2"
)

// mark is what a supervisor keeps about one of its mailboxes: the shared
// ledger (watermark, announced messages) and what this connection saw.
type mark struct {
	l      *ledger
	unseen int64 // last reported unseen count, -1 unknown
	// doubtBelow: UIDs below it may have been announced under other UIDs
	// (UIDNEXT went backwards), so even messages without a Message-ID are
	// checked against the announced keys.
	doubtBelow uint64
	// warnedNext is the server's UIDNEXT last warned about, so a server
	// that keeps reporting the same lower value is warned about once.
	warnedNext uint32
	// announced are the last UIDs this supervisor announced, for Gone.
	announced []uint32
	// fetchLimit, when not 0, is how many messages one FETCH asks for:
	// the link cut a FETCH answer (see fetchSet).
	fetchLimit int
	// lean: the last FETCH of new mail ended on an answer too large to
	// read; the next leaves out the structure (see fetchSet).
	lean bool
	// lost is ErrStateLost once the mailbox was baselined because the
	// Store lost its watermark: every StateIdle and StatePolling of it
	// carries it, for the supervisor's life.
	lost error
}

// mark returns the mailbox's mark, made on first use.
func (sv *supervisor) mark(mbox string) *mark {
	m := sv.marks[mbox]
	if m == nil {
		m = &mark{l: sv.ledgers.get(sv.cfg.Name, mbox), unseen: -1}
		sv.marks[mbox] = m
	}
	return m
}

// examine opens a mailbox read-only (idlebell never sets \Seen) and brings
// the watermark up to date: baseline on first sight, catch-up after that.
// catchUp says whether what it finds arrived while nobody watched.
func (s *session) examine(ctx context.Context, mbox string, catchUp bool) error {
	var data *imap.SelectData
	// Whatever the answer, the mailbox selected before is no more (RFC 3501
	// 6.3.1: a failed SELECT leaves none selected).
	s.selected = ""
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
	return s.sync(ctx, mbox, data.UIDValidity, next, catchUp)
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
// reports what is new. It selects the mailbox when there is news.
func (s *session) sync(ctx context.Context, mbox string, validity, next uint32, catchUp bool) error {
	sv := s.sv
	m := sv.mark(mbox)
	known, have, pos := m.l.position()
	switch {
	case !known:
		// First sight: what is there now is old mail. Never announce it.
		if m.l.damaged() {
			m.lost = ErrStateLost
			sv.logger.Warn("saved state of the mailbox lost; mail that arrived while idlebell was stopped may not be announced",
				"mailbox", mbox)
		}
		m.l.reset(validity, uint64(next), true)
		sv.logger.Info("baseline", "mailbox", mbox, "uidvalidity", validity, "uidnext", next)
		return nil
	case s.selected != mbox && (have != validity || uint64(next) != pos):
		return s.examine(ctx, mbox, catchUp)
	case have != validity:
		return s.rebaseline(ctx, mbox, have, validity, next)
	case uint64(next) < pos && pos < noUID:
		return s.backwards(ctx, mbox, next, pos, catchUp)
	case uint64(next) > pos:
		return s.fetchNew(ctx, mbox, catchUp)
	}
	m.l.checked(time.Now())
	return nil
}

// backwards handles a server whose UIDNEXT went below the watermark while
// its UIDVALIDITY stayed (a restored or rebuilt index): new mail may now get
// UIDs that were announced before, and UIDs tell old from new no more. As
// after a UIDVALIDITY change, what arrived since the mailbox was last known
// fully announced is checked by date and announced unless its key was.
func (s *session) backwards(ctx context.Context, mbox string, next uint32, pos uint64, catchUp bool) error {
	sv := s.sv
	m := sv.mark(mbox)
	if m.warnedNext != next {
		sv.logger.Warn("server's UIDNEXT went backwards with the same UIDVALIDITY; re-checking by date",
			"mailbox", mbox, "uidnext", next, "watermark", pos)
		m.warnedNext = next
	}
	_, validity, _ := m.l.position()
	since := m.l.since()
	m.doubtBelow = max(m.doubtBelow, pos)
	m.announced = nil // the server may give these UIDs to other mail now
	m.l.reset(validity, uint64(next), false)
	if since.IsZero() {
		return s.fetchNew(ctx, mbox, catchUp)
	}
	return s.recheckSince(ctx, mbox, since, next)
}

// recheck compares the mailbox with the watermark — UID SEARCH UID next:*,
// whose answer lists any message at or above it, pushed or not — and
// fetches what is missing, so a push lost on the way is found by the next
// resync. Like NOOP, the command also lets the server report flag changes,
// and the unread count follows them. recount forces the count (the user
// asked to check now). found reports mail the server had not pushed.
func (s *session) recheck(ctx context.Context, mbox string, recount bool) (found bool, err error) {
	m := s.sv.mark(mbox)
	_, _, pos := m.l.position()
	missing := false
	if pos < noUID {
		var data *imap.SearchData
		err := s.await("search new", func() (err error) {
			data, err = s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(pos), Stop: 0}}}}, nil).Wait()
			return err
		})
		if err != nil {
			return false, s.commandErr("search new", err)
		}
		// "n:*" matches the highest message even below n.
		for _, u := range data.AllUIDs() {
			missing = missing || uint64(u) >= pos
		}
	}
	pushed := drain(s.exists)
	if (missing || pushed) && pos < noUID {
		if missing && !pushed {
			s.sv.logger.Info("resync found mail the server did not push", "mailbox", mbox)
		}
		// Not fetchNew: after a lost push the client's message count is
		// stale, and the search has shown there is mail.
		_, _, pos := m.l.position()
		if err := s.fetchSet(ctx, mbox, imap.UIDSet{imap.UIDRange{Start: imap.UID(pos), Stop: 0}}, uint32(pos), false); err != nil {
			return false, err
		}
	} else {
		m.l.checked(time.Now())
	}
	found = missing && !pushed
	if drain(s.flags) {
		return found, s.flagsChanged(ctx, mbox)
	}
	if recount || m.unseen < 0 {
		return found, s.unseen(ctx, mbox)
	}
	return found, nil
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
	m := s.sv.mark(mbox)
	if m.unseen == n {
		return
	}
	m.unseen = n
	s.sv.send(ctx, &Unseen{Account: s.sv.cfg.Name, Mailbox: mbox, Count: uint32(n)})
}
