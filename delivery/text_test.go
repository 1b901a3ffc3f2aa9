package delivery

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEscapeMarkup(t *testing.T) {
	in := `<a href="http://evil">click</a> & <b>'x'</b>`
	want := `&lt;a href=&quot;http://evil&quot;&gt;click&lt;/a&gt; &amp; &lt;b&gt;&#39;x&#39;&lt;/b&gt;`
	if got := EscapeMarkup(in); got != want {
		t.Errorf("EscapeMarkup(%q) = %q, want %q", in, got, want)
	}
}

func TestSendersPhrase(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"A"}, "from A"},
		{[]string{"A", "B"}, "from A and B"},
		{[]string{"A", "B", "C"}, "from A, B and C"},
		{[]string{"A", "B", "C", "D"}, "from A, B and others"},
		{[]string{"A", "B", "C", "D", "E", "F"}, "from A, B and others"},
	}
	for _, tt := range tests {
		if got := SendersPhrase(tt.in); got != tt.want {
			t.Errorf("SendersPhrase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzBubbleText: whatever a mail header holds, the bubble text is valid
// UTF-8, has no control or format characters (bidi overrides), stays under
// its cap, and once escaped holds no markup.
func FuzzBubbleText(f *testing.F) {
	for _, s := range []string{"", "Hello", "<b>x</b>", "\u202Eevil", "a\nb", "\xff\xfe", "&amp;", strings.Repeat("é", 400)} {
		f.Add(s, 20)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 1000 {
			max = 1 + (max%1000+1000)%1000
		}
		out := SafeLine(s, max)
		if !utf8.ValidString(out) {
			t.Fatalf("SafeLine(%q) = %q: invalid UTF-8", s, out)
		}
		if n := utf8.RuneCountInString(out); n > max {
			t.Fatalf("SafeLine(%q, %d) has %d runes", s, max, n)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("SafeLine(%q) = %q keeps %U", s, out, r)
			}
		}
		esc := EscapeMarkup(out)
		if strings.ContainsAny(esc, `<>"'`) {
			t.Fatalf("EscapeMarkup(%q) = %q still has markup characters", out, esc)
		}
		// Every & starts an entity we wrote.
		for i := 0; i < len(esc); i++ {
			if esc[i] == '&' {
				rest := esc[i:]
				if !(strings.HasPrefix(rest, "&amp;") || strings.HasPrefix(rest, "&lt;") || strings.HasPrefix(rest, "&gt;") ||
					strings.HasPrefix(rest, "&quot;") || strings.HasPrefix(rest, "&#39;")) {
					t.Fatalf("EscapeMarkup(%q) = %q has a bare &", out, esc)
				}
			}
		}
	})
}
