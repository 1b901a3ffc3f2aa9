package imapwatch

import (
	"context"
	"errors"
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
// Only complete messages are handed on: a connection cut in the middle of
// a message's answer (an envelope missing, a literal short) hands on
// nothing of it, and the next session fetches again from the hand-on
// position (see fetchSet). Every FETCH is bounded by progress (watchdog),
// not by its total time, so a large answer on a slow link is not cut.
func (s *session) fetchNew(ctx context.Context, mbox string, catchUp bool) error {
	set, from, ok := s.newSet(mbox)
	if !ok {
		return nil
	}
	return s.fetchSet(ctx, mbox, set, from, catchUp)
}

// newSet is what fetchNew asks the selected mailbox mbox for: "UID FETCH
// pos:*" and UIDs from pos, or nothing (ok false).
func (s *session) newSet(mbox string) (set imap.UIDSet, from uint32, ok bool) {
	_, _, pos := s.sv.mark(mbox).l.position()
	if pos >= noUID {
		return nil, 0, false // past UID 4294967295 nothing can be new
	}
	if mb := s.c.Mailbox(); mb != nil && mb.NumMessages == 0 {
		return nil, 0, false
	}
	// "n:*" also returns the highest message when its UID is below n; the
	// uid < from filter drops it.
	return imap.UIDSet{imap.UIDRange{Start: imap.UID(pos), Stop: 0}}, uint32(pos), true
}

// fetchSet fetches the messages of set with UID >= from and hands them on.
//
// A link that cuts every answer still delivers, mail by mail. In the
// first answer a message is complete once the next one began or the answer
// ended OK (go-imap reads responses in order and stops at the first broken
// one), so complete messages are handed on while the answer streams, as
// long as each needs no second round trip and all before it were handed
// on. After a FETCH lost the connection, the mailbox's next fetch asks for
// as many messages as were complete before the cut (halved on each further
// cut, down to one), lists them first with UID SEARCH, and hands each group
// on whole before it asks for the next, twice as many; a fetch that
// completes goes back to one "UID FETCH n:*".
func (s *session) fetchSet(ctx context.Context, mbox string, set imap.UIDSet, from uint32, catchUp bool) error {
	m := s.sv.mark(mbox)
	_, validity, _ := m.l.position()
	f := &fetchRun{s: s, ctx: ctx, m: m, mbox: mbox, validity: validity, catchUp: catchUp, inOrder: true}
	defer f.finish() // also for the mails handed on before a failure
	err := f.run(set, from)
	switch {
	case err == nil:
		m.fetchLimit = 0
		m.lean = false
	case s.ctx.Err() == nil && (errors.Is(err, ErrConnectionLost) || errors.Is(err, ErrTimeout)):
		// The link broke in the middle (not the server refusing, not Wake or
		// Check now): ask for fewer next time.
		old := m.fetchLimit
		if old == 0 {
			m.fetchLimit = max(1, min(f.complete, fetchBatch))
		} else {
			m.fetchLimit = max(1, min(f.complete, old/2))
		}
		s.sv.logger.Info("fetch cut off; fetching fewer messages at a time", "mailbox", mbox,
			"handed_on", f.sent, "complete_before_cut", f.complete, "next_at_most", m.fetchLimit)
	}
	if s.g != nil && s.g.tooLarge() != nil {
		// A sender can make a structure too long to read (3,000 parts with
		// long names). The next fetch asks for that mail alone, without its
		// structure: it is announced without a preview, not refused at every
		// attempt; the mails after it are fetched as usual.
		m.lean, m.fetchLimit = true, 1
		s.sv.logger.Warn("fetch answer too large; fetching the next mail alone without its structure", "mailbox", mbox)
	}
	return err
}

// fetchRun is one fetchSet: what it handed on so far.
type fetchRun struct {
	s        *session
	ctx      context.Context
	m        *mark
	mbox     string
	validity uint32
	catchUp  bool

	sent      int   // mails handed on
	newUnseen int64 // of the messages handed on (or known as announced before), those without \Seen
	inOrder   bool  // the answers came in UID order so far
	last      uint32
	complete  int // messages of the last first-round answer known complete
}

// run fetches set whole ("UID FETCH set", streaming), or, while the
// mailbox's fetchLimit says the link cuts long answers, in groups.
func (f *fetchRun) run(set imap.UIDSet, from uint32) error {
	if f.m.fetchLimit == 0 {
		return f.round(set, from)
	}
	uids, err := f.s.searchUIDs(set, from)
	if err != nil {
		return err
	}
	for len(uids) > 0 {
		n := min(f.m.fetchLimit, len(uids))
		if err := f.round(imap.UIDSetNum(uids[:n]...), from); err != nil {
			return err
		}
		f.m.lean = false
		uids = uids[n:]
		f.m.fetchLimit = min(2*f.m.fetchLimit, fetchBatch)
	}
	return nil
}

// round is one first-round FETCH of set and what follows it: complete
// messages that need nothing more are handed on as they come; the others
// wait (the items of at most fetchBatch messages, the UIDs of the rest)
// for their second round trips after the answer ended OK.
func (f *fetchRun) round(set imap.UIDSet, from uint32) error {
	s := f.s
	wd := s.watchdog()
	defer wd.stop()
	cmd := s.takeAhead(set, s.fetchOptions(f.m)) // written behind DONE, or now
	var held []*pendingMail
	var rest []imap.UID
	streaming := true
	f.complete = 0
	take := func(p *pendingMail) error { // p is complete
		f.complete++
		if streaming && f.inOrder && len(held) == 0 && p.ready() {
			wd.pause() // idlebell is slow now, not the server
			defer wd.resume()
			return f.handOn(p)
		}
		streaming = false
		if len(held) < fetchBatch {
			held = append(held, p)
		} else {
			rest = append(rest, imap.UID(p.ev.UID))
		}
		return nil
	}
	// prev was read, but is complete only once the next message began (it
	// is collected now) or the answer ended OK.
	var prev *pendingMail
	var handErr error
	if err := collectEach(cmd, func(buf *imapclient.FetchMessageBuffer) error {
		if prev != nil {
			if handErr = take(prev); handErr != nil {
				return handErr
			}
			prev = nil
		}
		uid := uint32(buf.UID)
		if uid < from || uid == 0 {
			return nil
		}
		if uid <= f.last {
			f.inOrder = false
		}
		f.last = uid
		prev = newPendingMail(s.sv.reader, s.sv.cfg.Name, f.mbox, f.validity, buf, f.catchUp)
		return nil
	}); err != nil {
		if handErr != nil {
			return handErr
		}
		return s.fetchErr(wd, err) // prev may be cut: dropped
	}
	wd.stop()
	if prev != nil {
		if err := take(prev); err != nil {
			return err
		}
	}
	if !f.inOrder {
		// The hand-on position stays: the next fetch re-reads the range,
		// and the announced keys keep it from repeating; this path exists
		// for odd servers only.
		s.sv.logger.Warn("server answered fetch out of uid order", "mailbox", f.mbox)
	}
	if err := f.handAll(held); err != nil {
		return err
	}
	for len(rest) > 0 {
		n := min(fetchBatch, len(rest))
		batch, err := s.fetchItems(s.sv.cfg.Name, f.mbox, f.validity, rest[:n], f.catchUp, s.fetchOptions(f.m))
		if err != nil {
			return err
		}
		rest = rest[n:]
		if err := f.handAll(batch); err != nil {
			return err
		}
	}
	return nil
}

// handAll fetches a batch's previews and hands its mails on.
func (f *fetchRun) handAll(batch []*pendingMail) error {
	if err := f.s.fetchPreviews(batch); err != nil {
		return err
	}
	for _, p := range batch {
		if err := f.handOn(p); err != nil {
			return err
		}
	}
	return nil
}

// handOn hands one complete mail on (see announce). Only when the answers
// came in UID order is "everything below uid+1 was handed on" true mid-way.
func (f *fetchRun) handOn(p *pendingMail) error {
	p.setPreview()
	if p.unseen {
		f.newUnseen++
	}
	handed, err := f.s.announce(f.ctx, f.m, p.ev, f.inOrder)
	if err != nil {
		return err
	}
	if handed {
		f.sent++
	}
	return nil
}

// finish follows what was handed on with its Batch and the new unread
// count. Mail handed on is progress: the backoff starts over, so a link
// that cuts every answer is retried soon while it still delivers.
func (f *fetchRun) finish() {
	if f.sent == 0 {
		return
	}
	sv := f.s.sv
	sv.logger.Debug("new mail", "mailbox", f.mbox, "count", f.sent, "catch_up", f.catchUp)
	sv.send(f.ctx, &Batch{Account: sv.cfg.Name, Mailbox: f.mbox, Count: f.sent, CatchUp: f.catchUp})
	if f.m.unseen >= 0 && f.newUnseen > 0 {
		f.s.report(f.ctx, f.mbox, f.m.unseen+f.newUnseen)
	}
	f.s.backoff.reset()
}

// searchUIDs lists the UIDs of set at or above from, ascending.
func (s *session) searchUIDs(set imap.UIDSet, from uint32) ([]imap.UID, error) {
	var data *imap.SearchData
	err := s.await("search fetch", func() (err error) {
		data, err = s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
		return err
	})
	if err != nil {
		return nil, s.commandErr("search fetch", err)
	}
	var uids []imap.UID
	for _, u := range data.AllUIDs() {
		if uint32(u) >= from && u != 0 {
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
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
