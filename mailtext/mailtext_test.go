package mailtext

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"idlebell/internal/mailcases"
)

func TestDecodeHeader(t *testing.T) {
	tests := []struct {
		name, in, charset, want string
	}{
		{"utf-8 q", "=?utf-8?q?Gr=C3=BC=C3=9Fe?=", "", "Grüße"},
		{"latin1 label is windows-1252", "=?iso-8859-1?q?=80_price_=96_=93ok=94?=", "", "€ price – “ok”"},
		{"windows-1252", "=?windows-1252?q?=80_price?=", "", "€ price"},
		{"koi8-r base64", "=?koi8-r?b?8NLJ18XU?=", "", "Привет"},
		{"unknown charset word alone", "=?x-bogus?q?abc?=", "", "abc"},
		{"unknown charset, invalid utf-8: windows-1252", "=?x-bogus?q?caf=E9?=", "", "café"},
		{"unknown charset spoils only itself", "=?utf-8?q?a=C3=A4?= =?x-bogus?q?b?= =?utf-8?q?c?=", "", "aäbc"},
		{"split utf-8 across b words", "=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "", "€"},
		{"split across words with fold", "=?UTF-8?Q?=E2=82?=\r\n =?utf-8?Q?=AC_1?=", "", "€ 1"},
		{"unpadded base64", "=?utf-8?b?R3LDvMOfZQ?=", "", "Grüße"},
		{"base64 with a stray sextet", "=?utf-8?b?SGk=x?=", "", "Hi"},
		{"rfc 2231 language", "=?utf-8*de?q?Hallo?=", "", "Hallo"},
		{"literal text around words", "Re: =?utf-8?q?Gr=C3=BC=C3=9Fe?= again", "", "Re: Grüße again"},
		{"space inside q text", "=?utf-8?q?two words?=", "", "two words"},
		{"glued to text", "Preis:=?utf-8?q?=E2=82=AC?=5", "", "Preis:€5"},
		{"bad escape kept", "=?utf-8?q?100=ZZ?=", "", "100=ZZ"},
		{"shift_jis split", "=?shift_jis?b?gqA=?= =?shift_jis?b?gqI=?=", "", "あい"},
		{"euc-kr", "=?euc-kr?b?x9Gx2w==?=", "", "한글"},
		{"raw utf-8", "Stra\xc3\x9fe", "iso-8859-1", "Straße"},
		{"raw latin1, declared", "Stra\xdfe", "iso-8859-1", "Straße"},
		{"raw koi8-r, declared", "\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r", "Привет"},
		{"raw windows-1251, declared", "\xcf\xf0\xe8\xe2\xe5\xf2", "windows-1251", "Привет"},
		{"raw cp1252, nothing declared", "\x93hi\x94", "", "“hi”"},
		{"raw bytes, declared utf-8 but not utf-8", "Gr\xfc\xdfe", "utf-8", "Grüße"},
		{"raw bytes, unknown declared", "Gr\xfc\xdfe", "x-nonsense", "Grüße"},
		{"plain", "multi\r\n line\tsubject", "", "multi\r\n line\tsubject"},
		{"split utf-8 under two spellings of its label", "=?utf-8?b?R3LD?= =?UTF8?b?vMOfZQ==?=", "", "Grüße"},
		{"split gbk under gb2312 and gbk labels", "=?gb2312?b?xA==?= =?GBK?b?+rrD?=", "", "您好"},
		{"raw iso-2022-jp, declared", "\x1b$B2q5D\x1b(B", "iso-2022-jp", "会議"},
		{"raw iso-2022-jp, nothing declared", "Re: \x1b$B2q5D$N$*CN$i$;\x1b(B", "", "Re: 会議のお知らせ"},
		{"raw iso-2022-jp, other charset declared", "\x1b$B2q5D\x1b(B", "utf-8", "会議"},
		{"escape that is no iso-2022-jp", "a\x1b[31mb", "", "a\x1b[31mb"},
	}
	for _, tt := range tests {
		if got := DecodeHeader(tt.in, tt.charset); got != tt.want {
			t.Errorf("%s: DecodeHeader(%q, %q) = %q, want %q", tt.name, tt.in, tt.charset, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"multi\r\n line\tsubject ", "multi line subject"},
		{"raw \xff\xfe bytes", "raw \uFFFD bytes"},
		{"evil \u202egnp.exe", "evil gnp.exe"},
		{"a\x1b[31mb\u200bc", "a [31mbc"},
		{"\u00a0 nbsp \u00a0", "nbsp"},
	}
	for _, tt := range tests {
		if got := Clean(tt.in, MaxHeaderRunes); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Clean(strings.Repeat("ü ", 500), MaxPreviewRunes); utf8.RuneCountInString(got) > MaxPreviewRunes {
		t.Errorf("Clean(1000 runes, %d) has %d runes", MaxPreviewRunes, utf8.RuneCountInString(got))
	}
}

func TestSender(t *testing.T) {
	tests := []struct {
		name, from, sender, replyTo string
		wantName, wantAddr          string
	}{
		{"plain", "Anna Berg <anna@example.org>", "", "", "Anna Berg", "anna@example.org"},
		{"address only", "anna@example.org", "", "", "", "anna@example.org"},
		{"angle only", "<anna@example.org>", "", "", "", "anna@example.org"},
		{"quoted comma", `"Berg, Anna" <anna@example.org>`, "", "", "Berg, Anna", "anna@example.org"},
		{"unquoted comma", "Berg, Anna - Finance <anna@example.org>", "", "", "Berg, Anna - Finance", "anna@example.org"},
		{"escaped quote", `"Anna \"AB\" Berg" <anna@example.org>`, "", "", `Anna "AB" Berg`, "anna@example.org"},
		{"comment name", "anna@example.org (Anna Berg)", "", "", "Anna Berg", "anna@example.org"},
		{"comment beside angle", "<anna@example.org> (Anna Berg)", "", "", "Anna Berg", "anna@example.org"},
		{"two mailboxes: first", "Anna <anna@example.org>, Ben <ben@example.org>", "", "", "Anna", "anna@example.org"},
		{"group with members", "Partners: ben@example.org, Dave <dave@example.org>;", "", "", "", "ben@example.org"},
		{"group first member named", "Team: Ben Ode <ben@example.org>;", "", "", "Ben Ode", "ben@example.org"},
		{"empty group then sender", "Robots: ;", "Bot <bot@example.org>", "", "Bot", "bot@example.org"},
		{"empty group, no sender: reply-to", "undisclosed-recipients:;", "", "Desk <desk@example.org>", "Desk", "desk@example.org"},
		{"only an empty group", "Robots: ;", "", "", "Robots", ""},
		{"no from", "", "Printer <printer@example.org>", "", "Printer", "printer@example.org"},
		{"encoded name", "=?utf-8?q?J=C3=BCrgen?= <j@example.org>", "", "", "Jürgen", "j@example.org"},
		{"encoded name in quotes", `"=?utf-8?q?J=C3=BCrgen_M=C3=BCller?=" <j@example.org>`, "", "", "Jürgen Müller", "j@example.org"},
		{"encoded words hold a colon", "=?utf-8?q?Re:_Team?= <t@example.org>", "", "", "Re: Team", "t@example.org"},
		{"no address: raw text", "Mail Delivery System", "bounce@example.org", "", "Mail Delivery System", ""},
		{"server placeholder is no address", "Berg@MISSING_DOMAIN", "", "", "Berg@MISSING_DOMAIN", ""},
		{"placeholder host", "<anna@.MISSING-HOST-NAME.>", "", "", "<anna@.MISSING-HOST-NAME.>", ""},
		{"source route", "<@relay.example.org:anna@example.org>", "", "", "", "anna@example.org"},
		{"unterminated angle", "Anna <anna@example.org", "", "", "Anna", "anna@example.org"},
		{"raw 8-bit name", "J\xf6rg <j@example.org>", "", "", "Jörg", "j@example.org"},
		{"nothing", "", "", "", "", ""},
		{"null address: sender", "<>", "Bot <bot@example.org>", "", "Bot", "bot@example.org"},
		{"null address: reply-to", "<>", "", "Real Person <real@example.org>", "Real Person", "real@example.org"},
		{"null address alone", "<>", "", "", "<>", ""},
		{"name then bare address", `"Berg, Anna" anna@example.org`, "", "", "Berg, Anna", "anna@example.org"},
		{"words then bare address", "My Shop shop@example.org", "", "", "My Shop", "shop@example.org"},
		{"local name then address", "root, alice@example.org", "", "", "", "alice@example.org"},
		{"raw iso-2022-jp name holding ;", "\x1b$B;3ED\x1b(B <taro@example.org>", "", "", "山田", "taro@example.org"},
		{"raw iso-2022-jp name holding \" and (", "\x1b$B\"(=EMW\x1b(B <info@example.org>", "", "", "※重要", "info@example.org"},
		{"raw iso-2022-jp in quotes and comment", "\"\x1b$B\"(\x1b(B\" <a@example.org> (\x1b$B;3ED\x1b(B)", "", "", "※", "a@example.org"},
	}
	for _, tt := range tests {
		name, addr := Sender(tt.from, tt.sender, tt.replyTo, "")
		if name != tt.wantName || addr != tt.wantAddr {
			t.Errorf("%s: Sender(%q, %q, %q) = %q, %q, want %q, %q", tt.name, tt.from, tt.sender, tt.replyTo, name, addr, tt.wantName, tt.wantAddr)
		}
	}
}

// hostileFroms are From values a sender can make as long as the header
// fetch allows (64 KiB): many names without an address, and many words
// that start like an encoded word and are none.
var hostileFroms = map[string]string{
	"names without address": strings.Repeat("Berg, ", 10<<10),
	"bare words and commas": strings.Repeat("a,", 32<<10),
	"half encoded words":    strings.Repeat("=? ", 21<<10),
}

// TestSenderHostileMemory: reading a From of 64 KiB costs memory in
// proportion to it, not to its square (a name appended to a growing string
// per comma took 3.4 GB for 64 KiB of "a,"). The bound leaves room for the
// race detector, under which sync.Pool keeps little and the regexp
// machines are allocated anew (70 MB here).
func TestSenderHostileMemory(t *testing.T) {
	for name, from := range hostileFroms {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		Sender(from, "", "", "")
		runtime.ReadMemStats(&after)
		if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(2000*len(from)); got > limit {
			t.Errorf("%s: Sender(%d bytes) allocated %d bytes, want at most %d", name, len(from), got, limit)
		}
	}
}

// BenchmarkSenderHostile: the time to read each of hostileFroms (one took
// 39 s when the tokenizer searched the rest of the header for an encoded
// word at every word).
func BenchmarkSenderHostile(b *testing.B) {
	for name, from := range hostileFroms {
		b.Run(strings.ReplaceAll(name, " ", "-"), func(b *testing.B) {
			for b.Loop() {
				Sender(from, "", "", "")
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Sun, 29 Nov 2026 10:00:00 +0100", "2026-11-29T10:00:00+01:00"},
		{"13 Feb 22 00:04 EST", "2022-02-13T00:04:00-05:00"},
		{"Mon, 3 Aug 2026 09:15:00 PDT", "2026-08-03T09:15:00-07:00"},
		{"Mon, 3 Aug 2026 09:15:00 MDT", "2026-08-03T09:15:00-06:00"},
		{"Mon, 3 Aug 2026 09:15:00 CST", "2026-08-03T09:15:00-06:00"},
		{"Mon, 3 Aug 2026 09:15:00 EDT", "2026-08-03T09:15:00-04:00"},
		{"Mon, 3 Aug 2026 09:15:00 GMT", "2026-08-03T09:15:00Z"},
		{"Thu, 1 Jan 98 12:00:00 UT", "1998-01-01T12:00:00Z"},
		{"1 Jan 105 12:00:00 +0000", "2005-01-01T12:00:00Z"},
		{"Sun, 29 Nov 2026 10:00:00 +0100 (CET)", "2026-11-29T10:00:00+01:00"},
		{"Sun, 29 Nov 2026 10:00:00 (comment) -0000", "2026-11-29T10:00:00Z"},
		{"Sunday, 29-November-2026 10:00:00 GMT", "2026-11-29T10:00:00Z"},
		{"Sun Nov 29 10:00:00 2026", "2026-11-29T10:00:00Z"},
		{"2026-11-29T10:00:00+01:00", "2026-11-29T10:00:00+01:00"},
		{"2026-11-29 10:00:00Z", "2026-11-29T10:00:00Z"},
		{"29 Nov 2026 10:00:00 GMT+0100", "2026-11-29T10:00:00+01:00"},
		{"29 Nov 2026 10:00:00 +01:00", "2026-11-29T10:00:00+01:00"},
		{"29 Nov 2026 9:05 +0100", "2026-11-29T09:05:00+01:00"},
		{"29  Nov  2026  10:00:00  A", "2026-11-29T10:00:00Z"},
		{"Sat, 31 Dec 2016 23:59:60 +0000", "2016-12-31T23:59:59Z"},
		{"29 Nov 2026", "2026-11-29T00:00:00Z"},
		{"29.11.2026 10:00 +0100", "2026-11-29T10:00:00+01:00"},
		{"Nov 29, 2026 10:05 PM EST", "2026-11-29T22:05:00-05:00"},
		{"Nov 29, 2026 12:05 AM GMT", "2026-11-29T00:05:00Z"},
		{"", ""},
		{"sometime next week", ""},
		{"31 Feb 2026 10:00:00 +0000", ""},
		{"29 Nov 2026 25:00:00 +0000", ""},
		{"29 Foo 2026 10:00:00 +0000", ""},
		{"Sun, 29 Nov 20260 10:00:00 +0100", ""},
		{"29..2026", ""},
		{"0..", ""},
		{"Sun, 29.11..2026 10:00 +0100", ""},
		{"29 Nov 123456789 10:00:00 +0000", ""},
	}
	for _, tt := range tests {
		got := ""
		if d, ok := ParseDate(tt.in); ok {
			got = d.Format(time.RFC3339)
		}
		if got != tt.want {
			t.Errorf("ParseDate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPreviewText(t *testing.T) {
	plain := TextPart{Path: []int{1}, Charset: "utf-8"}
	tests := []struct {
		name     string
		p        TextPart
		data     string
		complete bool
		want     string
	}{
		{"plain", plain, "Hello   world\r\n\r\nbye", true, "Hello world bye"},
		{"qp utf-8", TextPart{Charset: "utf-8", Encoding: "quoted-printable"}, "Gr=C3=BC=C3=9Fe aus M=C3=BCn=\r\nchen", true, "Grüße aus München"},
		{"qp cut inside escape", TextPart{Charset: "utf-8", Encoding: "quoted-printable"}, "abc =C3=BC=C", false, "abc ü"},
		{"qp cut inside a character", TextPart{Charset: "utf-8", Encoding: "quoted-printable"}, "abc =C3", false, "abc"},
		{"base64 latin1 label", TextPart{Charset: "iso-8859-1", Encoding: "base64"}, "R3L832UggA==", true, "Grüße €"},
		{"base64 cut mid-quantum", TextPart{Charset: "utf-8", Encoding: "BASE64"}, "SGVsbG8gd29ybGQ", false, "Hello wor"},
		{"utf-8 cut mid-rune", plain, "ab\xc3", false, "ab"},
		{"shift_jis cut mid-character", TextPart{Charset: "shift_jis"}, "\x82\xa0\x82", false, "あ"},
		{"no charset, utf-8 bytes", TextPart{}, "Gru\xc3\x9f", true, "Gruß"},
		{"no charset, 8-bit bytes", TextPart{}, "Gru\xdf", true, "Gruß"},
		{"unknown charset", TextPart{Charset: "x-unknown"}, "abc", true, "abc"},
		{"html", TextPart{HTML: true, Charset: "utf-8"}, "<html><head><title>T</title><style>p{color:red}</style></head><body><p>Hi &amp; <b>welcome</b></p><script>x()</script><p>bye&nbsp;now</p></body></html>", true, "Hi & welcome bye now"},
		{"html head left open", TextPart{HTML: true}, "<head><meta x><body>Text", true, "Text"},
		{"html cut inside style", TextPart{HTML: true}, "<style>p{color:", false, ""},
		{"html cut inside a tag", TextPart{HTML: true}, "<p>Hello</p><a hr", false, "Hello"},
		{"html comments", TextPart{HTML: true}, "<!--[if mso]>x<![endif]--><p>Shown</p>", true, "Shown"},
		{"pgp signed", plain, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nSigned text.\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\nafter", true, "Signed text. after"},
		{"pgp signature cut", plain, "Text.\n-----BEGIN PGP SIGNATURE-----\n\niHUEAR", false, "Text."},
		{"pgp header cut", plain, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA", false, ""},
		{"signature separator", plain, "Body.\n-- \nName\nPhone", true, "Body."},
		{"a text that begins with the separator is a signature only", plain, "-- \nonly", true, ""},
		{"controls and bidi", plain, "a\x1b[31mb\u202ec\u200bd", true, "a [31mbcd"},
	}
	for _, tt := range tests {
		if got := Preview(tt.p, []byte(tt.data), tt.complete); got != tt.want {
			t.Errorf("%s: Preview(%+v, %q, %v) = %q, want %q", tt.name, tt.p, tt.data, tt.complete, got, tt.want)
		}
	}
}

// TestChoosePart: the part fetched for the preview, by shape.
func TestChoosePart(t *testing.T) {
	tests := []struct {
		name, msg string
		want      []int // nil: no part
		html      bool
		charset   string
	}{
		{"single", "Content-Type: text/plain; charset=koi8-r\r\n\r\nx", []int{1}, false, "koi8-r"},
		{"no content type", "Subject: x\r\n\r\nx", []int{1}, false, ""},
		{"alternative html first", "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx\r\n--b--\r\n", []int{2}, false, "utf-8"},
		{"outlook nested", "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nx\r\n--c\r\nContent-Type: text/html\r\n\r\n<p>x\r\n--c--\r\n--b\r\nContent-Type: image/png\r\n\r\nx\r\n--b--\r\n--a\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\nx\r\n--a--\r\n", []int{1, 1, 1}, false, "us-ascii"},
		{"text attachment first", "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain; name=log.txt\r\nContent-Disposition: attachment; filename=log.txt\r\n\r\nlog\r\n--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>x\r\n--a--\r\n", []int{2}, true, "utf-8"},
		{"only a text attachment", "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain; name=log.txt\r\nContent-Disposition: attachment; filename=log.txt\r\n\r\nlog\r\n--a--\r\n", []int{1}, false, ""},
		{"calendar is no preview", "Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n", nil, false, ""},
		{"encrypted", "Content-Type: multipart/encrypted; boundary=a; protocol=\"application/pgp-encrypted\"\r\n\r\n--a\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--a\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n--a--\r\n", nil, false, ""},
		{"image only", "Content-Type: image/png\r\n\r\nx", nil, false, ""},
		{"message/rfc822 only", "Content-Type: message/rfc822\r\n\r\nSubject: in\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ninner\r\n", []int{1, 1}, false, "utf-8"},
		{"message/rfc822 multipart inside", "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\ninner\r\n--b--\r\n--a--\r\n", []int{1, 1}, false, ""},
	}
	for _, tt := range tests {
		bs := imapserver.ExtractBodyStructure(bytes.NewReader([]byte(tt.msg)))
		p, cs, ok := ChoosePart(bs)
		if tt.want == nil {
			if ok {
				t.Errorf("%s: ChoosePart = %v, want none", tt.name, p.Path)
			}
			continue
		}
		if !ok || !equalInts(p.Path, tt.want) || p.HTML != tt.html || cs != tt.charset {
			t.Errorf("%s: ChoosePart = %v html=%v charset %q ok=%v, want %v html=%v charset %q", tt.name, p.Path, p.HTML, cs, ok, tt.want, tt.html, tt.charset)
		}
	}
}

// TestCharsetRFC2231: Dovecot hands on a charset parameter in RFC 2231's
// form as it is, next to a default of its own.
func TestCharsetRFC2231(t *testing.T) {
	for _, c := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"charset*": "us-ascii'pl'iso-8859-2", "charset": "us-ascii"}, "iso-8859-2"},
		{map[string]string{"charset*": "''iso-8859-2"}, "iso-8859-2"},
		{map[string]string{"charset*": "''%77indows-1250"}, "windows-1250"},
		{map[string]string{"charset*": "''", "charset": "utf-8"}, "utf-8"},
		{map[string]string{"charset": "koi8-r"}, "koi8-r"},
	} {
		bs := &imap.BodyStructureSinglePart{Type: "text", Subtype: "plain", Params: c.params}
		if _, cs, _ := ChoosePart(bs); cs != c.want {
			t.Errorf("ChoosePart(text/plain %v) charset %q, want %q", c.params, cs, c.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNextFetch: a preview costs one small fetch, unless the start of the
// part shows nothing readable; then it reads on in growing steps, bounded.
func TestNextFetch(t *testing.T) {
	plain := TextPart{Path: []int{1}, Size: 5000}
	if n := NextFetch(plain, nil, false); n != FirstFetch {
		t.Errorf("NextFetch(before the first fetch) = %d, want %d", n, FirstFetch)
	}
	if n := NextFetch(plain, []byte(strings.Repeat("word ", 40)), false); n != 0 {
		t.Errorf("NextFetch(200 bytes of text) = %d, want 0", n)
	}
	if n := NextFetch(plain, []byte("short"), true); n != 0 {
		t.Errorf("NextFetch(whole part) = %d, want 0", n)
	}
	html := TextPart{Path: []int{1}, HTML: true, Size: 100000}
	have := []byte("<html><head><style>" + strings.Repeat("p{}", 60))
	total, steps := len(have), 0
	for n := NextFetch(html, have, false); n != 0; n = NextFetch(html, have, false) {
		have = append(have, bytes.Repeat([]byte("p{}"), int(n)/3+1)[:n]...)
		total = len(have)
		steps++
	}
	if total > MaxFetch || steps > 5 {
		t.Errorf("NextFetch on an endless style sheet read %d bytes in %d steps, want at most %d bytes in 5", total, steps, MaxFetch)
	}
}

func FuzzDecodeHeader(f *testing.F) {
	seedHeaders(f)
	f.Fuzz(func(t *testing.T, v string, cs string) {
		checkOut(t, Clean(DecodeHeader(v, cs), MaxHeaderRunes), MaxHeaderRunes)
		name, addr := Sender(v, cs, v, cs)
		checkOut(t, name, MaxHeaderRunes)
		checkOut(t, addr, MaxHeaderRunes)
		ParseDate(v)
	})
}

func FuzzPreview(f *testing.F) {
	cases, err := mailcases.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		for _, raw := range c.Messages {
			f.Add(raw, false)
		}
	}
	f.Add([]byte("Content-Type: text/html\r\n\r\n<script>x</script><p>&#x1F600;"), true)
	f.Fuzz(func(t *testing.T, raw []byte, cut bool) {
		msg := mailcases.CRLF(raw)
		bs := imapserver.ExtractBodyStructure(bytes.NewReader(msg))
		p, cs, ok := ChoosePart(bs)
		hdr := imapserver.ExtractBodySection(bytes.NewReader(msg), &imap.FetchItemBodySection{
			Specifier: imap.PartSpecifierHeader, HeaderFields: append(HeaderFields, FallbackFields...), Peek: true})
		h := ParseHeaders(hdr, cs)
		for _, s := range []string{h.FromName, h.FromAddress, h.Subject, h.MessageID} {
			checkOut(t, s, MaxHeaderRunes)
		}
		if !ok {
			return
		}
		data := imapserver.ExtractBodySection(bytes.NewReader(msg), &imap.FetchItemBodySection{Part: p.Path, Peek: true})
		if cut && len(data) > 0 {
			data = data[:len(data)/2]
		}
		for _, html := range []bool{false, true} {
			p.HTML = html
			checkOut(t, Preview(p, data, !cut), MaxPreviewRunes)
		}
	})
}

func seedHeaders(f *testing.F) {
	cases, err := mailcases.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		for _, raw := range c.Messages {
			for _, line := range strings.Split(string(raw), "\n") {
				if i := strings.IndexByte(line, ':'); i > 0 && i < 20 {
					f.Add(line[i+1:], "iso-8859-1")
				}
			}
		}
	}
}

// checkOut: valid UTF-8, no control or format characters, within the cap.
func checkOut(t *testing.T, s string, cap int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("output not valid UTF-8: %q", s)
	}
	if strings.ContainsAny(s, "\x00\r\n\t\x1b\u202e\u200b") {
		t.Fatalf("output has control characters: %q", s)
	}
	if n := utf8.RuneCountInString(s); n > cap {
		t.Fatalf("output has %d runes, cap %d", n, cap)
	}
}

func TestCleanWords(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
		cut  bool
	}{
		{"short subject", 20, "short subject", false},
		{"alpha beta gamma delta", 14, "alpha beta…", true},
		{"alpha beta gamma delta", 12, "alpha beta…", true},
		{"alpha beta gamma delta", 11, "alpha beta…", true},
		{"alpha  beta\r\n gamma", 30, "alpha beta gamma", false},
		{strings.Repeat("字", 60), 10, strings.Repeat("字", 9) + "…", true},
	} {
		got, cut := CleanWords(tt.in, tt.max)
		if got != tt.want || cut != tt.cut {
			t.Errorf("CleanWords(%q, %d) = %q, %v, want %q, %v", tt.in, tt.max, got, cut, tt.want, tt.cut)
		}
	}
}
