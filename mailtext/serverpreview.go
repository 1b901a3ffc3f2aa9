package mailtext

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// ServerPreview turns the text a server sent for FETCH PREVIEW (RFC 8970:
// at most 256 characters of the message's text, lines joined, quoted lines
// left out) of the part p into a preview line, cleaned as Preview cleans
// its own; ok is false when that text cannot stand for Preview of the
// part, and the caller reads the part itself. The server must have made
// its preview from p (p.ServerPreviewed).
//
//   - C1 control characters (U+0080–U+009F) are read as the bytes they were,
//     in p's charset as the WHATWG Encoding Standard reads it: a server that
//     takes an iso-8859-1 label literally (Dovecot does) turns Outlook's
//     € “ ” … into them, where WHATWG reads windows-1252;
//   - inline OpenPGP armor (the "BEGIN PGP SIGNED MESSAGE" line with its
//     Hash: and Charset: headers, dash-escaping, signature and message
//     blocks) is removed from the joined lines;
//   - of an HTML part, the text ends at a "-- " signature separator, a first
//     copy of subject (the page's <title>, which Dovecot puts first) is
//     dropped, and the space Dovecot puts between an inline element and
//     "." "," ")" goes: reading an HTML part instead costs up to MaxFetch
//     bytes, so its preview is taken with these repairs;
//   - a text cut at the server's limit (200 characters, Dovecot's) ends in
//     "…", as Preview ends a text Clean cut;
//   - then it is cleaned and capped at MaxPreviewRunes, as Clean does.
//
// ok is false when the text is empty (a text/plain alternative left empty,
// or a part the server made nothing of), holds U+FFFD (bytes the server
// could not decode: an unknown or RFC 2231 charset label, 8-bit bytes under
// us-ascii), is longer than RFC 8970 allows, begins with ">" (Dovecot's
// mark for a text of quoted lines only), or holds armor with a Version:,
// Comment: or MessageID: header, whose end cannot be told from the text
// once the lines are joined, or holds a word ending with ':': the server
// leaves out the quoted lines but keeps the attribution line before them
// ("Bob wrote:"), which Preview leaves out with the quote, and once the
// lines are joined an attribution cannot be told from a "Note:" in the
// text (of an HTML part, only a last word ending with ':' counts: see
// below). Of a text/plain part, whose first bytes cost
// about what the preview does, it is false also for a "--" word after the
// first: a signature separator's line and a dash in the text read the same
// once the lines are joined. It is false too for a text that begins with
// "--": a part that is only a signature shows nothing, and the next text
// part is read (see Fallback).
func ServerPreview(text string, p TextPart, subject string) (preview string, ok bool) {
	if strings.TrimSpace(text) == "" || len(text) > maxServerPreview || !utf8.ValidString(text) ||
		strings.ContainsRune(text, utf8.RuneError) || strings.HasPrefix(text, ">") {
		return "", false
	}
	text = mapC1(text, p.Charset)
	if utf8.RuneCountInString(text) >= serverPreviewRunes {
		// Marks the cut, unless what ends there is removed below (a
		// signature block, a signature).
		text += cutMark
	}
	if text, ok = stripJoinedArmor(text); !ok {
		return "", false
	}
	words := strings.Fields(text)
	if len(words) > 0 && words[0] == "--" {
		return "", false
	}
	colon := func(w string) bool { return strings.HasSuffix(strings.TrimSuffix(w, cutMark), ":") }
	// Of a text/plain part, any such word: reading its first bytes costs
	// about what the preview does. Of an HTML part, whose reading can run
	// to 64 KB past a head and style sheet, only a last word: the server
	// left out the quote that followed it, and a "Note:" in the text keeps
	// the server's preview.
	if (!p.HTML && slices.ContainsFunc(words, colon)) || (p.HTML && len(words) > 0 && colon(words[len(words)-1])) {
		return "", false
	}
	switch {
	case p.HTML:
		if w := strings.Fields(subject); len(w) > 0 && hasPrefixFold(words, w) {
			words = words[len(w):]
		}
		text = tagSpace.ReplaceAllString(cutSignature(words), "$1$2")
	case len(words) > 1 && slices.Contains(words[1:], "--"):
		return "", false
	default:
		text = strings.ReplaceAll(text, escapedDashes, "-")
	}
	cut := strings.HasSuffix(text, cutMark)
	preview = Clean(strings.TrimSuffix(text, cutMark), MaxPreviewRunes)
	if cut && preview != "" && !strings.HasSuffix(preview, "…") {
		// As Clean ends a text it cuts: the last rune gives way to "…".
		r := []rune(preview)
		preview = strings.TrimRight(string(r[:min(len(r), MaxPreviewRunes)-1]), " ") + "…"
	}
	return preview, true
}

const (
	// serverPreviewRunes is where Dovecot cuts its preview
	// (BODY_SNIPPET_MAX_CHARS): a text that long was cut.
	serverPreviewRunes = 200
	// maxServerPreview bounds a PREVIEW in bytes: RFC 8970 allows 256
	// characters, of at most 4 bytes each.
	maxServerPreview = 1024
)

// mapC1 reads each C1 control character as the byte of its code point in
// the charset label as WHATWG reads it (windows-1252 for iso-8859-1,
// us-ascii and latin1): what Preview makes of that byte. A byte that is a
// control there too, or no character of its own (a lead byte of GBK),
// stays a control, which Clean drops. Under a label Preview reads as
// UTF-8 first (none, us-ascii, utf-8) a C1 character was one in the text.
func mapC1(s, label string) string {
	if !strings.ContainsFunc(s, isC1) || isLaxLabel(label) {
		return s
	}
	e := lookup(label)
	if e == nil {
		return s
	}
	dec := e.NewDecoder()
	return strings.Map(func(r rune) rune {
		if isC1(r) {
			out, err := dec.Bytes([]byte{byte(r)})
			if m, n := utf8.DecodeRune(out); err == nil && n == len(out) && m != utf8.RuneError {
				return m
			}
		}
		return r
	}, s)
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9F }

var (
	// Dovecot's HTML to text puts a space where an inline element ends or
	// begins: "Track it <a>here</a>." reads "Track it here ." Before "."
	// "," and ")" and after "(" no text has one (French puts spaces before
	// "!", "?", ";" and ":", so those stay).
	tagSpace = regexp.MustCompile(`(\() | ([.,)])`)
	// The armor header line of a cleartext-signed message and the headers
	// of one token that may follow it (RFC 4880 §7, §6.2).
	signedArmor = regexp.MustCompile(`-----BEGIN PGP SIGNED MESSAGE-----(?:\s+(?:Hash|Charset):[ \t]*\S+)*`)
	// Armor headers whose value is free text: with the lines joined, their
	// end is not known.
	freeArmorHeader = regexp.MustCompile(`^\s*(?:Version|Comment|MessageID):`)
	// A signature, message or key block, to its END line or the end of a
	// text that was cut inside it.
	armorBlock = regexp.MustCompile(`(?s)-----BEGIN PGP [A-Z ]+-----.*?(?:-----END PGP [A-Z ]+-----|$)`)
	// A dash-escaped line's "- " (RFC 4880 §7.1), lines joined: it marks
	// the "--" after it as text, not a signature separator.
	dashEscape = regexp.MustCompile(`(^|\s)- (-)`)
)

// escapedDashes stands for a dash-escaped "--" until cutSignature has
// looked for the separator; U+E000 is a private-use character no preview
// from a server holds.
const escapedDashes = "\uE000"

// cutMark stands for the end of a preview the server cut, through the
// repairs of an HTML part's preview; U+E001 is a private-use character.
const cutMark = "\uE001"

// stripJoinedArmor is stripArmor for text whose lines a server joined with
// spaces; ok is false for armor it cannot strip (see ServerPreview).
func stripJoinedArmor(s string) (string, bool) {
	if !strings.Contains(s, "-----BEGIN PGP") {
		return s, true
	}
	if loc := signedArmor.FindStringIndex(s); loc != nil {
		if freeArmorHeader.MatchString(s[loc[1]:]) {
			return "", false
		}
		s = s[:loc[0]] + " " + dashEscape.ReplaceAllString(s[loc[1]:], "$1"+escapedDashes)
	}
	return armorBlock.ReplaceAllString(s, " "), true
}

// cutSignature joins words up to a "-- " signature separator (a word "--"
// after the first), as stripArmor ends a text at such a line.
func cutSignature(words []string) string {
	for i, w := range words {
		if w == "--" && i > 0 {
			words = words[:i]
			break
		}
	}
	return strings.ReplaceAll(strings.Join(words, " "), escapedDashes, "-")
}

func hasPrefixFold(words, prefix []string) bool {
	if len(prefix) > len(words) {
		return false
	}
	for i, p := range prefix {
		if !strings.EqualFold(words[i], p) {
			return false
		}
	}
	return true
}
