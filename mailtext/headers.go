package mailtext

import (
	"bufio"
	"bytes"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
)

// HeaderFields are the header fields ParseHeaders reads for every message,
// in the form an IMAP BODY.PEEK[HEADER.FIELDS (...)] asks for them.
// FallbackFields are those it reads too when they are in the block: they
// matter only when From is empty or only groups (see Sender), so a client may
// fetch them only then.
var (
	HeaderFields   = []string{"From", "Subject", "Date", "Message-ID"}
	FallbackFields = []string{"Sender", "Reply-To"}
)

// Headers are the header fields of a message as a notification shows them:
// decoded, cleaned (Clean) and capped at MaxHeaderRunes.
type Headers struct {
	FromName    string    // display name of the sender (see Sender), may be empty
	FromAddress string    // local@domain, empty when no usable address exists
	Subject     string    // may be empty
	Date        time.Time // zero when missing or unreadable
	MessageID   string    // id-left@id-right, without angle brackets; may be empty
	// NoFrom is true when From names nobody (missing, empty, only groups
	// without members, only "<>"): only then do Sender and Reply-To
	// (FallbackFields) matter.
	NoFrom bool
}

// ParseHeaders reads a raw header block (RFC 5322 header fields, folded,
// possibly with raw 8-bit bytes, ending in an empty line or not) and
// decodes the fields in HeaderFields. textCharset is the charset the
// message declares for its text (ChoosePart's), for raw 8-bit bytes; it
// may be empty. A flawed line ends the block; what came before is kept.
func ParseHeaders(block []byte, textCharset string) Headers {
	h, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(block)))
	var out Headers
	from := h.Get("From")
	out.NoFrom = noSender(from)
	out.FromName, out.FromAddress = Sender(from, h.Get("Sender"), h.Get("Reply-To"), textCharset)
	out.Subject = Clean(DecodeHeader(h.Get("Subject"), textCharset), MaxHeaderRunes)
	if t, ok := ParseDate(h.Get("Date")); ok {
		out.Date = t
	}
	out.MessageID = Clean(messageID(h.Get("Message-Id")), MaxHeaderRunes)
	return out
}

// messageID is the first <id> of a Message-ID value, without its brackets;
// a value without brackets is taken whole.
func messageID(v string) string {
	v = strings.TrimSpace(stripComments(v))
	if i := strings.IndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	return strings.TrimSpace(v)
}
