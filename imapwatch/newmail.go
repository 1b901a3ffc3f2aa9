package imapwatch

import (
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"idlebell/mailtext"
)

// What is fetched per new mail, in two round trips (measured in make bench,
// "Bytes per new mail" and "Real-world shapes"):
//
//  1. UID, FLAGS (for the unseen count), BODY — the non-extensible
//     BODYSTRUCTURE, without boundaries and dispositions, a third of the
//     bytes for an Outlook message with attachments — and the raw header
//     fields mailtext reads: raw, so that 8-bit bytes and unquoted commas
//     reach mailtext as the sender wrote them (ENVELOPE carries To, Cc and
//     In-Reply-To that no bubble shows, and servers put placeholders such as
//     MISSING_DOMAIN in its addresses).
//  2. BODY.PEEK[<part>]<0.200> of the part mailtext.ChoosePart picks, one
//     command per part number for a whole batch; a part whose first bytes
//     show nothing readable (an HTML head) is read on by mailtext.NextFetch.

var headerFields = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: mailtext.HeaderFields,
	Peek:         true,
}

var fetchNewOptions = &imap.FetchOptions{
	UID:           true,
	Flags:         true, // the unseen count follows without a STATUS
	BodyStructure: &imap.FetchItemBodyStructure{Extended: false},
	BodySection:   []*imap.FetchItemBodySection{headerFields},
}

// pendingMail is a new mail whose preview is still to be fetched.
type pendingMail struct {
	ev       *NewMail
	part     mailtext.TextPart
	hasPart  bool
	data     []byte // the part's first bytes fetched so far
	complete bool   // data is the whole part
}

// newPendingMail builds the NewMail of one message from the first round
// trip's items; its Preview waits for fetchPreviews.
func newPendingMail(account, mbox string, validity uint32, buf *imapclient.FetchMessageBuffer, catchUp bool) *pendingMail {
	p := &pendingMail{ev: &NewMail{Account: account, Mailbox: mbox, UID: uint32(buf.UID), UIDValidity: validity, CatchUp: catchUp}}
	charset := ""
	if buf.BodyStructure != nil {
		p.part, charset, p.hasPart = mailtext.ChoosePart(buf.BodyStructure)
	}
	h := mailtext.ParseHeaders(buf.FindBodySection(headerFields), charset)
	p.ev.FromName, p.ev.FromAddress = h.FromName, h.FromAddress
	p.ev.Subject, p.ev.Date, p.ev.MessageID = h.Subject, h.Date, h.MessageID
	return p
}

// fetchItems is the first round trip for UIDs already known (the tail of
// a large burst).
func (s *session) fetchItems(account, mbox string, validity uint32, uids []imap.UID, catchUp bool) ([]*pendingMail, error) {
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), fetchNewOptions)
	var out []*pendingMail
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		buf, err := msg.Collect()
		if err != nil {
			cmd.Close()
			return nil, s.commandErr("fetch", err)
		}
		if slices.Contains(uids, buf.UID) {
			out = append(out, newPendingMail(account, mbox, validity, buf, catchUp))
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, s.commandErr("fetch", err)
	}
	slices.SortFunc(out, func(a, b *pendingMail) int { return int(a.ev.UID) - int(b.ev.UID) })
	return out, nil
}

// fetchPreviews fetches the chosen part's first bytes of every mail of a
// batch and sets their previews: one UID FETCH per part number and offset,
// repeated while mailtext.NextFetch wants more of some part.
func (s *session) fetchPreviews(batch []*pendingMail) error {
	for {
		type key struct {
			path      string
			off, size uint32
		}
		groups := map[key][]*pendingMail{}
		var order []key
		for _, p := range batch {
			if !p.hasPart {
				continue
			}
			n := mailtext.NextFetch(p.part, p.data, p.complete)
			if n == 0 {
				continue
			}
			k := key{fmt.Sprint(p.part.Path), uint32(len(p.data)), n}
			if groups[k] == nil {
				order = append(order, k)
			}
			groups[k] = append(groups[k], p)
		}
		if len(order) == 0 {
			break
		}
		for _, k := range order {
			if err := s.fetchPart(groups[k], k.off, k.size); err != nil {
				return err
			}
		}
	}
	for _, p := range batch {
		if p.hasPart {
			p.ev.Preview = mailtext.Preview(p.part, p.data, p.complete)
		}
	}
	return nil
}

// fetchPart fetches BODY.PEEK[<part>]<off.size> of mails that share the
// part number. A mail the server answers without the section (it was
// expunged meanwhile) keeps what it has.
func (s *session) fetchPart(ps []*pendingMail, off, size uint32) error {
	item := &imap.FetchItemBodySection{
		Part: ps[0].part.Path, Peek: true,
		Partial: &imap.SectionPartial{Offset: int64(off), Size: int64(size)},
	}
	var uids []imap.UID
	byUID := map[imap.UID]*pendingMail{}
	for _, p := range ps {
		uids = append(uids, imap.UID(p.ev.UID))
		byUID[imap.UID(p.ev.UID)] = p
		p.complete = true // unless the answer says otherwise
	}
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{item}})
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
		p := byUID[buf.UID]
		if p == nil {
			continue
		}
		chunk := buf.FindBodySection(item)
		p.data = append(p.data, chunk...)
		p.complete = uint32(len(chunk)) < size
	}
	if err := cmd.Close(); err != nil {
		return s.commandErr("fetch", err)
	}
	return nil
}
