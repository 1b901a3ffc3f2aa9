package imapwatch

import (
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fetchBatch is how many messages wait for their previews at once: what a
// fetch holds in memory is bounded by it, plus 4 bytes per further new UID.
const fetchBatch = 100

// fetchNew fetches every message with UID >= the hand-on position from the
// selected mailbox and hands each on once (see announce). The first answer
// streams; it keeps the items of at most fetchBatch messages and only the
// UIDs of the rest, whose items are fetched batch by batch. It adds the new
// messages without \Seen to the mailbox's known unseen count.
//
// Mails are handed on only after the answers they came in completed OK: a
// connection cut in the middle of an answer (an envelope missing, a
// literal short) hands on nothing of it; the next session fetches again
// from the watermark. Every FETCH is bounded by progress (watch), not by
// its total time, so a large answer on a slow link is not cut.
func (s *session) fetchNew(ctx context.Context, mbox string, catchUp bool) error {
	_, _, pos := s.sv.mark(mbox).l.position()
	if pos >= noUID {
		return nil // past UID 4294967295 nothing can be new
	}
	if mb := s.c.Mailbox(); mb != nil && mb.NumMessages == 0 {
		return nil
	}
	// "n:*" also returns the highest message when its UID is below n; the
	// uid < from filter drops it.
	return s.fetchSet(ctx, mbox, imap.UIDSet{imap.UIDRange{Start: imap.UID(pos), Stop: 0}}, uint32(pos), catchUp)
}

// fetchSet fetches the messages of set with UID >= from and hands them on.
func (s *session) fetchSet(ctx context.Context, mbox string, set imap.UIDSet, from uint32, catchUp bool) error {
	sv := s.sv
	m := sv.mark(mbox)
	_, validity, _ := m.l.position()
	newUnseen := int64(0)
	wd := s.watchdog()
	defer wd.stop()
	cmd := s.c.Fetch(set, fetchNewOptions)
	var first []*pendingMail
	var rest []imap.UID
	inOrder, last := true, uint32(0)
	if err := collectEach(cmd, func(buf *imapclient.FetchMessageBuffer) error {
		uid := uint32(buf.UID)
		if uid < from || uid == 0 {
			return nil
		}
		if uid <= last {
			inOrder = false
		}
		last = uid
		if !slices.Contains(buf.Flags, imap.FlagSeen) {
			newUnseen++
		}
		if len(first) < fetchBatch {
			first = append(first, newPendingMail(sv.cfg.Name, mbox, validity, buf, catchUp))
		} else {
			rest = append(rest, buf.UID)
		}
		return nil
	}); err != nil {
		return s.fetchErr(wd, err)
	}
	wd.stop()
	if !inOrder {
		// The hand-on position stays: the next fetch re-reads the range,
		// and the announced keys keep it from repeating; this path exists
		// for odd servers only.
		sv.logger.Warn("server answered fetch out of uid order", "mailbox", mbox)
	}
	sent := 0
	defer func() { // also for the mails handed on before a failure
		if sent > 0 {
			sv.logger.Debug("new mail", "mailbox", mbox, "count", sent, "catch_up", catchUp)
			sv.send(ctx, &Batch{Account: sv.cfg.Name, Mailbox: mbox, Count: sent, CatchUp: catchUp})
			if m.unseen >= 0 && newUnseen > 0 {
				s.report(ctx, mbox, m.unseen+newUnseen)
			}
		}
	}()
	hand := func(batch []*pendingMail) error {
		if err := s.fetchPreviews(batch); err != nil {
			return err
		}
		for _, p := range batch {
			// Only when the answers came in UID order is "everything below
			// uid+1 was handed on" true mid-way.
			handed, err := s.announce(ctx, m, p.ev, inOrder)
			if err != nil {
				return err
			}
			if handed {
				sent++
			}
		}
		return nil
	}
	if err := hand(first); err != nil {
		return err
	}
	for len(rest) > 0 {
		n := min(fetchBatch, len(rest))
		batch, err := s.fetchItems(sv.cfg.Name, mbox, validity, rest[:n], catchUp)
		if err != nil {
			return err
		}
		rest = rest[n:]
		if err := hand(batch); err != nil {
			return err
		}
	}
	return nil
}

// fetchErr says why a FETCH failed: no progress in time, or as commandErr.
func (s *session) fetchErr(wd *watchdog, err error) error {
	if wd.stop() {
		return fmt.Errorf("fetch: %w", ErrTimeout)
	}
	return s.commandErr("fetch", err)
}

// literalSlack is how much a literal may exceed the partial asked for.
const literalSlack = 4 << 10

// collectEach reads a FETCH's answers one message at a time (memory holds
// one message) and hands each to f. It stops at the first error, the
// server's or f's, and closes the command; else it returns Close's error.
func collectEach(cmd *imapclient.FetchCommand, f func(*imapclient.FetchMessageBuffer) error) error {
	for {
		msg := cmd.Next()
		if msg == nil {
			return cmd.Close()
		}
		buf, err := msg.Collect()
		if err == nil {
			err = f(buf)
		}
		if err != nil {
			cmd.Close()
			return err
		}
	}
}
