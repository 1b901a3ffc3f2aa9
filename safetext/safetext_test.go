package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "Hello", 10, "Hello"},
		{"controls and newlines collapse", "a\r\n\tb\x00\x07c", 10, "a b c"},
		{"bidi override removed", "invoice\u202Egnp.exe", 30, "invoicegnp.exe"},
		{"isolates and zero width removed", "a\u2066b\u2069\u200Bc", 10, "abc"},
		{"object replacement removed", "a\uFFFCb", 10, "ab"},
		{"invalid utf-8 replaced", "a\xffb", 10, "a\uFFFDb"},
		{"cut with ellipsis", "abcdefghij", 5, "abcd…"},
		{"no trailing space before the ellipsis", "abc defgh", 5, "abc…"},
		{"exactly the cap", "abcde", 5, "abcde"},
		{"trim", "  x  ", 5, "x"},
		{"zero cap", "abc", 0, ""},
	}
	for _, tt := range tests {
		if got := Line(tt.in, tt.max); got != tt.want {
			t.Errorf("%s: Line(%q, %d) = %q, want %q", tt.name, tt.in, tt.max, got, tt.want)
		}
	}
}

// FuzzLine: whatever the input, the result is valid UTF-8 with no control
// or format character, within its cap, and neither starts nor ends with a
// space.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "a\u202Eb", "x\r\ny", "\xff\xfe", " lead", "trail "} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1000 {
			return
		}
		got := Line(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("Line(%q, %d) = %q: invalid UTF-8", s, max, got)
		}
		if n := utf8.RuneCountInString(got); n > max {
			t.Fatalf("Line(%q, %d) = %q: %d runes", s, max, got, n)
		}
		if strings.TrimSpace(got) != got {
			t.Fatalf("Line(%q, %d) = %q: not trimmed", s, max, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || (unicode.IsSpace(r) && r != ' ') {
				t.Fatalf("Line(%q, %d) = %q: holds %U", s, max, got, r)
			}
		}
	})
}
