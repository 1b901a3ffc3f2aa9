package ui

import (
	"fmt"
	"strings"

	"idlebell/safetext"
)

// Caps for bubble text. Daemons truncate or wrap on their own; these keep a
// hostile header from filling the screen or the bus.
const (
	maxTitleRunes = 100
	maxBodyRunes  = 300
)

// safeLine is safetext.Line, the one sanitiser: untrusted text (a sender,
// a subject, a server's words) on one line, at most maxRunes runes. It does
// not escape markup; see escapeMarkup.
func safeLine(s string, maxRunes int) string { return safetext.Line(s, maxRunes) }

// escapeMarkup escapes the characters the notification spec's body markup
// (a subset of HTML: <b>, <i>, <u>, <a href>, <img>) and Pango interpret, so
// a subject such as `<a href="…">` is shown as typed, never as a link.
func escapeMarkup(s string) string {
	return markupEscaper.Replace(s)
}

var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// sendersPhrase is "from Alice", "from Alice and Bob", "from Alice, Bob and
// Carol", "from Alice, Bob and 4 others"; "" for no senders.
func sendersPhrase(names []string) string {
	switch n := len(names); {
	case n == 0:
		return ""
	case n == 1:
		return "from " + names[0]
	case n <= 3:
		return "from " + strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	default:
		other := "others"
		if n-2 == 1 {
			other = "other"
		}
		return fmt.Sprintf("from %s, %s and %d %s", names[0], names[1], n-2, other)
	}
}

// plural is "1 new message", "3 new messages".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
