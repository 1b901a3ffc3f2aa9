package mailtext

import (
	"bufio"
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// HeaderWindow is how many bytes of HeaderFields a client fetches in its
// first round trip: BODY.PEEK[HEADER.FIELDS (From Subject Date
// Message-ID)]<0.9999>. Without a bound, a sender who writes 120 KB of
// Subject makes the server answer with a literal larger than a careful
// client reads; the four fields of real mail take a few hundred bytes. The
// largest four-digit size, as each byte of the command counts.
const HeaderWindow = 9999

// FieldWindow is how many bytes of one header field a client fetches when
// it fetches the field alone (see Refetch): BODY.PEEK[HEADER.FIELDS
// (Message-ID)]<0.999>. A Subject or a name is shown up to MaxHeaderRunes
// characters, which take up to about 6 KB when encoded (RFC 2047 base64
// of four-byte UTF-8); a Date or a Message-ID fits one line of 998
// bytes (RFC 5322 §2.1.1).
func FieldWindow(field string) uint32 {
	switch strings.ToLower(field) {
	case "date", "message-id":
		return 999
	}
	return HeaderWindow
}

// A HeaderBlock is one answer to BODY[HEADER.FIELDS (...)]<0.N> (RFC 3501
// §6.4.5): the fields asked for, as they stand in the message and in its
// order, ending in the empty line that ends a header — unless the N bytes
// cut it off.
type HeaderBlock struct {
	Data []byte
	// Cut: the answer filled the N bytes asked for and lacks the empty
	// line at the end. Its last field may end early (a window that ends
	// right after a line cannot tell whether a folded line follows), and
	// the fields after it are missing.
	Cut bool
}

// NewHeaderBlock is the HeaderBlock of an answer data to a request for
// size bytes.
func NewHeaderBlock(data []byte, size uint32) HeaderBlock {
	ended := bytes.HasSuffix(data, []byte("\r\n\r\n")) || bytes.HasSuffix(data, []byte("\n\n"))
	return HeaderBlock{Data: data, Cut: uint32(len(data)) >= size && !ended}
}

// split parses the block's whole fields and returns the one the window
// cut (its name, and its raw value unfolded as far as it goes), if any.
func (b HeaderBlock) split() (whole textproto.Header, cutName, cutValue string) {
	data := b.Data
	if b.Cut {
		// The last field begins at the last line start that is not a
		// folded continuation.
		start := 0
		for i := len(data) - 1; i > 0; i-- {
			if data[i-1] == '\n' && data[i] != ' ' && data[i] != '\t' {
				start = i
				break
			}
		}
		if k, v, ok := bytes.Cut(data[start:], []byte(":")); ok {
			cutName, cutValue = strings.TrimSpace(string(k)), string(v)
		}
		data = append(data[:start:start], '\r', '\n')
	}
	whole, _ = textproto.ReadHeader(bufio.NewReader(bytes.NewReader(data)))
	return whole, cutName, cutValue
}

// fieldSet is what a message's header blocks tell of each field: its raw
// value whole, or cut by a window.
type fieldSet struct {
	whole []textproto.Header
	cut   map[string]string // lower-case name → the first cut value
}

func readBlocks(blocks []HeaderBlock) fieldSet {
	fs := fieldSet{cut: map[string]string{}}
	for _, b := range blocks {
		h, name, v := b.split()
		fs.whole = append(fs.whole, h)
		if name != "" {
			k := strings.ToLower(name)
			if _, seen := fs.cut[k]; !seen {
				fs.cut[k] = v
			}
		}
	}
	return fs
}

// get is the field's raw value: the first whole one of any block, else the
// first cut one (cut true); present is false when no block holds it.
func (fs fieldSet) get(name string) (v string, cut, present bool) {
	for _, h := range fs.whole {
		if h.Has(name) {
			return h.Get(name), false, true
		}
	}
	if v, ok := fs.cut[strings.ToLower(name)]; ok {
		return v, true, true
	}
	return "", false, false
}

// ParseHeaderBlocks reads a message's header fields from the blocks a
// client fetched (see HeaderBlock): the first window of HeaderFields, the
// fields Refetch named, each fetched alone, and FallbackFields. A field is
// taken from the first block that holds it whole. A field that only a cut
// is known of is never used as if whole: a cut Message-ID or Date is
// none, a cut Subject is shown up to its last whole word and marked "…",
// a cut address field gives its first mailbox only when that one ended
// before the cut (else its text, marked "…", as the name, and no address).
// textCharset is as for ParseHeaders.
func ParseHeaderBlocks(textCharset string, blocks ...HeaderBlock) Headers {
	fs := readBlocks(blocks)
	var out Headers
	from, fromCut, _ := fs.get("From")
	sender, senderCut, _ := fs.get("Sender")
	replyTo, replyToCut, _ := fs.get("Reply-To")
	if fromCut {
		raw := from
		if from = completeMailboxes(raw); from == "" {
			out.FromName = cutText(raw, textCharset)
		}
	}
	if senderCut {
		sender = completeMailboxes(sender)
	}
	if replyToCut {
		replyTo = completeMailboxes(replyTo)
	}
	if out.FromName == "" {
		out.NoFrom = noSender(from)
		out.FromName, out.FromAddress = Sender(from, sender, replyTo, textCharset)
	}
	switch subject, cut, _ := fs.get("Subject"); {
	case cut:
		out.Subject = cutText(subject, textCharset)
	default:
		out.Subject, _ = CleanWords(DecodeHeader(subject, textCharset), MaxHeaderRunes)
	}
	if date, cut, _ := fs.get("Date"); !cut {
		if t, ok := ParseDate(date); ok {
			out.Date = t
		}
	}
	if id, cut, _ := fs.get("Message-Id"); !cut {
		out.MessageID = Clean(messageID(id), MaxHeaderRunes)
	}
	return out
}

// Refetch lists the fields of HeaderFields that the first window (first,
// HeaderWindow bytes of them) left out or cut, for a client to fetch each
// alone in FieldWindow(field) bytes; nil when the window was not cut, as
// for ordinary mail. A cut field is not listed when fetching it alone
// could not show more: a Subject cut after MaxHeaderRunes characters, an
// address field whose first mailbox ended before the cut, a field the
// window holds FieldWindow bytes of.
func Refetch(first HeaderBlock, textCharset string) []string {
	if !first.Cut {
		return nil
	}
	fs := readBlocks([]HeaderBlock{first})
	var out []string
	for _, f := range HeaderFields {
		v, cut, present := fs.get(f)
		switch {
		case !present:
			out = append(out, f)
		case !cut || uint32(len(f)+1+len(v)) >= FieldWindow(f):
		case f == "Subject" && utf8.RuneCountInString(Clean(DecodeHeader(v, textCharset), len(v)+1)) >= MaxHeaderRunes:
		case f == "From" && completeMailboxes(v) != "":
		default:
			out = append(out, f)
		}
	}
	return out
}

// cutText shows a field value that a window cut: up to its last whole word
// (the last may be the half of an encoded word), decoded, cleaned and
// marked "…".
func cutText(v, textCharset string) string {
	if i := strings.LastIndexAny(v, " \t\r\n"); i > 0 && strings.TrimSpace(v[:i]) != "" {
		v = v[:i]
	}
	v = strings.TrimSpace(DecodeHeader(v, textCharset))
	if v == "" {
		return ""
	}
	if out, cut := CleanWords(v, MaxHeaderRunes-1); cut {
		return out
	}
	return Clean(v, MaxHeaderRunes-1) + "…"
}

// completeMailboxes is the part of a cut address list before its last
// separator (',' or ';' outside quotes, comments and angle brackets): the
// mailboxes and groups that ended before the cut. It is empty when none did.
func completeMailboxes(v string) string {
	last := -1
	quoted, angle, depth := false, false, 0
	for i := 0; i < len(v); i++ {
		if e := jisRun(v, i); e > i {
			i = e - 1 // ISO-2022-JP bytes that look like specials
			continue
		}
		switch c := v[i]; {
		case c == '\\' && (quoted || depth > 0):
			i++
		case quoted:
			quoted = c != '"'
		case depth > 0:
			switch c {
			case '(':
				depth++
			case ')':
				depth--
			}
		case c == '"':
			quoted = true
		case c == '(':
			depth = 1
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case !angle && (c == ',' || c == ';'):
			last = i
		}
	}
	if last < 0 {
		return ""
	}
	return v[:last+1]
}
