package mailtext

import (
	"strings"
	"unicode"
)

// Caps on what this package returns, in runes (Unicode code points).
const (
	// MaxPreviewRunes caps a preview: about two lines of a notification.
	MaxPreviewRunes = 200
	// MaxHeaderRunes caps a subject or a name: RFC 5322 allows 998 bytes per line.
	MaxHeaderRunes = 998
)

// Clean makes untrusted text safe to show: valid UTF-8, no control or
// format characters (bidi overrides and zero-width characters included),
// every run of whitespace one space, no space at either end, at most
// maxRunes runes.
func Clean(s string, maxRunes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if unicode.Is(unicode.Cf, r) {
			continue
		}
		if n >= maxRunes {
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
			if n >= maxRunes {
				break
			}
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimRight(b.String(), " ")
}
