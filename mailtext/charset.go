package mailtext

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
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
// else as windows-1252. The result may hold U+FFFD, never invalid UTF-8.
func decodeCharset(b []byte, label string) string {
	if isLaxLabel(label) && utf8.Valid(b) {
		return string(b)
	}
	e := lookup(label)
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

// decodeRaw reads unencoded header bytes: valid UTF-8 as it is, else in the
// charset the message declares for its text, else as windows-1252 (every
// byte means something there, so no word vanishes).
func decodeRaw(b []byte, textCharset string) string {
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
