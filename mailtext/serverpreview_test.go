package mailtext

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
)

// TestServerPreview: what Dovecot 2.3 sends for FETCH PREVIEW of the
// shapes where it differs from Preview, and what idlebell shows of it.
func TestServerPreview(t *testing.T) {
	plain := TextPart{Path: []int{1}, Charset: "utf-8"}
	latin1 := TextPart{Path: []int{1}, Charset: "iso-8859-1"}
	latin2 := TextPart{Path: []int{1}, Charset: "iso-8859-2"}
	html := TextPart{Path: []int{1}, HTML: true, Charset: "utf-8"}
	long := strings.Repeat("word ", 39) + "abcde"
	tests := []struct {
		name, in string
		part     TextPart
		subject  string
		want     string
		ok       bool
	}{
		{"plain text as it is", "Hello Alice, the agenda for Monday is attached below. Best, Lena", plain, "",
			"Hello Alice, the agenda for Monday is attached below. Best, Lena", true},
		{"iso-8859-1 read literally: C1 controls are windows-1252",
			"Hi Alice, the invoice is ready\u0085 it\u0092s \u0080 120 for the \u0093basic\u0094 plan.", latin1, "",
			"Hi Alice, the invoice is ready… it’s € 120 for the “basic” plan.", true},
		{"C1 left undefined by windows-1252 dropped", "a\u0081b\u009dc", latin1, "", "a b c", true},
		{"C1 under utf-8 was a control in the text", "a\u0085b", plain, "", "a b", true},
		{"C1 under iso-8859-2 is a control there too", "a\u0085b", latin2, "", "a b", true},
		{"no-break spaces collapse", "Your invoice\u00a0#123 is\u00a0ready.", plain, "", "Your invoice #123 is ready.", true},
		{"cut at the server's 200 characters: … as Preview's own", long, plain, "", strings.Repeat("word ", 39) + "abcd…", true},
		{"the HTML title that repeats the subject dropped",
			"Weekly digest Preheader text This week Five new recipes & a guide to winter vegetables.", html, "Weekly  digest",
			"Preheader text This week Five new recipes & a guide to winter vegetables.", true},
		{"subject compared without case", "WEEKLY Digest This week", html, "Weekly digest", "This week", true},
		{"only the title: nothing more to show", "Weekly digest", html, "Weekly digest", "", true},
		{"subject elsewhere kept", "This week in the Weekly digest", html, "Weekly digest", "This week in the Weekly digest", true},
		{"a longer first word is not the subject", "Weekly digests are back", html, "Weekly digest", "Weekly digests are back", true},
		{"a plain part's first words are not a title", "Weekly digest This week", plain, "Weekly digest", "Weekly digest This week", true},
		{"space around an inline element", "Track it here . See ( this ) , please", html, "", "Track it here. See (this), please", true},
		{"French spacing kept", "Merci ! Vraiment ?", html, "", "Merci ! Vraiment ?", true},
		{"signed HTML: armor header, Hash: and the signature block removed",
			"-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA512 Hi Alice, the release tarball for 2.4.1 is up; checksums below. -----BEGIN PGP SIGNATURE----- iHUEARYKAB0WIQQxxxxexampleexampleexampleexampleAAoJEExampl", html, "",
			"Hi Alice, the release tarball for 2.4.1 is up; checksums below.", true},
		{"dash-escaped line kept, signature cut",
			"-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA256 - -- not a signature separator, escaped Release notes follow. -- Lena -----BEGIN PGP SIGNATURE----- iQEzBAEBCAAdFiEE =XyZw -----END PGP SIGNATURE-----", html, "",
			"-- not a signature separator, escaped Release notes follow.", true},
		{"encrypted block removed whole",
			"-----BEGIN PGP MESSAGE----- hQEMA1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ =AbCd -----END PGP MESSAGE-----", html, "", "", true},
		{"text after a closed block kept", "-----BEGIN PGP MESSAGE----- hQEMA =AbCd -----END PGP MESSAGE----- Call me.", html, "", "Call me.", true},
		{"free-text armor header: where it ends is lost",
			"-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA512 Charset: UTF-8 Comment: a long armor comment line that eats the first bytes Grüße, the signed text", html, "",
			"", false},
		{"HTML signature separator", "Hi Alice, the minutes are below. -- Lena Berg, example.org", html, "", "Hi Alice, the minutes are below.", true},
		{"signed plain text", "-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA512 Hi Alice, the tarball is up. -----BEGIN PGP SIGNATURE----- iHUE", plain, "",
			"Hi Alice, the tarball is up.", true},
		{"signed plain text with a signature: the part is read",
			"-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA256 - -- escaped Release notes follow. -- Lena -----BEGIN PGP SIGNATURE----- iQEz", plain, "", "", false},
		{"signed plain text, dash-escaped, no signature",
			"-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA256 - -- escaped Release notes follow. -----BEGIN PGP SIGNATURE----- iQEz", plain, "",
			"-- escaped Release notes follow.", true},
		{"free-text armor header in plain text", "-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA512 Comment: x Hi", plain, "", "", false},
		{"cut inside the signature block: no …", "-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA512 Hi Alice. -----BEGIN PGP SIGNATURE----- " + strings.Repeat("A", 200), plain, "",
			"Hi Alice.", true},
		{"plain text with a -- word: a separator's line or a dash, the part is read",
			"Hi Alice, the minutes are below. -- Lena Berg, example.org", plain, "", "", false},
		{"dashes glued to a word are text", "Meeting moved --see below", plain, "", "Meeting moved --see below", true},
		{"a text that begins with -- is a signature only: the part is read", "-- Lena", plain, "", "", false},
		{"an HTML text that begins with -- too", "-- Max Muster Tel 123", html, "", "", false},
		{"only quoted lines (Dovecot's >): the part is read", ">Can you make Tuesday?", plain, "", "", false},
		{"undecodable bytes: the server's U+FFFD", "Hi Alice, \ufffdThanks\ufffd for the \ufffd 50", plain, "", "", false},
		{"empty", "", plain, "", "", false},
		{"blank", " \t ", plain, "", "", false},
		{"invalid UTF-8", "a\xffb", plain, "", "", false},
		{"longer than RFC 8970 allows", strings.Repeat("a", 1025), plain, "", "", false},
		{"controls and bidi cleaned", "a\u202eb\x07c", plain, "", "ab c", true},
	}
	for _, tt := range tests {
		got, ok := ServerPreview(tt.in, tt.part, tt.subject)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: ServerPreview(%q, %+v, %q) = %q, %v, want %q, %v", tt.name, tt.in, tt.part, tt.subject, got, ok, tt.want, tt.ok)
		}
	}
}

// TestServerPreviewCutAsPreview: a text the server cut at 200 characters
// reads as Preview reads the whole text.
func TestServerPreviewCutAsPreview(t *testing.T) {
	body := strings.Repeat("Lorem ipsum dolor sit amet, ", 12)
	p := TextPart{Path: []int{1}, Charset: "utf-8"}
	got, ok := ServerPreview(string([]rune(body)[:serverPreviewRunes]), p, "")
	if want := Preview(p, []byte(body), true); !ok || got != want {
		t.Errorf("ServerPreview(the first 200 characters) = %q, %v, want Preview's %q", got, ok, want)
	}
}

// TestServerPreviewCap: a server that sends up to RFC 8970's 256
// characters (Cyrus) is capped as Preview is.
func TestServerPreviewCap(t *testing.T) {
	got, ok := ServerPreview(strings.Repeat("word ", 51), TextPart{Path: []int{1}}, "")
	if n := utf8.RuneCountInString(got); !ok || n > MaxPreviewRunes || n < MaxPreviewRunes-5 || !strings.HasSuffix(got, "…") {
		t.Errorf("ServerPreview(255 characters) = %q (%d runes), %v, want at most %d runes ending in …", got, n, ok, MaxPreviewRunes)
	}
}

// TestChoosePartServerPreviewed: ServerPreviewed marks the chosen part
// only when it is the part Dovecot makes its PREVIEW from: the first text
// part, the text/plain one of a multipart/alternative, never one inside a
// forwarded message.
func TestChoosePartServerPreviewed(t *testing.T) {
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
		name     string
		bs       imap.BodyStructure
		path     []int
		previewd bool
	}{
		{"plain only", text("plain", nil), []int{1}, true},
		{"HTML only", text("html", nil), []int{1}, true},
		{"related: HTML, then an image", multi("related", text("html", nil), image), []int{1}, true},
		{"mixed: image, then HTML", multi("mixed", image, text("html", nil)), []int{2}, true},
		{"alternative: plain first", multi("alternative", text("plain", nil), text("html", nil)), []int{1}, true},
		{"alternative: HTML first, plain second", multi("alternative", text("html", nil), text("plain", nil)), []int{2}, true},
		{"Outlook: mixed, related, alternative", multi("mixed", multi("related", multi("alternative", text("plain", nil), text("html", nil)), image), image), []int{1, 1, 1}, true},
		{"alternative of related HTML and plain", multi("alternative", multi("related", text("html", nil), image), text("plain", nil)), []int{2}, true},
		{"a text attachment before the body", multi("mixed", text("plain", map[string]string{"name": "log.txt"}), text("plain", nil)), []int{2}, false},
		{"a text attachment before the HTML body", multi("mixed", text("plain", map[string]string{"name": "log.txt"}), text("html", nil)), []int{2}, false},
		{"a calendar before the HTML body", multi("mixed", text("calendar", nil), text("html", nil)), []int{2}, false},
		{"a forwarded message before the HTML body", multi("mixed", forwarded(text("plain", nil)), text("html", nil)), []int{1, 1}, false},
		{"a note, then a forwarded message", multi("mixed", text("plain", nil), forwarded(text("plain", nil))), []int{1}, true},
		{"only a forwarded message", forwarded(text("plain", nil)), []int{1, 1}, false},
		{"HTML inside a forwarded message", multi("mixed", forwarded(text("html", nil))), []int{1, 1}, false},
	}
	for _, tt := range tests {
		p, _, ok := ChoosePart(tt.bs)
		if !ok || !equalInts(p.Path, tt.path) || p.ServerPreviewed != tt.previewd {
			t.Errorf("%s: ChoosePart = path %v ServerPreviewed %v (ok %v), want path %v ServerPreviewed %v", tt.name, p.Path, p.ServerPreviewed, ok, tt.path, tt.previewd)
		}
	}
}

func FuzzServerPreview(f *testing.F) {
	for _, s := range []string{"", "Hello", "a\u0085b", "-----BEGIN PGP SIGNED MESSAGE----- Hash: SHA1 - -- x -- y",
		"-----BEGIN PGP MESSAGE----- x", "Subject words here", "\ufffd"} {
		f.Add(s, "Subject", true, "iso-8859-1")
	}
	f.Fuzz(func(t *testing.T, s, subject string, html bool, charset string) {
		got, _ := ServerPreview(s, TextPart{Path: []int{1}, HTML: html, Charset: charset}, subject)
		checkOut(t, got, MaxPreviewRunes)
	})
}

// TestServerPreviewColonInHTML: a word ending with ':' refuses a text/plain
// part's server preview wherever it stands, an HTML part's only as the last
// word (an attribution whose quote the server left out): reading an HTML
// part instead can cost up to 64 KB.
func TestServerPreviewColonInHTML(t *testing.T) {
	html := TextPart{Path: []int{1}, Charset: "utf-8", HTML: true}
	plain := TextPart{Path: []int{1}, Charset: "utf-8"}
	for _, c := range []struct {
		text string
		p    TextPart
		ok   bool
	}{
		{"Your order: 4711 has shipped and arrives on Tuesday.", html, true},
		{"Thanks, see you then. On Mon, 30 Nov 2026 Bob wrote:", html, false},
		{"Your order: 4711 has shipped and arrives on Tuesday.", plain, false},
	} {
		if _, ok := ServerPreview(c.text, c.p, ""); ok != c.ok {
			t.Errorf("ServerPreview(%q, HTML %v) ok = %v, want %v", c.text, c.p.HTML, ok, c.ok)
		}
	}
}
