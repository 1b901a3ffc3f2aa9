package mailtext

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// ServerPreview turns the text a server sent for FETCH PREVIEW (RFC 8970:
// at most 256 characters of the message's text, lines joined) into a
// preview line cleaned as Preview cleans its own:
//
//   - C1 control characters (U+0080–U+009F) are read as the windows-1252
//     bytes they were: a server that takes an iso-8859-1 label literally
//     (Dovecot does) turns Outlook's € “ ” … into them, where the WHATWG
//     Encoding Standard reads windows-1252;
//   - inline OpenPGP armor (the "BEGIN PGP SIGNED MESSAGE" line with its
//     Hash: and Charset: headers, dash-escaping, signature and message
//     blocks) is removed, and the text ends at a "-- " signature separator;
//   - a first copy of one of leading is dropped (the subject, which an HTML
//     part's <title> repeats and Dovecot puts first);
//   - then it is cleaned and capped at MaxPreviewRunes, as Clean does.
//
// ok is false when the text is no good, and the caller reads the part
// itself: the server sent nothing readable (an empty string), replaced
// bytes it could not decode (U+FFFD: an unknown or RFC 2231 charset label,
// 8-bit bytes under us-ascii), or the armor carries a Version:, Comment: or
// MessageID: header, whose end cannot be told from the text once the
// server joined the lines. A preview that is empty after the cleaning
// (only a title, or only a signature) is ok: the part would show no more.
func ServerPreview(text string, leading ...string) (preview string, ok bool) {
	if strings.TrimSpace(text) == "" || !utf8.ValidString(text) || strings.ContainsRune(text, utf8.RuneError) {
		return "", false
	}
	text, ok = stripJoinedArmor(mapC1(text))
	if !ok {
		return "", false
	}
	words := strings.Fields(text)
	for _, l := range leading {
		if w := strings.Fields(l); len(w) > 0 && hasPrefixFold(words, w) {
			words = words[len(w):]
			break
		}
	}
	return Clean(cutSignature(words), MaxPreviewRunes), true
}

// mapC1 reads each C1 control character as the windows-1252 byte of its
// code point, as WHATWG's windows-1252 would have; the five bytes that
// windows-1252 leaves undefined stay controls (Clean drops them).
func mapC1(s string) string {
	if !strings.ContainsFunc(s, isC1) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isC1(r) {
			if m := charmap.Windows1252.DecodeByte(byte(r)); m != utf8.RuneError {
				return m
			}
		}
		return r
	}, s)
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9F }

var (
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
