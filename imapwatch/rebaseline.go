package imapwatch

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"idlebell/mailtext"
)

// rebaseline handles a changed UIDVALIDITY (a recreated mailbox, a server
// that renumbered it, or Courier without its UID database, which hands out
// a new one per session): the old watermark means nothing now. Instead of
// taking what is there as old mail, it looks at what arrived since the
// mailbox was last known fully announced (by INTERNALDATE, with slack) and
// announces, as one catch-up, what it has not announced before, recognised
// by Message-ID (or date, sender and subject). Mail older than that window
// is old mail. The mailbox must be selected.
func (s *session) rebaseline(ctx context.Context, mbox string, old, validity, next uint32) error {
	sv := s.sv
	m := sv.mark(mbox)
	since := m.l.since()
	sv.logger.Warn("uidvalidity changed", "mailbox", mbox, "old", old, "new", validity)
	m.announced = nil // UIDs of the old UIDVALIDITY
	m.doubtBelow = 0
	if since.IsZero() {
		// Nothing to compare with (no history kept): a fresh baseline.
		m.l.reset(validity, uint64(next), true)
		sv.send(ctx, &StateChange{Account: sv.cfg.Name, Mailbox: mbox, State: StateIdle,
			Note: fmt.Sprintf("%s was recreated on the server (UIDVALIDITY changed); its existing messages are not announced", mbox)})
		return nil
	}
	m.l.reset(validity, uint64(next), false)
	return s.recheckSince(ctx, mbox, since, next)
}

// recheckSince announces, as one catch-up, the messages below next that
// arrived at or after since and were not announced before.
func (s *session) recheckSince(ctx context.Context, mbox string, since time.Time, next uint32) error {
	m := s.sv.mark(mbox)
	uids, err := s.arrivedSince(m, mbox, since, next)
	if err != nil {
		return err
	}
	if len(uids) > 0 {
		// Every message below next is in doubt now: announce checks all keys.
		m.doubtBelow = max(m.doubtBelow, uint64(next))
		set := imap.UIDSet{}
		for _, u := range uids {
			set.AddNum(imap.UID(u))
		}
		if err := s.fetchSet(ctx, mbox, set, 0, true); err != nil {
			return err
		}
	}
	s.sv.logger.Info("rechecked by date", "mailbox", mbox, "since", since.Format(time.RFC3339), "not_announced_before", len(uids))
	return nil
}

// arrivedSince lists the UIDs below next of the messages that arrived at or
// after since (INTERNALDATE) and whose keys were not announced. SEARCH
// SINCE compares dates only, in the server's time zone: a day earlier
// catches them all, INTERNALDATE then sorts them out. The header fields
// are read first (one small FETCH), the full items only for what is new.
func (s *session) arrivedSince(m *mark, mbox string, since time.Time, next uint32) ([]uint32, error) {
	var data *imap.SearchData
	err := s.await("search since", func() (err error) {
		data, err = s.c.UIDSearch(&imap.SearchCriteria{Since: since.AddDate(0, 0, -1)}, nil).Wait()
		return err
	})
	if err != nil {
		return nil, s.commandErr("search since", err)
	}
	var candidates imap.UIDSet
	for _, u := range data.AllUIDs() {
		if uint32(u) < next {
			candidates.AddNum(u)
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	// Streamed: only UIDs are kept, whatever the number of candidates.
	var out []uint32
	err = s.await("fetch envelopes", func() error {
		cmd := s.c.Fetch(candidates, &imap.FetchOptions{UID: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{headerFields}})
		return collectEach(cmd, func(b *imapclient.FetchMessageBuffer) error {
			if b.UID == 0 || b.InternalDate.Before(since) {
				return nil
			}
			h, _ := s.sv.reader.headers([]mailtext.HeaderBlock{mailtext.NewHeaderBlock(b.FindBodySection(headerFields), maxHeaderFields)}, "", mbox, uint32(b.UID))
			if key, old := mailKey(h.MessageID, h.Date, h.FromAddress, h.Subject); !m.l.seen(key, old) {
				out = append(out, uint32(b.UID))
			} else {
				// Each one, as announce says it: a new mail that shares
				// Message-ID, date, sender and subject with one announced
				// before is held back too, and the log is where it shows.
				s.sv.logger.Info("message announced before under another UID; not again",
					"mailbox", mbox, "uid", uint32(b.UID), "message_id", h.MessageID)
			}
			return nil
		})
	})
	if err != nil {
		return nil, s.commandErr("fetch envelopes", err)
	}
	return out, nil
}
