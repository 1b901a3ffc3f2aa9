package mailtext

import (
	"net/url"
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
	// Alt is the first text/html part when this is a text/plain one: what
	// to read when this part shows nothing (an empty text alternative).
	Alt *TextPart
	// FirstText says this is the message's first text part of any subtype,
	// in order, outside forwarded messages (message/rfc822): the part a
	// server makes its PREVIEW (RFC 8970) from, so that preview tells of
	// this part. Dovecot takes the first text part, text/plain before
	// text/html in a multipart/alternative, and nothing inside a
	// message/rfc822.
	FirstText bool
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
	seenText := false
	walkParts(bs, nil, false, func(path []int, sp *imap.BodyStructureSinglePart, forwarded bool) {
		if !strings.EqualFold(sp.Type, "text") {
			return
		}
		first := !seenText && !forwarded
		if !forwarded {
			seenText = true
		}
		cs := charsetParam(sp.Params)
		if textCharset == "" {
			textCharset = cs
		}
		sub := strings.ToLower(sp.Subtype)
		if sub != "plain" && sub != "html" {
			return
		}
		tp := &TextPart{Path: append([]int(nil), path...), HTML: sub == "html", Charset: cs,
			Encoding: strings.ToLower(strings.TrimSpace(sp.Encoding)), Size: sp.Size, FirstText: first}
		if isAttachment(sp) {
			if named == nil {
				named = tp
			}
			return
		}
		switch {
		case sub == "plain" && plain == nil:
			plain = tp
		case sub == "html" && html == nil:
			html = tp
		}
	})
	if plain != nil && html != nil {
		plain.Alt = html
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
// Walk stops at the latter); forwarded says the part is inside one. The
// depth is bounded, as a hostile server's structure may nest without end.
func walkParts(bs imap.BodyStructure, path []int, forwarded bool, f func([]int, *imap.BodyStructureSinglePart, bool)) {
	if len(path) > 16 {
		return
	}
	switch bs := bs.(type) {
	case *imap.BodyStructureMultiPart:
		for i, c := range bs.Children {
			walkParts(c, append(path[:len(path):len(path)], i+1), forwarded, f)
		}
	case *imap.BodyStructureSinglePart:
		if len(path) == 0 {
			path = []int{1} // the body of a single-part message is part 1
		}
		if bs.MessageRFC822 != nil && bs.MessageRFC822.BodyStructure != nil {
			inner := bs.MessageRFC822.BodyStructure
			if _, multi := inner.(*imap.BodyStructureMultiPart); multi {
				walkParts(inner, path, true, f)
			} else {
				walkParts(inner, append(path[:len(path):len(path)], 1), true, f)
			}
			return
		}
		f(path, bs, forwarded)
	}
}

// How much of a part is fetched for its preview. The first fetch is small,
// to keep a new mail under 1 KB on the wire; a part whose first bytes give
// no readable line (an HTML head with its style sheet, an armor header) is
// read on in growing steps, up to MaxFetch. Where the server makes
// previews itself (RFC 8970 PREVIEW), imapwatch asks for the server's
// preview instead of reading on, and ServerPreview cleans it.
const (
	FirstFetch  = 160       // bytes: ~160 characters of plain text, more than a bubble shows
	MaxFetch    = 64 * 1024 // bytes: past a newsletter's 50 KB <head> and style sheet, bounded
	enoughRunes = 24        // a preview this long is worth showing as it is
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
	if own, _ := previewText(p, have, false); utf8.RuneCountInString(Clean(own, MaxPreviewRunes)) >= enoughRunes {
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
