package imapwatch

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"idlebell/mailtext"
)

// What is fetched per new mail (measured in make bench, "Bytes per new
// mail" and "Real-world shapes"):
//
//  1. UID, FLAGS (for the unseen count), BODY — the non-extensible
//     BODYSTRUCTURE, without boundaries and dispositions, a third of the
//     bytes for an Outlook message with attachments — the raw header fields
//     mailtext reads (raw, so that 8-bit bytes and unquoted commas reach
//     mailtext as the sender wrote them; ENVELOPE carries To, Cc and
//     In-Reply-To that no bubble shows, and servers put placeholders such as
//     MISSING_DOMAIN in its addresses; at most maxHeaderFields bytes of
//     them), and BODY.PEEK[1]<0.160>: part 1 is
//     the text of a single-part message and of most multipart/alternative
//     ones, so most mail needs no second round trip. It is used only when
//     the structure says part 1 is the part mailtext.ChoosePart picks.
//  2. Otherwise BODY.PEEK[<part>]<0.160> of the chosen part, one command per
//     part number for a whole batch; a part whose first bytes show nothing
//     readable (an HTML head) is read on by mailtext.NextFetch; and Sender
//     and Reply-To, only for mail whose From is empty or only groups.
//     Where the server advertises PREVIEW (RFC 8970: Dovecot, Cyrus), an
//     HTML part not yet read, or a part whose first bytes show nothing
//     readable, is asked for its PREVIEW instead (see wantsServerPreview):
//     a few hundred bytes where a newsletter's <head> and style sheet cost
//     10–50 KB. A PREVIEW that is no good (mailtext.ServerPreview) falls
//     back to reading the part.

// maxHeaderFields bounds the header fields fetched per mail. Without a
// bound, a sender who writes 120 KB of Subject makes the server answer with
// a literal above the guard's limit, which closes the connection at every
// attempt: the mailbox would announce nothing more. Those four fields of
// real mail take a few hundred bytes; a subject is shown up to 998
// characters. The largest four-digit size, as each byte of the command
// counts in the 1 KB a new mail may cost.
const maxHeaderFields = 9999

var headerFields = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: mailtext.HeaderFields,
	Peek:         true,
	Partial:      &imap.SectionPartial{Offset: 0, Size: maxHeaderFields},
}

var fallbackFields = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: mailtext.FallbackFields,
	Peek:         true,
	Partial:      &imap.SectionPartial{Offset: 0, Size: maxHeaderFields},
}

// firstPart is the speculative BODY.PEEK[1]<0.N> of the first round trip.
var firstPart = &imap.FetchItemBodySection{
	Part:    []int{1},
	Peek:    true,
	Partial: &imap.SectionPartial{Offset: 0, Size: mailtext.FirstFetch},
}

var fetchNewOptions = &imap.FetchOptions{
	UID:           true,
	Flags:         true, // the unseen count follows without a STATUS
	BodyStructure: &imap.FetchItemBodyStructure{Extended: false},
	BodySection:   []*imap.FetchItemBodySection{headerFields, firstPart},
}

// leanFetchOptions are fetchNewOptions without the structure, and so
// without a preview: for the fetch after one whose answer was too large to
// read. The structure is the one item whose size the sender decides and
// no partial bounds (3,000 parts with long names make a line over 1 MiB).
var leanFetchOptions = &imap.FetchOptions{
	UID:         true,
	Flags:       true,
	BodySection: []*imap.FetchItemBodySection{headerFields},
}

// fetchOptions is what the first round trip of a new-mail FETCH asks for.
func (m *mark) fetchOptions() *imap.FetchOptions {
	if m.lean {
		return leanFetchOptions
	}
	return fetchNewOptions
}

// pendingMail is a new mail whose preview (and, rarely, sender) is still
// to be fetched.
type pendingMail struct {
	rd       *mailReader
	ev       *NewMail
	header   []byte // the raw header fields, for a second reading with Sender and Reply-To
	charset  string // the message's text charset, for raw 8-bit header bytes
	part     mailtext.TextPart
	hasPart  bool
	data     []byte // the part's first bytes fetched so far
	complete bool   // data is the whole part
	noSender bool   // From is empty or only groups: Sender and Reply-To are wanted
	unseen   bool   // without \Seen

	previewAsked bool   // the server's PREVIEW was fetched, whatever it said
	fromServer   bool   // serverText is the preview: the part is not read
	serverText   string // the server's PREVIEW as mailtext.ServerPreview cleaned it
}

// newPendingMail builds the NewMail of one message from the first round
// trip's items; its Preview waits for fetchPreviews. Reading them does not
// panic (see mailReader).
func newPendingMail(rd *mailReader, account, mbox string, validity uint32, buf *imapclient.FetchMessageBuffer, catchUp bool) *pendingMail {
	p := &pendingMail{rd: rd, ev: &NewMail{Account: account, Mailbox: mbox, UID: uint32(buf.UID), UIDValidity: validity, CatchUp: catchUp},
		unseen: !slices.Contains(buf.Flags, imap.FlagSeen)}
	if buf.BodyStructure != nil {
		rd.step(p, "structure", func() { p.part, p.charset, p.hasPart = rd.text.choosePart(buf.BodyStructure) })
	}
	if p.hasPart && slices.Equal(p.part.Path, firstPart.Part) {
		if data := buf.FindBodySection(firstPart); data != nil {
			p.data = data
			p.complete = uint32(len(data)) < mailtext.FirstFetch
		}
	}
	p.header = buf.FindBodySection(headerFields)
	p.noSender = p.setHeaders().NoFrom
	return p
}

// wants is how many more bytes of the chosen part the preview needs (0:
// none), after switching to the part's alternative when the part read to
// its end shows nothing.
func (p *pendingMail) wants() uint32 {
	if !p.hasPart || p.fromServer {
		return 0
	}
	var n uint32
	p.rd.step(p, "text", func() {
		if alt, ok := p.rd.text.fallback(p.part, p.data, p.complete); ok {
			p.part, p.data, p.complete = alt, nil, false
		}
		n = p.rd.text.nextFetch(p.part, p.data, p.complete)
	})
	return n
}

// ready reports whether the first round trip brought all the mail needs:
// no part to fetch, no Sender or Reply-To to look at.
func (p *pendingMail) ready() bool { return !p.noSender && p.wants() == 0 }

// wantsServerPreview says whether the server's PREVIEW should stand in
// for reading the part, given that it wants more bytes: the part is
// where a server makes its preview from (the message's first text part),
// and it is an HTML part not read yet (its first bytes are a <head> more
// often than not) or a part whose first bytes show nothing readable. A
// part that begins with OpenPGP armor is read: its armor headers cannot be
// told from the text in a PREVIEW.
func (p *pendingMail) wantsServerPreview() bool {
	if p.previewAsked || !p.part.FirstText {
		return false
	}
	if len(p.data) == 0 {
		return p.part.HTML
	}
	return !bytes.Contains(p.data, []byte("-----BEGIN PGP"))
}

// setServerPreview takes the server's PREVIEW text as the preview when
// mailtext finds it good; an HTML part's title, which repeats the subject,
// is dropped.
func (p *pendingMail) setServerPreview(text string) {
	var leading []string
	if p.part.HTML {
		leading = []string{p.ev.Subject}
	}
	p.rd.step(p, "server preview", func() { p.serverText, p.fromServer = p.rd.text.serverPreview(text, leading...) })
}

// setPreview makes the preview from the server's PREVIEW or the part's
// bytes fetched.
func (p *pendingMail) setPreview() {
	switch {
	case p.fromServer:
		p.ev.Preview = p.serverText
	case p.hasPart:
		p.rd.step(p, "preview", func() { p.ev.Preview = p.rd.text.preview(p.part, p.data, p.complete) })
	}
}

func (p *pendingMail) setHeaders() mailtext.Headers {
	h, _ := p.rd.headers(p.header, p.charset, p.ev.Mailbox, p.ev.UID)
	p.ev.FromName, p.ev.FromAddress = h.FromName, h.FromAddress
	p.ev.Subject, p.ev.Date, p.ev.MessageID = h.Subject, h.Date, h.MessageID
	return h
}

// fetchItems is the first round trip for UIDs already known (the tail of
// a large burst).
func (s *session) fetchItems(account, mbox string, validity uint32, uids []imap.UID, catchUp bool, opts *imap.FetchOptions) ([]*pendingMail, error) {
	wd := s.watchdog()
	defer wd.stop()
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), opts)
	var out []*pendingMail
	if err := collectEach(cmd, func(buf *imapclient.FetchMessageBuffer) error {
		if slices.Contains(uids, buf.UID) {
			out = append(out, newPendingMail(s.sv.reader, account, mbox, validity, buf, catchUp))
		}
		return nil
	}); err != nil {
		return nil, s.fetchErr(wd, err)
	}
	slices.SortFunc(out, func(a, b *pendingMail) int { return int(a.ev.UID) - int(b.ev.UID) })
	return out, nil
}

// fetchPreviews fetches the chosen part's first bytes of every mail of a
// batch, for the previews made when they are handed on: one UID FETCH per
// part number and offset, repeated while mailtext.NextFetch wants more of
// some part, and one UID FETCH of PREVIEW for the mails whose server
// preview stands in for reading on (see wantsServerPreview). Mail whose
// From is empty or only groups gets its Sender and Reply-To fields here
// too.
func (s *session) fetchPreviews(batch []*pendingMail) error {
	if err := s.fetchFallbackFields(batch); err != nil {
		return err
	}
	serverPreview := s.c.Caps().Has(imap.CapPreview)
	for {
		type key struct {
			path      string
			off, size uint32
		}
		groups := map[key][]*pendingMail{}
		var order []key
		var previews []*pendingMail
		for _, p := range batch {
			n := p.wants()
			if n == 0 {
				continue
			}
			if serverPreview && p.wantsServerPreview() {
				previews = append(previews, p)
				continue
			}
			k := key{fmt.Sprint(p.part.Path), uint32(len(p.data)), n}
			if groups[k] == nil {
				order = append(order, k)
			}
			groups[k] = append(groups[k], p)
		}
		if len(order) == 0 && len(previews) == 0 {
			break
		}
		if len(previews) > 0 {
			if err := s.fetchServerPreviews(previews); err != nil {
				return err
			}
		}
		for _, k := range order {
			if err := s.fetchPart(groups[k], k.off, k.size); err != nil {
				return err
			}
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
	s.g.allowLiteral(int64(size) + literalSlack)
	wd := s.watchdog()
	defer wd.stop()
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{item}})
	if err := collectEach(cmd, func(buf *imapclient.FetchMessageBuffer) error {
		p := byUID[buf.UID]
		if p == nil {
			return nil
		}
		chunk := buf.FindBodySection(item)
		p.data = append(p.data, chunk...)
		p.complete = uint32(len(chunk)) < size
		return nil
	}); err != nil {
		return s.fetchErr(wd, err)
	}
	return nil
}

// fetchServerPreviews fetches the PREVIEW (RFC 8970) of mails; each that
// the server answers with a good one is done, the others read their part
// as if the server had none.
func (s *session) fetchServerPreviews(ps []*pendingMail) error {
	var uids []imap.UID
	byUID := map[imap.UID]*pendingMail{}
	for _, p := range ps {
		uids = append(uids, imap.UID(p.ev.UID))
		byUID[imap.UID(p.ev.UID)] = p
		p.previewAsked = true
	}
	wd := s.watchdog()
	defer wd.stop()
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{Preview: &imap.FetchItemPreview{}})
	if err := collectEach(cmd, func(buf *imapclient.FetchMessageBuffer) error {
		if p := byUID[buf.UID]; p != nil && buf.Preview != nil {
			p.setServerPreview(*buf.Preview)
		}
		return nil
	}); err != nil {
		return s.fetchErr(wd, err)
	}
	return nil
}

// fetchFallbackFields fetches Sender and Reply-To of the mails whose From
// is empty or only groups, and reads their headers again with them.
func (s *session) fetchFallbackFields(batch []*pendingMail) error {
	byUID := map[imap.UID]*pendingMail{}
	var uids []imap.UID
	for _, p := range batch {
		if p.noSender {
			uids = append(uids, imap.UID(p.ev.UID))
			byUID[imap.UID(p.ev.UID)] = p
		}
	}
	if len(uids) == 0 {
		return nil
	}
	wd := s.watchdog()
	defer wd.stop()
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{fallbackFields}})
	if err := collectEach(cmd, func(buf *imapclient.FetchMessageBuffer) error {
		if p := byUID[buf.UID]; p != nil {
			// The blocks end in an empty line: the first one's ends the header.
			hdr := bytes.TrimRight(p.header, "\r\n")
			if len(hdr) > 0 {
				hdr = append(hdr[:len(hdr):len(hdr)], '\r', '\n')
			}
			p.header = append(hdr, buf.FindBodySection(fallbackFields)...)
			p.setHeaders()
		}
		return nil
	}); err != nil {
		return s.fetchErr(wd, err)
	}
	return nil
}
