package imapwatch

import (
	"context"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fetchBatch is how many new messages are handed on between two watermark
// saves; a crash in a burst repeats at most this many announcements.
const fetchBatch = 100

// previewHeader is the part of the header the preview decoder needs.
var previewHeader = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: []string{"Content-Type", "Content-Transfer-Encoding"},
	Peek:         true,
}

var previewText = &imap.FetchItemBodySection{
	Specifier: imap.PartSpecifierText,
	Partial:   &imap.SectionPartial{Offset: 0, Size: previewBytes},
	Peek:      true,
}

var fetchNewOptions = &imap.FetchOptions{
	UID:         true,
	Flags:       true, // the unseen count follows without a STATUS
	Envelope:    true,
	BodySection: []*imap.FetchItemBodySection{previewHeader, previewText},
}

// fetchNew fetches every message with UID >= the watermark from the selected
// mailbox, hands each on once, and advances the watermark as it goes. The
// answer streams: memory stays bounded however many messages there are.
// It adds the new messages without \Seen to the mailbox's known unseen count.
func (s *session) fetchNew(ctx context.Context, mbox string, catchUp bool) error {
	sv := s.sv
	m := sv.marks[mbox]
	if mb := s.c.Mailbox(); mb != nil && mb.NumMessages == 0 {
		return nil
	}
	newUnseen := int64(0)
	// "n:*" also returns the highest message when its UID is below n; the
	// uid < m.next filter below drops it.
	set := imap.UIDSet{imap.UIDRange{Start: imap.UID(m.next), Stop: 0}}
	cmd := s.c.Fetch(set, fetchNewOptions)
	sent, inOrder := 0, true
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		buf, err := msg.Collect()
		if err != nil {
			cmd.Close()
			return s.commandErr("fetch", err)
		}
		uid := uint32(buf.UID)
		if uid < m.next {
			if uid != 0 && sent > 0 {
				inOrder = false
			}
			continue
		}
		if !slices.Contains(buf.Flags, imap.FlagSeen) {
			newUnseen++
		}
		ev := newMail(sv.cfg.Name, mbox, m.validity, buf, catchUp)
		if !sv.send(ctx, ev) {
			cmd.Close()
			return ctx.Err()
		}
		sent++
		// Answers come in sequence order, which is UID order; only then is
		// "everything below uid+1 was handed on" true mid-stream.
		if inOrder {
			m.next = uid + 1
			if sent%fetchBatch == 0 {
				sv.save(mbox, m)
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return s.commandErr("fetch", err)
	}
	if !inOrder {
		// Conservative: the next fetch re-reads the range, and the dedup by
		// "uid < next" cannot help; this path exists for odd servers only.
		sv.logger.Warn("server answered fetch out of uid order", "mailbox", mbox)
	}
	sv.save(mbox, m)
	if sent > 0 {
		sv.logger.Debug("new mail", "mailbox", mbox, "count", sent, "catch_up", catchUp)
		sv.send(ctx, &Batch{Account: sv.cfg.Name, Mailbox: mbox, Count: sent, CatchUp: catchUp})
		if m.unseen >= 0 && newUnseen > 0 {
			s.report(ctx, mbox, m.unseen+newUnseen)
		}
	}
	return nil
}

func newMail(account, mbox string, validity uint32, buf *imapclient.FetchMessageBuffer, catchUp bool) *NewMail {
	ev := &NewMail{Account: account, Mailbox: mbox, UID: uint32(buf.UID), UIDValidity: validity, CatchUp: catchUp}
	if env := buf.Envelope; env != nil {
		ev.Subject = clean(env.Subject, maxHeaderRunes)
		ev.MessageID = clean(env.MessageID, maxHeaderRunes)
		ev.Date = env.Date
		from := env.From
		if len(from) == 0 {
			from = env.Sender
		}
		if len(from) > 0 {
			ev.FromName = clean(from[0].Name, maxHeaderRunes)
			ev.FromAddress = clean(from[0].Addr(), maxHeaderRunes)
		}
	}
	ev.Preview = Preview(buf.FindBodySection(previewHeader), buf.FindBodySection(previewText))
	return ev
}
