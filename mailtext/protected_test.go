package mailtext

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2/imapserver"
)

func TestProtectedSubject(t *testing.T) {
	for s, want := range map[string]bool{"...": true, " [...] ": true, "…": true, "": true, "Re: ...": false, "Hello": false} {
		if got := ObscuredSubject(s); got != want {
			t.Errorf("ObscuredSubject(%q) = %v, want %v", s, got, want)
		}
	}

	signed := func(legacy string) string {
		return "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=s\r\n\r\n" +
			"--s\r\nContent-Type: multipart/mixed; boundary=p\r\n\r\n" + legacy +
			"--p\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ntext\r\n--p--\r\n" +
			"--s\r\nContent-Type: application/pgp-signature\r\n\r\nsig\r\n--s--\r\n"
	}
	tests := []struct {
		name, msg, path string
		ok              bool
	}{
		{"autocrypt rfc822-headers", signed("--p\r\nContent-Type: text/rfc822-headers; protected-headers=\"v1\"\r\n\r\nSubject: x\r\n"), "[1 1]", true},
		{"lamps text/plain", signed("--p\r\nContent-Type: text/plain; hp-legacy-display=\"1\"\r\n\r\nSubject: x\r\n"), "[1 1]", true},
		{"rfc822-headers unmarked", signed("--p\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: x\r\n"), "", false},
		{"ordinary", "Content-Type: text/plain\r\n\r\nhello\r\n", "", false},
	}
	for _, tt := range tests {
		bs := imapserver.ExtractBodyStructure(bytes.NewReader([]byte(tt.msg)))
		p, ok := LegacyDisplayPart(bs)
		if ok != tt.ok || ok && fmt.Sprint(p.Path) != tt.path {
			t.Errorf("%s: LegacyDisplayPart = %v %v, want %s %v", tt.name, p.Path, ok, tt.path, tt.ok)
		}
		if c, _, found := ChoosePart(bs); found && tt.ok && equalInts(c.Path, p.Path) {
			t.Errorf("%s: ChoosePart picked the legacy display part %v", tt.name, c.Path)
		}
	}

	parts := []struct {
		name string
		p    TextPart
		data string
		want string
	}{
		{"plain", TextPart{Charset: "utf-8"}, "Subject: Geheimes Treffen\r\nFrom: a@b\r\n\r\n", "Geheimes Treffen"},
		{"encoded word", TextPart{}, "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n", "Grüße"},
		{"raw 8-bit in the part's charset", TextPart{Charset: "iso-8859-1"}, "Subject: Gr\xfc\xdfe\r\n", "Grüße"},
		{"base64", TextPart{Encoding: "base64"}, "U3ViamVjdDogRGlubmVyIHBsYW5zDQoNCg==\r\n", "Dinner plans"},
		{"none", TextPart{}, "From: a@b\r\n\r\n", ""},
		{"cut", TextPart{}, "Subject: " + strings.Repeat("word ", 300), strings.TrimSpace(strings.Repeat("word ", 198)) + "…"},
	}
	for _, tt := range parts {
		data := tt.data
		if len(data) > LegacyDisplayFetch {
			data = data[:LegacyDisplayFetch]
		}
		if got := ProtectedSubject(tt.p, []byte(data)); got != tt.want {
			t.Errorf("%s: ProtectedSubject(%q) = %q, want %q", tt.name, data, got, tt.want)
		}
	}
}
