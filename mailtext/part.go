package mailtext

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
)

// TextPart is the body part whose first bytes make a message's preview, as
// ChoosePart found it in the message's BODYSTRUCTURE (RFC 3501 §7.4.2).
type TextPart struct {
	// Path is the IMAP part number: [1] for the body of a single-part
	// message, [1 2] for BODY[1.2]. Never empty.
	Path     []int
	HTML     bool   // text/html (turned to text), else text/plain
	Charset  string // the charset parameter, "" if none
	Encoding string // the Content-Transfer-Encoding, lower case, "" if none
	Size     uint32 // the part's size in bytes, as transferred (encoded)
	// Alt is what to read when this part shows nothing: the next text part
	// a reader would see after it (the HTML alternative of an empty
	// text/plain one, the text of a forwarded message after an empty note),
	// else, for a text/plain part, the first text/html one. Alt's own Alt
	// goes on in the same order, at most maxAlternates parts, never back.
	Alt *TextPart
	// ServerPreviewed says this is the part a server makes its PREVIEW
	// (RFC 8970) from, so that its preview tells of this part (see
	// ServerPreview). RFC 8970 leaves the choice to the server; this is
	// Dovecot's (see serverPreviewPath).
	ServerPreviewed bool
}

// ChoosePart picks the part a reader sees first: the first text/plain part
// that is not an attachment, else the first such text/html part, looking
// into multiparts (multipart/alternative, related, mixed, signed…) and into
// encapsulated messages (message/rfc822) in order. An attachment is a part
// with Content-Disposition attachment or, where the structure carries no
// disposition (the non-extensible BODY form), a part with a file name; if
// only such parts are text, the first of them is taken. ok is false when
// the message has no text part at all (an image, an encrypted message).
//
// textCharset is the charset of the chosen part or, without one, of the
// first text part that has one: the charset to read raw 8-bit header bytes in.
func ChoosePart(bs imap.BodyStructure) (p TextPart, textCharset string, ok bool) {
	var plain, html, named *TextPart
	var order []*TextPart // the text parts that are not attachments, in order
	serverPath, _ := serverPreviewPath(bs, nil)
	walkParts(bs, nil, func(path []int, sp *imap.BodyStructureSinglePart) {
		if !strings.EqualFold(sp.Type, "text") {
			return
		}
		cs := charsetParam(sp.Params)
		if textCharset == "" {
			textCharset = cs
		}
		sub := strings.ToLower(sp.Subtype)
		if sub != "plain" && sub != "html" || isLegacyDisplay(sp) {
			return
		}
		tp := &TextPart{Path: append([]int(nil), path...), HTML: sub == "html", Charset: cs,
			Encoding: strings.ToLower(strings.TrimSpace(sp.Encoding)), Size: sp.Size, ServerPreviewed: slices.Equal(path, serverPath)}
		if isAttachment(sp) {
			if named == nil {
				named = tp
			}
			return
		}
		order = append(order, tp)
		switch {
		case sub == "plain" && plain == nil:
			plain = tp
		case sub == "html" && html == nil:
			html = tp
		}
	})
	switch {
	case plain != nil:
		plain.Alt = alternates(order, plain, html)
	case html != nil:
		html.Alt = alternates(order, html, nil)
	}
	for _, c := range []*TextPart{plain, html, named} {
		if c != nil {
			if c.Charset != "" {
				textCharset = c.Charset
			}
			return *c, textCharset, true
		}
	}
	return TextPart{}, textCharset, false
}

// maxAlternates bounds the parts read in turn while each shows nothing:
// each costs a round trip.
const maxAlternates = 3

// alternates is the chain of parts to read in turn when the chosen part
// shows nothing: the text parts after it in order, else the first HTML
// part when that one is elsewhere (a text/plain part after its HTML
// alternative). The chain is made of copies, so it cannot lead back.
func alternates(order []*TextPart, chosen, firstHTML *TextPart) *TextPart {
	i := slices.Index(order, chosen)
	next := order[i+1:]
	if len(next) == 0 && firstHTML != nil {
		next = []*TextPart{firstHTML}
	}
	next = next[:min(len(next), maxAlternates)]
	var alt *TextPart
	for j := len(next) - 1; j >= 0; j-- {
		c := *next[j]
		c.Alt = alt
		alt = &c
	}
	return alt
}

// charsetParam is the part's charset parameter. Written in RFC 2231's
// form (charset*=us-ascii'pl'iso-8859-2), a server such as Dovecot hands it
// on as it is, beside a charset=us-ascii of its own: the encoded one wins.
func charsetParam(params map[string]string) string {
	v, ok := params["charset*"]
	if !ok {
		return params["charset"]
	}
	if i := strings.LastIndexByte(v, '\''); i >= 0 {
		v = v[i+1:] // after charset'language'
	}
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	if strings.TrimSpace(v) == "" {
		return params["charset"]
	}
	return v
}

func isAttachment(sp *imap.BodyStructureSinglePart) bool {
	if d := sp.Disposition(); d != nil {
		return strings.EqualFold(d.Value, "attachment")
	}
	return sp.Params["name"] != ""
}

// walkParts calls f for every single part in order with its IMAP part
// number, descending into multiparts and message/rfc822 parts (go-imap's
// Walk stops at the latter). The depth is bounded, as a hostile server's
// structure may nest without end.
func walkParts(bs imap.BodyStructure, path []int, f func([]int, *imap.BodyStructureSinglePart)) {
	if len(path) > 16 {
		return
	}
	switch bs := bs.(type) {
	case *imap.BodyStructureMultiPart:
		for i, c := range bs.Children {
			walkParts(c, append(path[:len(path):len(path)], i+1), f)
		}
	case *imap.BodyStructureSinglePart:
		if len(path) == 0 {
			path = []int{1} // the body of a single-part message is part 1
		}
		if bs.MessageRFC822 != nil && bs.MessageRFC822.BodyStructure != nil {
			inner := bs.MessageRFC822.BodyStructure
			if _, multi := inner.(*imap.BodyStructureMultiPart); multi {
				walkParts(inner, path, f)
			} else {
				walkParts(inner, append(path[:len(path):len(path)], 1), f)
			}
			return
		}
		f(path, bs)
	}
}

// serverPreviewPath is the part number of the part Dovecot makes its
// PREVIEW from (index-mail.c, the first text MIME part), found in the
// structure: a single part of type text, of any subtype; in a
// multipart/alternative, among its own children only, the first
// text/plain, else the last text/html, else the last other text part; in
// any other multipart, the first child, in order, that has such a part.
// A message/rfc822 part (a forwarded message) and every other type have
// none, so ok is false for a message that is only a forwarded one.
func serverPreviewPath(bs imap.BodyStructure, path []int) (_ []int, ok bool) {
	if len(path) > 16 {
		return nil, false
	}
	switch bs := bs.(type) {
	case *imap.BodyStructureSinglePart:
		if !strings.EqualFold(bs.Type, "text") {
			return nil, false
		}
		if len(path) == 0 {
			return []int{1}, true // the body of a single-part message is part 1
		}
		return path, true
	case *imap.BodyStructureMultiPart:
		if strings.EqualFold(bs.Subtype, "alternative") {
			var html, other []int
			for i, c := range bs.Children {
				sp, single := c.(*imap.BodyStructureSinglePart)
				if !single || !strings.EqualFold(sp.Type, "text") {
					continue
				}
				child := append(path[:len(path):len(path)], i+1)
				switch strings.ToLower(sp.Subtype) {
				case "plain":
					return child, true
				case "html":
					html = child
				default:
					other = child
				}
			}
			if html != nil {
				return html, true
			}
			return other, other != nil
		}
		for i, c := range bs.Children {
			if p, ok := serverPreviewPath(c, append(path[:len(path):len(path)], i+1)); ok {
				return p, true
			}
		}
	}
	return nil, false
}

// How much of a part is fetched for its preview. The first fetch is small,
// to keep a new mail under 1 KB on the wire; a part whose first bytes give
// no readable line (an HTML head with its style sheet, an armor header) is
// read on in growing steps, up to MaxFetch. Where the server makes
// previews itself (RFC 8970 PREVIEW) and its preview can stand for the
// part's (see ServerPreview), the part is not read at all.
const (
	FirstFetch  = 160       // bytes: ~160 characters of plain text, more than a bubble shows
	MaxFetch    = 64 * 1024 // bytes: past a newsletter's 50 KB <head> and style sheet, bounded
	enoughRunes = 24        // a preview this long is worth showing as it is
	// maxAttributionRunes bounds the cut last line of a prefix that is
	// read on to see whether it introduces a quote: an attribution line
	// with a long name and address is shorter.
	maxAttributionRunes = 100
)

// NextFetch says how many more bytes of p to fetch, from offset len(have),
// given the bytes fetched so far from offset 0; 0 means the preview is
// made. complete says have is the whole part (the server sent fewer bytes
// than asked). Before the first fetch have is nil.
func NextFetch(p TextPart, have []byte, complete bool) uint32 {
	n := uint32(len(have))
	if complete || n >= MaxFetch || p.Size > 0 && n >= p.Size {
		return 0
	}
	if n == 0 {
		return FirstFetch
	}
	own, _ := previewText(p, have, false)
	// A short last line the prefix cut may be the beginning of an
	// attribution line ("On Mon, … Bob <bob@exa"), which goes with the
	// quote after it: read on to see where it ends.
	before, last := "", own
	if i := strings.LastIndexByte(own, '\n'); i >= 0 {
		before, last = own[:i], own[i+1:]
	}
	if utf8.RuneCountInString(Clean(last, MaxPreviewRunes)) < maxAttributionRunes {
		own = before
	}
	if utf8.RuneCountInString(Clean(own, MaxPreviewRunes)) >= enoughRunes {
		return 0
	}
	return min(3*n, MaxFetch-n)
}

// Fallback says which part to read instead of p, given p's bytes fetched
// so far: p.Alt when p is read to the end (NextFetch is 0) and shows
// nothing, as a text/plain alternative left empty by its mailer does.
func Fallback(p TextPart, have []byte, complete bool) (TextPart, bool) {
	if p.Alt == nil || NextFetch(p, have, complete) != 0 || Preview(p, have, complete) != "" {
		return p, false
	}
	return *p.Alt, true
}
