package imapwatch

import (
	"context"
	"math"
)

// maxGoneTracked bounds the UIDs per mailbox a connection watches for Gone:
// the bubbles still on screen are those of the last few mails, and each
// tracked UID costs a line (about 30 bytes) in the answer to every flag
// change.
const maxGoneTracked = 20

// announce hands one fetched message on, once per mailbox. Where UIDs tell
// old from new — above doubtBelow, with the UIDVALIDITY the watermark has —
// a UID not handed on before is a new mail, whatever its Message-ID: mails
// that share one (a scanner's, a cron job's) are each announced. Below
// doubtBelow, where the server reassigned UIDs (UIDVALIDITY changed, UIDNEXT
// went backwards), a message whose key (see mailKey) was announced before
// is the same message under another UID: logged and not handed on again
// (the key also tells apart different mails that share a Message-ID).
// inOrder says that every message below this one's UID was seen: only then
// does the hand-on position move past it. It reports whether the message
// was handed on; the error is ctx's when it ended first.
func (s *session) announce(ctx context.Context, m *mark, ev *NewMail, inOrder bool) (bool, error) {
	sv := s.sv
	key, old := mailKey(ev.MessageID, ev.Date, ev.FromAddress, ev.Subject)
	if m.l.handedBefore(ev.UID) {
		// A fetch answered out of UID order reads its range again.
		return false, nil
	}
	// UID 4294967295 is in doubt too: a watermark past it is saved as
	// 4294967295 (see ledger.saveLocked), so after a restart it is fetched
	// again, delivered or not.
	if (uint64(ev.UID) < m.doubtBelow || ev.UID == math.MaxUint32) && m.l.seen(key, old) {
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
