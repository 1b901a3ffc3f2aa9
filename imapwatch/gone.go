package imapwatch

import (
	"context"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// flagsChanged follows a report of changed flags or an expunge: it recounts
// the unread mail and tells the front which announced messages are gone.
func (s *session) flagsChanged(ctx context.Context, mbox string) error {
	if err := s.unseen(ctx, mbox); err != nil {
		return err
	}
	return s.gone(ctx, mbox)
}

// gone asks for the flags of the messages this supervisor announced last
// (at most maxGoneTracked) and reports each one now \Seen or expunged as a
// *Gone, once. It asks by UID rather than following the sequence numbers
// of the server's reports: go-imap hands each unsolicited FETCH to a
// goroutine of its own, so their order against EXPUNGE is lost, and a
// wrong sequence number would withdraw the wrong mail's bubble. The answer
// is one short line per tracked message; the command rides on the DONE and
// IDLE the unread recount needs anyway.
func (s *session) gone(ctx context.Context, mbox string) error {
	sv := s.sv
	m := sv.mark(mbox)
	if len(m.announced) == 0 {
		return nil
	}
	var set imap.UIDSet
	for _, u := range m.announced {
		set.AddNum(imap.UID(u))
	}
	present := map[uint32]bool{} // UID → \Seen
	err := s.await("fetch flags", func() error {
		cmd := s.c.Fetch(set, &imap.FetchOptions{UID: true, Flags: true})
		return collectEach(cmd, func(b *imapclient.FetchMessageBuffer) error {
			if b.UID != 0 {
				present[uint32(b.UID)] = slices.Contains(b.Flags, imap.FlagSeen)
			}
			return nil
		})
	})
	if err != nil {
		return s.commandErr("fetch flags", err)
	}
	_, validity, _ := m.l.position()
	keep := m.announced[:0]
	var gone []*Gone
	for _, u := range m.announced {
		seen, ok := present[u]
		switch {
		case !ok:
			gone = append(gone, &Gone{Account: sv.cfg.Name, Mailbox: mbox, UIDValidity: validity, UID: u, Reason: GoneExpunged})
		case seen:
			gone = append(gone, &Gone{Account: sv.cfg.Name, Mailbox: mbox, UIDValidity: validity, UID: u, Reason: GoneSeen})
		default:
			keep = append(keep, u)
		}
	}
	m.announced = keep
	for _, g := range gone {
		sv.logger.Debug("announced mail gone", "mailbox", mbox, "uid", g.UID, "reason", string(g.Reason))
		if !sv.send(ctx, g) {
			return ctx.Err()
		}
	}
	return nil
}
