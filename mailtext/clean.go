package mailtext

import "idlebell/safetext"

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
