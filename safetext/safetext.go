// Package safetext makes untrusted text safe to show on one line: a sender
// or subject from a mail header, a server's words, a host name from a config
// file. It is the one sanitiser idlebell shows such text through.
package safetext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s on one line: invalid UTF-8 replaced by U+FFFD, control
// characters and runs of white space collapsed to one space, format
// characters (Unicode category Cf: bidi overrides and isolates, zero-width
// characters) and U+FFFC removed, trimmed, and at most maxRunes runes, the
// last of them "…" when s was cut. It does not escape markup.
func Line(s string, maxRunes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	n := 0
	cut := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if unicode.Is(unicode.Cf, r) || r == '\uFFFC' {
			continue
		}
		need := 1
		if space {
			need = 2
		}
		if n+need > maxRunes {
			cut = true
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	out := b.String()
	if cut && maxRunes > 0 {
		// Make room for the ellipsis.
		_, size := utf8.DecodeLastRuneInString(out)
		out = strings.TrimRight(out[:len(out)-size], " ") + "…"
	}
	return out
}
