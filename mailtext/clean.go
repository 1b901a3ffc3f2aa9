package mailtext

import (
	"strings"

	"idlebell/safetext"
)

// Caps on what this package returns, in runes (Unicode code points).
const (
	// MaxPreviewRunes caps a preview: about two lines of a notification.
	MaxPreviewRunes = 200
	// MaxHeaderRunes caps a subject or a name: RFC 5322 allows 998 bytes per line.
	MaxHeaderRunes = 998
)

// Clean makes untrusted text safe to show: safetext.Line, the sanitiser
// every front shows text through (valid UTF-8, no control or format
// characters, whitespace collapsed and trimmed, at most maxRunes runes, the
// last "…" when cut).
func Clean(s string, maxRunes int) string { return safetext.Line(s, maxRunes) }

// maxWordCut bounds, in runes, how much of a cut text's last word
// CleanWords gives back to end at a word boundary: a text without spaces
// (Chinese, Japanese, a long token) is cut where Clean cuts it.
const maxWordCut = 40

// CleanWords is Clean for a text cut to a line, a subject: a text longer
// than maxRunes ends at its last whole word within them, marked "…", as
// a header value the window cut is shown (cutText); cut says it was cut.
func CleanWords(s string, maxRunes int) (out string, cut bool) {
	out = Clean(s, len(s)+1) // never cut: no more runes than bytes
	r := []rune(out)
	if len(r) <= maxRunes {
		return out, false
	}
	keep := max(maxRunes-1, 0) // room for "…"
	if r[keep] != ' ' {
		// The cut is inside a word: end at the space before it.
		for i := keep - 1; i > 0 && keep-i <= maxWordCut; i-- {
			if r[i] == ' ' {
				keep = i
				break
			}
		}
	}
	return strings.TrimRight(string(r[:keep]), " ") + "…", true
}
