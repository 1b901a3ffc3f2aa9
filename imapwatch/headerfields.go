package imapwatch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"idlebell/mailtext"
)

// setFirstHeader reads the header fields of the first round trip (at most
// maxHeaderFields bytes of them). When that window was full, the fields
// it cut or left out wait for fetchCutFields; until then From is not
// known to name nobody, so Sender and Reply-To are not wanted yet. A mail
// whose Subject is a placeholder and whose structure shows a legacy
// display part waits for fetchProtectedSubjects.
func (p *pendingMail) setFirstHeader(buf *imapclient.FetchMessageBuffer) {
	first := mailtext.NewHeaderBlock(buf.FindBodySection(headerFields), maxHeaderFields)
	p.header = []mailtext.HeaderBlock{first}
	p.guard("header window", func() { p.refetch = mailtext.Refetch(first, p.charset) })
	p.noSender = p.setHeaders().NoFrom && !slices.Contains(p.refetch, "From")
	if buf.BodyStructure != nil && mailtext.ObscuredSubject(p.ev.Subject) {
		p.guard("legacy display", func() {
			if lp, ok := mailtext.LegacyDisplayPart(buf.BodyStructure); ok {
				p.legacy = &lp
			}
		})
	}
}

// guard runs f, a step of reading p's header fields; a panic there is
// logged (see mailReader) and the mail goes on with what was read.
func (p *pendingMail) guard(step string, f func()) {
	defer func() { p.rd.recovered(recover(), step, p.ev.Mailbox, p.ev.UID) }()
	f()
}

// cutFieldItem is BODY.PEEK[HEADER.FIELDS (<field>)]<0.N>, N the field's
// own bound (mailtext.FieldWindow).
func cutFieldItem(field string) *imap.FetchItemBodySection {
	return &imap.FetchItemBodySection{
		Specifier:    imap.PartSpecifierHeader,
		HeaderFields: []string{field},
		Peek:         true,
		Partial:      &imap.SectionPartial{Offset: 0, Size: int64(mailtext.FieldWindow(field))},
	}
}

// fetchCutFields fetches, for the mails of a batch whose first header
// window was full (a Subject of 20 KB before From, Date and Message-ID),
// each field the window cut or left out alone, each within its own bound:
// one UID FETCH per set of such fields. A cut field is never taken as
// whole (a Message-ID cut before its '>' is none), so without this a long
// Subject would hide the sender, date and Message-ID after it. Ordinary
// mail, whose fields fit the window, is not in it.
func (s *session) fetchCutFields(batch []*pendingMail) error {
	groups := map[string][]*pendingMail{}
	var order []string
	for _, p := range batch {
		if len(p.refetch) == 0 {
			continue
		}
		k := strings.Join(p.refetch, " ")
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], p)
	}
	for _, k := range order {
		if err := s.fetchFields(groups[k]); err != nil {
			return err
		}
	}
	return nil
}

// fetchFields fetches the fields ps[0].refetch names, each alone, of mails
// that share them, and reads their headers again with them.
func (s *session) fetchFields(ps []*pendingMail) error {
	fields := ps[0].refetch
	var items []*imap.FetchItemBodySection
	for _, f := range fields {
		items = append(items, cutFieldItem(f))
	}
	var uids []imap.UID
	byUID := map[imap.UID]*pendingMail{}
	for _, p := range ps {
		uids = append(uids, imap.UID(p.ev.UID))
		byUID[imap.UID(p.ev.UID)] = p
	}
	wd := s.watchdog()
	defer wd.stop()
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: items})
	if err := collectEach(cmd, func(buf *imapclient.FetchMessageBuffer) error {
		if p := byUID[buf.UID]; p != nil {
			for i, item := range items {
				p.header = append(p.header, mailtext.NewHeaderBlock(buf.FindBodySection(item), mailtext.FieldWindow(fields[i])))
			}
		}
		return nil
	}); err != nil {
		return s.fetchErr(wd, err)
	}
	for _, p := range ps {
		p.refetch = nil
		p.noSender = p.setHeaders().NoFrom
	}
	return nil
}

// fetchProtectedSubjects reads, for the mails of a batch whose Subject is
// a placeholder ("...") and whose structure shows a legacy display part
// (a signed mail with protected headers, see mailtext.LegacyDisplayPart),
// that part's first bytes, one UID FETCH per part number, and shows the
// Subject they hold. It runs after every other reading of the header
// fields, which would set the placeholder again. Other mail is not in it.
func (s *session) fetchProtectedSubjects(batch []*pendingMail) error {
	groups := map[string][]*pendingMail{}
	var order []string
	for _, p := range batch {
		if p.legacy == nil {
			continue
		}
		k := fmt.Sprint(p.legacy.Path)
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], p)
	}
	for _, k := range order {
		ps := groups[k]
		item := &imap.FetchItemBodySection{Part: ps[0].legacy.Path, Peek: true,
			Partial: &imap.SectionPartial{Size: mailtext.LegacyDisplayFetch}}
		var uids []imap.UID
		byUID := map[imap.UID]*pendingMail{}
		for _, p := range ps {
			uids = append(uids, imap.UID(p.ev.UID))
			byUID[imap.UID(p.ev.UID)] = p
		}
		if err := s.fetchEach(uids, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{item}}, func(buf *imapclient.FetchMessageBuffer) {
			p := byUID[buf.UID]
			if p == nil || p.legacy == nil {
				return
			}
			lp := *p.legacy
			p.guard("protected subject", func() {
				if subject := mailtext.ProtectedSubject(lp, buf.FindBodySection(item)); subject != "" && mailtext.ObscuredSubject(p.ev.Subject) {
					p.ev.Subject = subject
				}
			})
		}); err != nil {
			return err
		}
		for _, p := range ps {
			p.legacy = nil
		}
	}
	return nil
}

// fetchEach runs one UID FETCH and hands each message's answer to f.
func (s *session) fetchEach(uids []imap.UID, opts *imap.FetchOptions, f func(*imapclient.FetchMessageBuffer)) error {
	wd := s.watchdog()
	defer wd.stop()
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), opts)
	if err := collectEach(cmd, func(buf *imapclient.FetchMessageBuffer) error {
		f(buf)
		return nil
	}); err != nil {
		return s.fetchErr(wd, err)
	}
	return nil
}
