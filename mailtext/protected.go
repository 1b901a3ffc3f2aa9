package mailtext

import (
	"bytes"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// Protected headers: a signed or encrypted mail may carry its real header
// fields inside the signed or encrypted part and show a placeholder outside
// ("Subject: ..." in draft-autocrypt-lamps-protected-headers, "[...]" in
// the IETF LAMPS header protection draft). Such a mail also carries a
// "legacy display" part for programs that do not know protected headers:
// header lines as text, a text/rfc822-headers part marked
// protected-headers="v1" or a text/plain part marked hp-legacy-display="1".
// Its parameters are in the structure that is fetched for every mail, so
// ordinary mail costs nothing more; an encrypted mail shows no such part
// (its parts are encrypted) and keeps its placeholder.

// LegacyDisplayFetch is how many of a legacy display part's first bytes
// are fetched for its Subject: its header lines come first.
const LegacyDisplayFetch = 999

// ObscuredSubject says whether a Subject (decoded and cleaned) is a
// placeholder that stands for a protected one: "...", "…", "[...]" or
// empty.
func ObscuredSubject(s string) bool {
	switch strings.TrimSpace(s) {
	case "", "...", "…", "[...]", "[…]":
		return true
	}
	return false
}

// LegacyDisplayPart finds a message's legacy display part in its structure
// (see above), to fetch its first LegacyDisplayFetch bytes
// (BODY.PEEK[<path>]<0.999>); ok is false when it has none, as ordinary
// mail has none. ChoosePart never picks it for the preview.
func LegacyDisplayPart(bs imap.BodyStructure) (p TextPart, ok bool) {
	walkParts(bs, nil, func(path []int, sp *imap.BodyStructureSinglePart) {
		if !ok && isLegacyDisplay(sp) {
			p = TextPart{Path: append([]int(nil), path...), Charset: charsetParam(sp.Params),
				Encoding: strings.ToLower(strings.TrimSpace(sp.Encoding)), Size: sp.Size}
			ok = true
		}
	})
	return p, ok
}

func isLegacyDisplay(sp *imap.BodyStructureSinglePart) bool {
	if !strings.EqualFold(sp.Type, "text") {
		return false
	}
	switch strings.ToLower(sp.Subtype) {
	case "rfc822-headers":
		return sp.Params["protected-headers"] != ""
	case "plain":
		return sp.Params["hp-legacy-display"] == "1"
	}
	return false
}

// ProtectedSubject is the Subject in the first bytes of a legacy display
// part p (data, as BODY[<path>]<0.999> returns them), decoded in the
// part's charset and shown as a Subject field is (a line the 999 bytes cut
// ends in "…"); "" when they hold none. A client shows it in place of an
// obscured Subject only (ObscuredSubject): idlebell checks no signature, so
// the Subject outside is as much the sender's word as the one inside.
func ProtectedSubject(p TextPart, data []byte) string {
	complete := uint32(len(data)) < LegacyDisplayFetch
	data = decodeTransfer(p.Encoding, data, complete)
	block := NewHeaderBlock(data, uint32(len(data))+1)
	if !complete {
		block.Cut = !bytes.Contains(data, []byte("\n\r\n")) && !bytes.Contains(data, []byte("\n\n"))
	}
	return ParseHeaderBlocks(p.Charset, block).Subject
}
