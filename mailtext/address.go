package mailtext

import (
	"strings"
)

// An address parser of our own, not net/mail (nor go-message's mail, which
// wraps it): net/mail rejects the whole list for one flaw that real mail has
// (an unquoted comma in a display name, "Berg, Anna <anna@example.org>"),
// and it decodes encoded words one by one before a split character could be
// joined. This one never fails; it finds what a reader would see.

type mailbox struct {
	name string // raw display name: words joined by one space, not yet decoded
	addr string // addr-spec, may be empty or unusable
}

type addrList struct {
	boxes     []mailbox // in order, members of groups included
	groupName string    // the first group's display name
	groupOnly bool      // the list is made of groups without members only
}

type tokKind int

const (
	tokWord tokKind = iota
	tokQuoted
	tokComment
	tokAngle
	tokSpecial
)

type token struct {
	kind tokKind
	text string
}

// tokenize splits an address list into words, quoted strings (unescaped),
// comments, angle addresses and the specials , : ;. Unterminated quotes,
// comments and angles end at the end of the input.
func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if e := jisRun(s, j); e > j {
					b.WriteString(s[j:e])
					j = e - 1
					continue
				}
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			toks = append(toks, token{tokQuoted, b.String()})
			i = j + 1
		case c == '(':
			depth, j := 0, i
			var b strings.Builder
			for ; j < len(s); j++ {
				if e := jisRun(s, j); e > j {
					b.WriteString(s[j:e])
					j = e - 1
					continue
				}
				if s[j] == '\\' && j+1 < len(s) {
					j++
					b.WriteByte(s[j])
					continue
				}
				if s[j] == '(' {
					depth++
					if depth == 1 {
						continue
					}
				}
				if s[j] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
				b.WriteByte(s[j])
			}
			toks = append(toks, token{tokComment, b.String()})
			i = j + 1
		case c == '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				j = len(s) - i
			}
			toks = append(toks, token{tokAngle, s[i+1 : i+j]})
			i += j + 1
		case c == ',' || c == ':' || c == ';':
			toks = append(toks, token{tokSpecial, s[i : i+1]})
			i++
		default:
			j := i
			if strings.HasPrefix(s[i:], "=?") {
				if m := encodedWordAt.FindStringIndex(s[i:]); m != nil {
					j = i + m[1] // an encoded word may hold specials
				}
			}
			for j < len(s) && !strings.ContainsRune(" \t\r\n\"(<,:;", rune(s[j])) {
				j = max(j+1, jisRun(s, j))
			}
			toks = append(toks, token{tokWord, s[i:j]})
			i = j
		}
	}
	return toks
}

// jisRun is the end of the ISO-2022-JP double-byte run that starts at s[i]
// (ESC $ …, through the ESC ( … that switches back, or the end of s), or i
// when none starts there. Such a run holds bytes that look like specials
// (";3" is 山) and belongs whole to the word, quoted string or comment it
// is in.
func jisRun(s string, i int) int {
	if !strings.HasPrefix(s[i:], "\x1b$") {
		return i
	}
	if k := strings.Index(s[i+2:], "\x1b("); k >= 0 {
		return min(i+2+k+3, len(s))
	}
	return len(s)
}

// parseAddressList reads an address list (RFC 5322 §3.4, RFC 6854 groups in
// From) the way a lenient reader does. Words without an address before a
// comma belong to the next mailbox's display name: "Berg, Anna <a@b>" is
// one mailbox named "Berg, Anna".
func parseAddressList(s string) addrList {
	var l addrList
	var words, comments []string
	angle, hasAngle := "", false
	var pending []string // names without an address yet, joined by ", " when used
	inGroup, sawGroup, sawMember := false, false, false
	flush := func() {
		name := strings.Join(words, " ")
		switch {
		case hasAngle:
			if len(pending) > 0 {
				name = strings.TrimSpace(strings.Join(append(pending, name), ", "))
				pending = nil
			}
			if name == "" && len(comments) > 0 {
				name = strings.Join(comments, " ")
			}
			l.boxes = append(l.boxes, mailbox{name: name, addr: angleAddr(angle)})
			sawMember = sawMember || inGroup
		case len(words) == 1 && strings.Contains(words[0], "@") && len(pending) == 0:
			l.boxes = append(l.boxes, mailbox{name: strings.Join(comments, " "), addr: words[0]})
			sawMember = sawMember || inGroup
		case len(words) > 0 && usableAddr(words[len(words)-1]):
			// A bare address after words, as careless scripts write it:
			// "My Shop shop@example.org", `"Berg, Anna" anna@example.org`.
			// A lone one after words that had no address of their own
			// ("root, alice@example.org") does not take them as its name.
			name = strings.Join(words[:len(words)-1], " ")
			if name != "" && len(pending) > 0 {
				name = strings.Join(append(pending, name), ", ")
			}
			pending = nil
			l.boxes = append(l.boxes, mailbox{name: name, addr: words[len(words)-1]})
			sawMember = sawMember || inGroup
		case name != "":
			pending = append(pending, name)
		}
		words, comments, angle, hasAngle = nil, nil, "", false
	}
	for _, t := range tokenize(s) {
		switch t.kind {
		case tokWord, tokQuoted:
			words = append(words, t.text)
		case tokComment:
			comments = append(comments, t.text)
		case tokAngle:
			angle, hasAngle = t.text, true
		case tokSpecial:
			switch {
			case t.text == ":" && !inGroup && !hasAngle && len(words) > 0:
				if !sawGroup {
					l.groupName = strings.Join(words, " ")
				}
				words, comments, pending = nil, nil, nil
				inGroup, sawGroup = true, true
			case t.text == ":":
				words = append(words, ":")
			case t.text == ";":
				flush()
				if len(pending) > 0 && inGroup {
					pending = nil // a member without an address is no sender
				}
				inGroup = false
			default:
				flush()
			}
		}
	}
	flush()
	if len(pending) > 0 {
		l.boxes = append(l.boxes, mailbox{name: strings.Join(pending, ", ")})
	}
	l.groupOnly = sawGroup && !sawMember && len(l.boxes) == 0
	return l
}

// nameless says whether the list names nobody: only mailboxes without a
// display name or a usable address, such as the null address "<>" that
// bounces carry, or a server placeholder alone.
func (l addrList) nameless() bool {
	for _, b := range l.boxes {
		if strings.TrimSpace(b.name) != "" || usableAddr(b.addr) {
			return false
		}
	}
	return len(l.boxes) > 0
}

// noSender says whether a From value names no sender: missing, empty, only
// groups without members, or nameless (see addrList.nameless). Only then do
// Sender and Reply-To matter.
func noSender(from string) bool {
	if strings.TrimSpace(from) == "" {
		return true
	}
	l := parseAddressList(from)
	return l.groupOnly || l.nameless()
}

// angleAddr strips a source route ("@relay:") and a mailto: from an angle address.
func angleAddr(a string) string {
	a = strings.TrimSpace(a)
	if i := strings.LastIndexByte(a, ':'); i >= 0 && strings.HasPrefix(a, "@") {
		a = a[i+1:]
	}
	if len(a) > 7 && strings.EqualFold(a[:7], "mailto:") {
		a = a[7:]
	}
	return strings.TrimSpace(a)
}

// usableAddr says whether an address can be shown as one: local@domain, no
// blanks, and not a placeholder a server put in for what it could not parse
// (Dovecot's MISSING_DOMAIN and UW-IMAP's .MISSING-HOST-NAME. among them).
func usableAddr(a string) bool {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || strings.ContainsAny(a, " \t\r\n<>") {
		return false
	}
	up := strings.ToUpper(a)
	for _, p := range []string{"MISSING_DOMAIN", "MISSING-HOST-NAME", "MISSING_MAILBOX", "UNEXPECTED_DATA_AFTER_ADDRESS", "INVALID_ADDRESS", "SYNTAX-ERROR"} {
		if strings.Contains(up, p) {
			return false
		}
	}
	return true
}

// Sender chooses who a message is from, as a notification should name it:
// the first mailbox of From with a usable address, looking inside groups
// (RFC 6854); when From names nobody (empty, only groups without members,
// or only the null address "<>" or a placeholder), the same from Sender,
// then from Reply-To. A From without any usable address is shown as its
// decoded text (name set, address empty), never with a placeholder; one
// that names nobody, when no other header helps, as its group's name or
// its text. A display name that is, or holds, an address other than the
// sender's is shown with the real address after it ("paypal@paypal.com
// <evil@phish.example>"), never alone. Arguments are raw, unfolded header
// values; textCharset is the
// charset the message declares for its text, for raw 8-bit names. name and
// address are cleaned (Clean, MaxHeaderRunes); either may be empty.
func Sender(from, sender, replyTo, textCharset string) (name, address string) {
	lastResort := ""
	for _, v := range []string{from, sender, replyTo} {
		if strings.TrimSpace(v) == "" {
			continue
		}
		l := parseAddressList(v)
		for _, b := range l.boxes {
			if usableAddr(b.addr) {
				address = Clean(b.addr, MaxHeaderRunes)
				return showRealAddress(Clean(DecodeHeader(b.name, textCharset), MaxHeaderRunes), address), address
			}
		}
		if l.groupOnly || l.nameless() {
			if lastResort == "" {
				lastResort = strings.TrimSpace(v)
				if l.groupOnly {
					lastResort = l.groupName
				}
			}
			continue
		}
		return Clean(DecodeHeader(strings.TrimSpace(v), textCharset), MaxHeaderRunes), ""
	}
	return Clean(DecodeHeader(lastResort, textCharset), MaxHeaderRunes), ""
}
