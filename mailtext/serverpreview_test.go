package mailtext

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
)

// TestServerPreview: what Dovecot 2.3 sends for FETCH PREVIEW of the
// shapes it gets wrong, and what idlebell shows of it.
func TestServerPreview(t *testing.T) {
	tests := []struct {
		name, in string
		leading  []string
		want     string
		ok       bool
	}{
		{"plain text as it is", "Hello Alice, the agenda for Monday is attached below. Best, Lena", nil,
			"Hello Alice, the agenda for Monday is attached below. Best, Lena", true},
		{"iso-8859-1 read literally: C1 controls are windows-1252",
			"Hi Alice, the invoice is ready\u0085 it\u0092s \u0080 120 for the \u0093basic\u0094 plan.", nil,
			"Hi Alice, the invoice is ready… it’s € 120 for the “basic” plan.", true},
		{"C1 left undefined by windows-1252 dropped", "a\u0081b\u009dc", nil, "a b c", true},
		{"no-break spaces collapse", "Your invoice\u00a0#123 is\u00a0ready.", nil, "Your invoice #123 is ready.", true},
		{"the HTML title that repeats the subject dropped",
			"Weekly digest Preheader text This week Five new recipes & a guide to winter vegetables.", []string{"Weekly  digest"},
			"Preheader text This week Five new recipes & a guide to winter vegetables.", true},
		{"subject compared without case", "WEEKLY Digest This week", []string{"Weekly digest"}, "This week", true},
		{"only the title: nothing more to show", "Weekly digest", []string{"Weekly digest"}, "", true},
		{"subject elsewhere kept", "This week in the Weekly digest", []string{"Weekly digest"}, "This week in the Weekly digest", true},
		{"a longer first word is not the subject", "Weekly digests are back", []string{"Weekly digest"}, "Weekly digests are back", true},
		{"signed message: armor header, Hash: and the signature block removed",
			"-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA512 Hi Alice, the release tarball for 2.4.1 is up; checksums below. -----BEGIN PGP SIGNATURE----- iHUEARYKAB0WIQQxxxxexampleexampleexampleexampleAAoJEExampl", nil,
			"Hi Alice, the release tarball for 2.4.1 is up; checksums below.", true},
		{"dash-escaped line kept, signature cut",
			"-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA256 - -- not a signature separator, escaped Release notes follow. -- Lena -----BEGIN PGP SIGNATURE----- iQEzBAEBCAAdFiEE =XyZw -----END PGP SIGNATURE-----", nil,
			"-- not a signature separator, escaped Release notes follow.", true},
		{"encrypted block removed whole",
			"-----BEGIN PGP MESSAGE----- hQEMA1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ =AbCd -----END PGP MESSAGE-----", nil, "", true},
		{"text after a closed block kept", "-----BEGIN PGP MESSAGE----- hQEMA =AbCd -----END PGP MESSAGE----- Call me.", nil, "Call me.", true},
		{"free-text armor header: where it ends is lost",
			"-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA512 Charset: UTF-8 Comment: a long armor comment line that eats the first bytes Grüße, the signed text", nil,
			"", false},
		{"signature separator", "Hi Alice, the minutes are below. -- Lena Berg, example.org", nil, "Hi Alice, the minutes are below.", true},
		{"dashes glued to a word are text", "Meeting moved --see below", nil, "Meeting moved --see below", true},
		{"a first -- is not a separator", "-- Lena", nil, "-- Lena", true},
		{"undecodable bytes: the server's U+FFFD", "Hi Alice, \ufffdThanks\ufffd for the \ufffd 50", nil, "", false},
		{"empty", "", nil, "", false},
		{"blank", " \t ", nil, "", false},
		{"invalid UTF-8", "a\xffb", nil, "", false},
		{"controls and bidi cleaned", "a\u202eb\x07c", nil, "ab c", true},
	}
	for _, tt := range tests {
		got, ok := ServerPreview(tt.in, tt.leading...)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: ServerPreview(%q, %q) = %q, %v, want %q, %v", tt.name, tt.in, tt.leading, got, ok, tt.want, tt.ok)
		}
	}
}

func TestServerPreviewCap(t *testing.T) {
	got, ok := ServerPreview(strings.Repeat("word ", 60))
	if n := utf8.RuneCountInString(got); !ok || n > MaxPreviewRunes || n < MaxPreviewRunes-5 || !strings.HasSuffix(got, "…") {
		t.Errorf("ServerPreview(300 characters) = %q (%d runes), %v, want at most %d runes ending in …", got, n, ok, MaxPreviewRunes)
	}
}

// TestChoosePartFirstText: FirstText marks the chosen part only when it is
// the message's first text part outside forwarded messages, where a
// server's PREVIEW reads.
func TestChoosePartFirstText(t *testing.T) {
	text := func(sub string, params map[string]string) *imap.BodyStructureSinglePart {
		return &imap.BodyStructureSinglePart{Type: "text", Subtype: sub, Params: params, Size: 100}
	}
	multi := func(sub string, children ...imap.BodyStructure) *imap.BodyStructureMultiPart {
		return &imap.BodyStructureMultiPart{Subtype: sub, Children: children}
	}
	forwarded := func(inner imap.BodyStructure) *imap.BodyStructureSinglePart {
		return &imap.BodyStructureSinglePart{Type: "message", Subtype: "rfc822",
			MessageRFC822: &imap.BodyStructureMessageRFC822{BodyStructure: inner}}
	}
	image := &imap.BodyStructureSinglePart{Type: "image", Subtype: "png", Params: map[string]string{"name": "a.png"}}
	tests := []struct {
		name      string
		bs        imap.BodyStructure
		path      []int
		firstText bool
	}{
		{"HTML only", text("html", nil), []int{1}, true},
		{"related: HTML, then an image", multi("related", text("html", nil), image), []int{1}, true},
		{"mixed: image, then HTML", multi("mixed", image, text("html", nil)), []int{2}, true},
		{"alternative: plain first", multi("alternative", text("plain", nil), text("html", nil)), []int{1}, true},
		{"a text attachment before the HTML body", multi("mixed", text("plain", map[string]string{"name": "log.txt"}), text("html", nil)), []int{2}, false},
		{"a calendar before the HTML body", multi("mixed", text("calendar", nil), text("html", nil)), []int{2}, false},
		{"a forwarded message before the HTML body", multi("mixed", forwarded(text("plain", nil)), text("html", nil)), []int{1, 1}, false},
		{"HTML inside a forwarded message", multi("mixed", forwarded(text("html", nil))), []int{1, 1}, false},
	}
	for _, tt := range tests {
		p, _, ok := ChoosePart(tt.bs)
		if !ok || !equalInts(p.Path, tt.path) || p.FirstText != tt.firstText {
			t.Errorf("%s: ChoosePart = path %v FirstText %v (ok %v), want path %v FirstText %v", tt.name, p.Path, p.FirstText, ok, tt.path, tt.firstText)
		}
	}
}

func FuzzServerPreview(f *testing.F) {
	for _, s := range []string{"", "Hello", "a\u0085b", "-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA1 - -- x -- y",
		"-----BEGIN PGP MESSAGE----- x", "Subject words here", "\ufffd"} {
		f.Add(s, "Subject")
	}
	f.Fuzz(func(t *testing.T, s, subject string) {
		got, _ := ServerPreview(s, subject)
		checkOut(t, got, MaxPreviewRunes)
	})
}
