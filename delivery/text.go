package delivery

import (
	"strings"

	"idlebell/i18n"
	"idlebell/safetext"
)

// SafeLine is safetext.Line, the one sanitiser: untrusted text (a sender,
// a subject, a server's words) on one line, at most maxRunes runes. It does
// not escape markup; see EscapeMarkup.
func SafeLine(s string, maxRunes int) string { return safetext.Line(s, maxRunes) }

// EscapeMarkup escapes the characters the notification spec's body markup
// (a subset of HTML: <b>, <i>, <u>, <a href>, <img>) and Pango interpret, so
// a subject such as `<a href="…">` is shown as typed, never as a link.
func EscapeMarkup(s string) string {
	return markupEscaper.Replace(s)
}

var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// SendersPhrase is "from Alice", "from Alice and Bob", "from Alice, Bob and
// Carol", and for more senders "from Alice, Bob and others": a count of
// senders beside a count of messages reads like wrong arithmetic. "" for
// no senders.
func SendersPhrase(names []string) string {
	switch n := len(names); {
	case n == 0:
		return ""
	case n == 1:
		return i18n.T("from %s", names[0])
	case n <= 3:
		return i18n.T("from %s and %s", strings.Join(names[:n-1], ", "), names[n-1])
	default:
		return i18n.T("from %s, %s and others", names[0], names[1])
	}
}
