package imapwatch

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPreview(t *testing.T) {
	tests := []struct {
		name   string
		header string
		body   string
		want   string
	}{
		{"plain ascii", "Content-Type: text/plain\r\n", "Hello   world\r\n\r\nbye", "Hello world bye"},
		{"no content type", "", "just text", "just text"},
		{"quoted-printable utf-8", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
			"Gr=C3=BC=C3=9Fe aus M=C3=BCn=\r\nchen", "Grüße aus München"},
		{"base64 latin1", "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n",
			"R3L832U=", "Grüße"},
		{"base64 cut mid-quantum", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
			"SGVsbG8gd29ybGQ", "Hello wor"},
		{"utf-8 cut mid-rune", "Content-Type: text/plain; charset=utf-8\r\n", "ab\xc3", "ab"},
		{"html only", "Content-Type: text/html; charset=utf-8\r\n",
			"<html><head><style>p{color:red}</style></head><body><p>Hi &amp; <b>welcome</b></p></body></html>", "Hi & welcome"},
		{"multipart alternative prefers plain", "Content-Type: multipart/alternative; boundary=\"XX\"\r\n",
			"--XX\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain text\r\n--XX--\r\n", "plain text"},
		{"nested mixed/alternative", "Content-Type: multipart/mixed; boundary=outer\r\n",
			"preamble\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nNested =E2=9C=93\r\n--inner--\r\n--outer--",
			"Nested ✓"},
		{"multipart truncated in part header", "Content-Type: multipart/mixed; boundary=b\r\n", "--b\r\nContent-Type: text/pl", ""},
		{"attachment skipped", "Content-Type: multipart/mixed; boundary=b\r\n",
			"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nsecret file\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b--", "body"},
		{"image only", "Content-Type: image/png\r\n", "\x89PNG...", ""},
		{"control and bidi removed", "Content-Type: text/plain; charset=utf-8\r\n", "a\x1b[31mb\u202ec\u200bd", "a [31mbcd"},
		{"unknown charset kept as is", "Content-Type: text/plain; charset=x-unknown\r\n", "abc", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Preview([]byte(tt.header+"\r\n"), []byte(tt.body))
			if got != tt.want {
				t.Errorf("Preview(%q, %q) = %q, want %q", tt.header, tt.body, got, tt.want)
			}
		})
	}
}

func TestPreviewCapped(t *testing.T) {
	got := Preview([]byte("Content-Type: text/plain; charset=utf-8\r\n\r\n"), bytes.Repeat([]byte("ü "), 500))
	if n := utf8.RuneCountInString(got); n != PreviewMaxRunes {
		t.Errorf("len(Preview(1000 runes)) = %d runes, want %d", n, PreviewMaxRunes)
	}
}

func TestCleanHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=?utf-8?q?Gr=C3=BC=C3=9Fe?=", "Grüße"},
		{"=?iso-8859-1?q?M=FCnchen?=", "München"},
		{"=?windows-1252?q?=80_price?=", "€ price"},
		{"=?koi8-r?b?8NLJ18XU?=", "Привет"},
		{"=?x-bogus?q?abc?=", "=?x-bogus?q?abc?="},
		{"multi\r\n line\tsubject", "multi line subject"},
		{"raw \xff\xfe bytes", "raw \uFFFD bytes"},
		{"evil \u202egnp.exe", "evil gnp.exe"},
	}
	for _, tt := range tests {
		if got := cleanHeader(tt.in); got != tt.want {
			t.Errorf("cleanHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzPreview: whatever a hostile server or sender puts in a message, the
// preview never panics, is valid UTF-8, has no control characters and
// respects the cap.
func FuzzPreview(f *testing.F) {
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n"), []byte("--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--"))
	f.Add([]byte("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"), []byte("8J+Y"))
	f.Add([]byte("Content-Type: text/html\r\n\r\n"), []byte("<script>x</script><p>&#x1F600;"))
	f.Add([]byte(""), []byte("=?utf-8?q?x?="))
	f.Fuzz(func(t *testing.T, header, body []byte) {
		for _, s := range []string{Preview(header, body), cleanHeader(string(body))} {
			if !utf8.ValidString(s) {
				t.Fatalf("output not valid UTF-8: %q", s)
			}
			if strings.ContainsAny(s, "\x00\r\n\t\x1b\u202e") {
				t.Fatalf("output has control characters: %q", s)
			}
			if utf8.RuneCountInString(s) > maxHeaderRunes {
				t.Fatalf("output too long: %d runes", utf8.RuneCountInString(s))
			}
		}
		if n := utf8.RuneCountInString(Preview(header, body)); n > PreviewMaxRunes {
			t.Fatalf("preview %d runes, cap %d", n, PreviewMaxRunes)
		}
	})
}
