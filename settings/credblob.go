package settings

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeCredentialBlob reads a Windows Credential Manager blob as text.
// idlebell and go-keyring store UTF-8; Windows' own tools (cmdkey, the
// Credential Manager dialog) store UTF-16LE, which read as UTF-8 gives
// "s\x00e\x00c\x00…". A blob that is clean UTF-8 text — valid, without
// control characters (NUL included) — is returned as it is; otherwise an
// even-length blob that is clean UTF-16LE text is decoded, dropping one
// trailing NUL terminator. Anything else is returned unchanged.
func decodeCredentialBlob(b string) string {
	if utf8.ValidString(b) && !strings.ContainsFunc(b, unicode.IsControl) {
		return b
	}
	if len(b) < 2 || len(b)%2 != 0 {
		return b
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	if units[len(units)-1] == 0 {
		units = units[:len(units)-1]
	}
	// Unpaired surrogates mean it is not UTF-16 text.
	for i := 0; i < len(units); i++ {
		switch u := units[i]; {
		case u >= 0xD800 && u < 0xDC00:
			if i+1 >= len(units) || units[i+1] < 0xDC00 || units[i+1] >= 0xE000 {
				return b
			}
			i++
		case u >= 0xDC00 && u < 0xE000:
			return b
		}
	}
	s := string(utf16.Decode(units))
	if s == "" || strings.ContainsFunc(s, unicode.IsControl) {
		return b
	}
	return s
}
