package mailtext

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// encodedWord matches an RFC 2047 encoded word. The charset may carry an
// RFC 2231 language suffix ("utf-8*de"). The text is anything up to "?=",
// spaces included: senders put them there, and '?' still ends the word.
var encodedWord = regexp.MustCompile(`=\?([^?\s]+)\?([bBqQ])\?([^?\r\n]*)\?=`)

// encodedWordAt matches an encoded word at the start of the text only: a
// search from each word of a long header would scan the rest of it each time.
var encodedWordAt = regexp.MustCompile(`^` + encodedWord.String())

// DecodeHeader decodes an unfolded header value (Subject, a display name)
// to UTF-8, as leniently as careful mail clients do (RFC 2047 and its
// common violations):
//   - adjacent encoded words of one charset (under any of its labels) are
//     joined before the charset is decoded, so a character split across two
//     words survives;
//   - the whitespace between two encoded words is dropped (RFC 2047 §6.2);
//   - an encoded word with an unknown charset spoils only itself: its bytes
//     are read as UTF-8 when valid, else as windows-1252;
//   - base64 without padding is accepted;
//   - labels follow the WHATWG Encoding Standard (see lookup);
//   - raw 8-bit bytes outside encoded words are read as UTF-8 when valid,
//     else in textCharset (the charset the message declares for its text,
//     may be empty), else as windows-1252; raw ISO-2022-JP (7-bit, told by
//     its escape sequences) as ISO-2022-JP.
//
// The result is valid UTF-8 but not cleaned: pass it to Clean before showing it.
func DecodeHeader(v string, textCharset string) string {
	locs := encodedWord.FindAllStringSubmatchIndex(v, -1)
	if len(locs) == 0 {
		return decodeRaw([]byte(v), textCharset)
	}
	var out strings.Builder
	var runCharset string
	var runData []byte
	inRun := false
	flush := func() {
		if inRun {
			out.WriteString(decodeCharset(runData, runCharset))
			inRun, runData = false, runData[:0]
		}
	}
	pos := 0
	for _, m := range locs {
		lit := v[pos:m[0]]
		cs := v[m[2]:m[3]]
		if i := strings.IndexByte(cs, '*'); i >= 0 {
			cs = cs[:i]
		}
		data := decodeWordText(v[m[4]:m[5]], v[m[6]:m[7]])
		blank := strings.Trim(lit, " \t\r\n") == ""
		switch {
		case inRun && blank && sameCharset(cs, runCharset):
			runData = append(runData, data...)
		case inRun && blank:
			flush()
			runCharset, runData, inRun = cs, append(runData, data...), true
		default:
			flush()
			out.WriteString(decodeRaw([]byte(lit), textCharset))
			runCharset, runData, inRun = cs, append(runData, data...), true
		}
		pos = m[1]
	}
	flush()
	out.WriteString(decodeRaw([]byte(v[pos:]), textCharset))
	return out.String()
}

// decodeWordText undoes an encoded word's B or Q encoding, forgiving what
// can be forgiven: missing padding, stray characters, bad escapes.
func decodeWordText(enc, text string) []byte {
	if enc == "b" || enc == "B" {
		if i := strings.IndexByte(text, '='); i >= 0 {
			text = text[:i] // padding ends the data
		}
		clean := make([]byte, 0, len(text))
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
				clean = append(clean, c)
			}
		}
		if len(clean)%4 == 1 { // a lone sextet holds no whole byte
			clean = clean[:len(clean)-1]
		}
		out, err := base64.RawStdEncoding.DecodeString(string(clean))
		if err != nil {
			return nil
		}
		return out
	}
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			out = append(out, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
