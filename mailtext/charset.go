package mailtext

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// lookup maps a charset label to its decoder the way the WHATWG Encoding
// Standard does (browsers and Thunderbird follow it: "iso-8859-1",
// "us-ascii" and "latin1" are windows-1252, "gb2312" is GBK, "ks_c_5601-1987"
// is windows-949), then tries the IANA registry for the labels WHATWG does
// not know (IBM code pages and the like). It returns nil for an unknown
// label, and for the labels WHATWG maps to its "replacement" encoding.
func lookup(label string) encoding.Encoding {
	label = strings.TrimSpace(label)
	if label == "" {
		return nil
	}
	if e, err := htmlindex.Get(label); err == nil {
		if e == encoding.Replacement {
			return nil
		}
		return e
	}
	if e, err := ianaindex.MIME.Encoding(label); err == nil && e != nil {
		return e
	}
	return nil
}

// sameCharset says whether two labels name one encoding ("utf-8" and
// "UTF8", "gb2312" and "gbk"): bytes under either read the same way, so a
// character split between an encoded word under one and the next under the
// other can be joined.
func sameCharset(a, b string) bool {
	if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) {
		return true
	}
	ea, eb := lookup(a), lookup(b)
	if ea == nil || eb == nil {
		return false
	}
	na, errA := htmlindex.Name(ea)
	nb, errB := htmlindex.Name(eb)
	if errA != nil || errB != nil {
		na, errA = ianaindex.MIME.Name(ea)
		nb, errB = ianaindex.MIME.Name(eb)
	}
	return errA == nil && errB == nil && na == nb
}

// isLaxLabel says whether a label names UTF-8 or says next to nothing (none,
// us-ascii): text under such a label that is valid UTF-8 is read as UTF-8,
// whatever WHATWG would make of the label.
func isLaxLabel(label string) bool {
	switch strings.ToLower(strings.Trim(label, " \t\"'")) {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		return true
	}
	return false
}

// decodeCharset converts b from the charset label to UTF-8. An unknown label
// spoils nothing: the bytes are read as UTF-8 when they are valid UTF-8,
// else as windows-1252. Bytes labelled UTF-8 that are not are read as
// utf8OrWindows1252 does. The result may hold U+FFFD, never invalid UTF-8.
func decodeCharset(b []byte, label string) string {
	if isLaxLabel(label) && utf8.Valid(b) {
		return string(b)
	}
	e := lookup(label)
	if e == unicode.UTF8 {
		return utf8OrWindows1252(b)
	}
	if e == nil {
		if utf8.Valid(b) {
			return string(b)
		}
		e = charmap.Windows1252
	}
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// utf8OrWindows1252 reads text labelled UTF-8 that is not valid UTF-8: each
// valid sequence as UTF-8, each byte that is not part of one as
// windows-1252. Senders label Latin-1 text utf-8 ("=?utf-8?Q?Gr=FC=DFe?="):
// it reads "Grüße", as it would under its own label, where a UTF-8 decoder
// makes "Gr��e"; text that is all windows-1252 reads as windows-1252 (a
// run such as "Ã©" that happens to be valid UTF-8 aside), and the valid
// characters of mixed text stay.
func utf8OrWindows1252(b []byte) string {
	var out strings.Builder
	out.Grow(len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			r, n = charmap.Windows1252.DecodeByte(b[0]), 1
		}
		out.WriteRune(r)
		b = b[n:]
	}
	return out.String()
}

// decodeRaw reads unencoded header bytes: ISO-2022-JP text (7-bit, so
// also valid UTF-8, but in escape sequences no UTF-8 text has) as
// ISO-2022-JP, whatever charset the message declares; else valid UTF-8 as
// it is; else in the charset the message declares for its text; else as
// windows-1252 (every byte means something there, so no word vanishes).
func decodeRaw(b []byte, textCharset string) string {
	if isISO2022JP(b) {
		if out, err := japanese.ISO2022JP.NewDecoder().Bytes(b); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if e := lookup(textCharset); e != nil && e != unicode.UTF8 {
		if out, err := e.NewDecoder().Bytes(b); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	out, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// isISO2022JP says whether b holds text in ISO-2022-JP (RFC 1468): a
// switch to one of its Japanese character sets (ESC $ @, ESC $ B, ESC $ ( D,
// ESC ( I) and nothing but 7-bit bytes. Old Japanese mailers put such text
// in Subject and From unencoded.
func isISO2022JP(b []byte) bool {
	found := false
	for _, seq := range [][]byte{[]byte("\x1b$@"), []byte("\x1b$B"), []byte("\x1b$(D"), []byte("\x1b(I")} {
		if bytes.Contains(b, seq) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
