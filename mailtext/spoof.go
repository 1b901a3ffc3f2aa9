package mailtext

import (
	"strings"
	"unicode"
)

// maxSpoofNameRunes caps a display name shown beside the real address (see
// showRealAddress), so that the address after it still fits a bubble's
// title.
const maxSpoofNameRunes = 40

// showRealAddress is the name to show for a sender whose display name
// (decoded and cleaned) is, or contains, an address other than addr: the
// name, cut to maxSpoofNameRunes, then the real address in angle brackets,
// as Thunderbird shows such a sender. A name "paypal@paypal.com" on the
// address evil@phish.example would otherwise be all a bubble, the tray or
// a hook shows of the sender. Any other name is returned as it is.
func showRealAddress(name, addr string) string {
	if addr == "" || !carriesOtherAddress(name, addr) {
		return name
	}
	return Clean(name, maxSpoofNameRunes) + " <" + addr + ">"
}

// carriesOtherAddress says whether name holds something that reads as an
// address (an at sign, also the full-width and small ones, with a
// character other than a space or a bracket on each side) that is not
// addr, compared without case.
func carriesOtherAddress(name, addr string) bool {
	for _, w := range strings.FieldsFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`<>()[]"',;:`, r)
	}) {
		w = strings.NewReplacer("＠", "@", "﹫", "@").Replace(w)
		at := strings.IndexByte(w, '@')
		if at <= 0 || at == len(w)-1 {
			continue
		}
		if !strings.EqualFold(strings.TrimRight(w, "."), addr) {
			return true
		}
	}
	return false
}
