package mailtext

import (
	"strings"
	"time"
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
// decodes the fields in HeaderFields. The block is taken as whole: for a
// block a window may have cut, see ParseHeaderBlocks. textCharset is the
// charset the message declares for its text (ChoosePart's), for raw 8-bit
// bytes; it may be empty. A flawed line ends the block; what came before
// is kept.
func ParseHeaders(block []byte, textCharset string) Headers {
	return ParseHeaderBlocks(textCharset, HeaderBlock{Data: block})
}

// messageID is the id of a Message-ID value in the form RFC 5322 §3.6.4
// gives it, "<id-left@id-right>" (comments and blanks around it allowed),
// without its brackets (of several, the first in brackets). A value
// in any other form ("none", "<@localhost>", "abc@host" without brackets,
// "<abc" that a window cut) gives "": it is no id that tells one message
// from another, and brackets a client put around it would be its own.
func messageID(v string) string {
	v = strings.TrimSpace(stripComments(v))
	i := strings.IndexByte(v, '<')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(v[i:], '>')
	if j < 0 {
		return ""
	}
	id := v[i+1 : i+j]
	at := strings.LastIndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || strings.ContainsAny(id, " \t\r\n<") {
		return ""
	}
	return id
}
