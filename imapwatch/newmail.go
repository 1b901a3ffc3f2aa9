package imapwatch

import (
	"fmt"
	"slices"
	"strings"

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
//     them, and when those end inside a field or before one, each such
//     field alone in a second round trip, see fetchCutFields), and for the
//     preview:
//     - where the server advertises PREVIEW (RFC 8970: Dovecot, Cyrus), the
//       server's PREVIEW. It stands for the part mailtext.ChoosePart picks
//       when the server made it from that part (TextPart.ServerPreviewed:
//       the first text part, also in nested multiparts and in
//       multipart/alternative) and mailtext.ServerPreview finds it good, so
//       that one round trip brings plain, nested and HTML mail alike,
//       without reading an HTML part past its <head> and style sheet;
//     - elsewhere BODY.PEEK[1]<0.160>: part 1 is the text of a single-part
//       message and of most multipart/alternative ones, so most mail needs
//       no second round trip. It is used only when the structure says part
//       1 is the part mailtext.ChoosePart picks.
//  2. Otherwise BODY.PEEK[<part>]<0.160> of the chosen part, one command per
//     part number for a whole batch; a part whose first bytes show nothing
//     readable (an HTML head) is read on by mailtext.NextFetch; and Sender
//     and Reply-To, only for mail whose From is empty or only groups. A
//     PREVIEW of an empty text/plain alternative sends the reading to its
//     HTML alternative at once.

// maxHeaderFields bounds the header fields fetched per mail. Without a
// bound, a sender who writes 120 KB of Subject makes the server answer with
// a literal above the guard's limit, which closes the connection at every
// attempt: the mailbox would announce nothing more. Those four fields of
// real mail take a few hundred bytes; a subject is shown up to 998
// characters. The largest four-digit size, as each byte of the command
// counts in the 1 KB a new mail may cost. The fields a full window cut or
// left out are fetched each alone (fetchCutFields).
const maxHeaderFields = mailtext.HeaderWindow

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

// previewFetchOptions are fetchNewOptions for a server with PREVIEW: the
// server's preview in place of part 1's first bytes.
var previewFetchOptions = &imap.FetchOptions{
	UID:           true,
	Flags:         true,
	BodyStructure: &imap.FetchItemBodyStructure{Extended: false},
	BodySection:   []*imap.FetchItemBodySection{headerFields},
	Preview:       &imap.FetchItemPreview{},
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

// fetchOptions is what the first round trip of a new-mail FETCH of m's
// mailbox asks for.
func (s *session) fetchOptions(m *mark) *imap.FetchOptions {
	switch {
	case m.lean:
		return leanFetchOptions
	case s.c.Caps().Has(imap.CapPreview):
		return previewFetchOptions
	}
	return fetchNewOptions
}

// pendingMail is a new mail whose preview (and, rarely, sender) is still
// to be fetched.
type pendingMail struct {
	rd       *mailReader
	ev       *NewMail
	charset  string // the message's text charset, for raw 8-bit header bytes
	part     mailtext.TextPart
	hasPart  bool
	data     []byte // the part's first bytes fetched so far
	complete bool   // data is the whole part
	noSender bool   // From is empty or only groups: Sender and Reply-To are wanted
	unseen   bool   // without \Seen

	fromServer bool   // serverText is the preview: the part is not read
	serverText string // the server's PREVIEW as mailtext.ServerPreview cleaned it

	header  []mailtext.HeaderBlock // the raw header fields fetched so far (headerfields.go)
	refetch []string               // header fields the first window cut or left out, to fetch alone
	legacy  *mailtext.TextPart     // the legacy display part to read a protected Subject from
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
	p.setFirstHeader(buf)
	if p.hasPart && buf.Preview != nil && p.part.ServerPreviewed {
		p.setServerPreview(*buf.Preview)
	}
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
// no part to fetch, no header field to fetch alone, no Sender or Reply-To
// to look at, no protected Subject to read.
func (p *pendingMail) ready() bool {
	return !p.noSender && len(p.refetch) == 0 && p.legacy == nil && p.wants() == 0
}

// setServerPreview takes the server's PREVIEW of the chosen part as the
// preview when mailtext finds it good (an HTML part's title, which repeats
// the subject, dropped). An empty PREVIEW of a text/plain part with an HTML
// alternative says that the part shows nothing: the HTML part is read, as
// wants would after reading the empty one.
func (p *pendingMail) setServerPreview(text string) {
	p.rd.step(p, "server preview", func() {
		if strings.TrimSpace(text) == "" && p.part.Alt != nil {
			p.part = *p.part.Alt
			return
		}
		p.serverText, p.fromServer = p.rd.text.serverPreview(text, p.part, p.ev.Subject)
	})
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
// some part. Mail whose From is empty or only groups gets its Sender and
// Reply-To fields here too.
func (s *session) fetchPreviews(batch []*pendingMail) error {
	if err := s.fetchCutFields(batch); err != nil {
		return err
	}
	if err := s.fetchFallbackFields(batch); err != nil {
		return err
	}
	if err := s.fetchProtectedSubjects(batch); err != nil {
		return err
	}
	for {
		type key struct {
			path      string
			off, size uint32
		}
		groups := map[key][]*pendingMail{}
		var order []key
		for _, p := range batch {
			n := p.wants()
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
			p.header = append(p.header, mailtext.NewHeaderBlock(buf.FindBodySection(fallbackFields), maxHeaderFields))
			p.setHeaders()
		}
		return nil
	}); err != nil {
		return s.fetchErr(wd, err)
	}
	return nil
}
