package imapwatch

import "context"

// maxGoneTracked bounds the UIDs per mailbox a connection watches for Gone:
// the bubbles still on screen are those of the last few mails, and each
// tracked UID costs a line (about 30 bytes) in the answer to every flag
// change.
const maxGoneTracked = 20

// announce hands one fetched message on, once per mailbox: a message whose
// Message-ID was announced here before (a server that gave it a second
// UID) is logged and not handed on again; below doubtBelow, messages
// without a Message-ID are recognised by date, sender and subject too.
// inOrder says that every message below this one's UID was seen: only then
// does the hand-on position move past it. It reports whether the message
// was handed on; the error is ctx's when it ended first.
func (s *session) announce(ctx context.Context, m *mark, ev *NewMail, inOrder bool) (bool, error) {
	sv := s.sv
	key, real := mailKey(ev.MessageID, ev.Date, ev.FromAddress, ev.Subject)
	if (real || uint64(ev.UID) < m.doubtBelow) && m.l.seen(key) {
		sv.logger.Info("message announced before under another UID; not again",
			"mailbox", ev.Mailbox, "uid", ev.UID, "message_id", ev.MessageID)
		if inOrder {
			m.l.skip(ev.UID)
		}
		return false, nil
	}
	ev.ack = m.l.handOn(ev.UID, key)
	if !sv.send(ctx, ev) {
		m.l.abandon(ev.ack)
		return false, ctx.Err()
	}
	if inOrder {
		m.l.handedOn(ev.UID)
	}
	m.announced = append(m.announced, ev.UID)
	if len(m.announced) > maxGoneTracked {
		m.announced = m.announced[len(m.announced)-maxGoneTracked:]
	}
	return true, nil
}
