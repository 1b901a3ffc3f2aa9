package mailtext

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Preview turns the first bytes of a part, as the server sends them for
// BODY[<part>]<0.N>, into a preview line: the transfer encoding undone
// (base64, quoted-printable; a cut in the middle of either costs only the
// cut quantum), the charset decoded (see DecodeHeader for labels), HTML
// turned to text (head, style and script skipped), inline OpenPGP armor
// ("-----BEGIN PGP SIGNED MESSAGE-----", its Hash: lines and the signature
// block) and the "-- " signature removed, quoted text left out (lines that
// begin with ">", an HTML <blockquote>) unless there is nothing else, then
// cleaned and capped at MaxPreviewRunes. complete says data is the whole
// part: otherwise a character cut at the end is dropped. It never fails;
// unreadable is "".
//
// Leaving quoted text out is what a reader of a reply wants to see first,
// and what Dovecot's PREVIEW (RFC 8970) does, so that a preview reads the
// same whichever of the two made it (see ServerPreview).
func Preview(p TextPart, data []byte, complete bool) string {
	own, all := previewText(p, data, complete)
	if s := Clean(own, MaxPreviewRunes); s != "" {
		return s
	}
	return Clean(all, MaxPreviewRunes)
}

// previewText is the part's text without quoted text (own) and with it.
func previewText(p TextPart, data []byte, complete bool) (own, all string) {
	b := decodeTransfer(p.Encoding, data, complete)
	if !complete {
		b = dropCutRune(b, p.Charset)
	}
	s := decodeCharset(b, p.Charset)
	if !complete {
		s = strings.TrimRight(s, "\uFFFD")
	}
	if p.HTML {
		return stripArmor(htmlText(s, true, complete)), stripArmor(htmlText(s, false, complete))
	}
	all = stripArmor(s)
	return dropQuoted(all, complete), all
}

// dropQuoted leaves out the lines that begin with ">", quoted from the mail
// replied to (as Dovecot does: a ">" after leading blanks is text), and
// the attribution line of each quoted block: the last line before it,
// blank lines aside, when it ends with ':' ("On Mon, 30 Nov 2026, Bob
// wrote:", "Am Mo., 30. Nov. 2026 um 06:00 schrieb Bob <bob@example.org>:",
// in whatever language the mailer writes it). Of a prefix (complete false)
// a last line ending with ':' goes too: its quote may begin in the bytes
// not fetched yet.
func dropQuoted(s string, complete bool) string {
	if !strings.Contains(s, ">") && !strings.Contains(s, ":") {
		return s
	}
	lines := strings.Split(s, "\n")
	out := lines[:0]
	dropAttribution := func() {
		i := len(out) - 1
		for i >= 0 && strings.TrimSpace(out[i]) == "" {
			i--
		}
		if i >= 0 && isAttribution(out[i]) {
			out = out[:i]
		}
	}
	quoted := false
	for _, l := range lines {
		if strings.HasPrefix(l, ">") {
			if !quoted {
				dropAttribution()
			}
			quoted = true
			continue
		}
		if strings.TrimSpace(l) != "" {
			quoted = false
		}
		out = append(out, l)
	}
	if !complete {
		dropAttribution()
	}
	return strings.Join(out, "\n")
}

// isAttribution says a line may introduce a quote: text ending with ':'.
func isAttribution(l string) bool {
	t := strings.TrimRight(l, " \t\r")
	return strings.HasSuffix(t, ":") && !strings.HasPrefix(t, ">")
}

// decodeTransfer undoes a Content-Transfer-Encoding, keeping what decoded
// before a cut or a flaw. Unknown encodings are taken as they are.
func decodeTransfer(cte string, b []byte, complete bool) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		clean := make([]byte, 0, len(b))
		for _, c := range b {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
				clean = append(clean, c)
			}
		}
		if !complete {
			clean = clean[:len(clean)/4*4]
		} else if len(clean)%4 == 1 {
			clean = clean[:len(clean)-1]
		}
		out, err := base64.RawStdEncoding.DecodeString(string(clean))
		if err != nil {
			return nil
		}
		return out
	case "quoted-printable":
		if !complete {
			// A cut inside "=XX" would make the reader fail at its end.
			if i := bytes.LastIndexByte(b, '='); i >= 0 && i >= len(b)-2 {
				b = b[:i]
			}
		}
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
		return out
	}
	return b
}

// dropCutRune drops a UTF-8 sequence cut at the end of a prefix. Other
// multi-byte charsets leave a U+FFFD at the end, which previewText trims.
func dropCutRune(b []byte, charset string) []byte {
	if !isLaxLabel(charset) {
		return b
	}
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return b[:len(b)-k]
			}
			break
		}
	}
	return b
}

// htmlText is the text a reader sees in an HTML document or a prefix of
// one, by the x/net/html tokenizer (which knows that style and script hold
// raw text, and unescapes character references): nothing from head,
// style, script, title or template, nor from blockquote when skipQuoted,
// and then neither the attribution line before a blockquote (the last line
// before it when it ends with ':', as Gmail's gmail_attr div and
// Thunderbird's moz-cite-prefix do; of a prefix also a last such line, see
// dropQuoted); a line break for each block element.
func htmlText(s string, skipQuoted, complete bool) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if skipQuoted && !complete {
				return dropAttributionLine(b.String())
			}
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Blockquote:
				if skipQuoted {
					switch tt {
					case html.StartTagToken:
						if skip == 0 {
							t := dropAttributionLine(b.String())
							b.Reset()
							b.WriteString(t)
						}
						skip++
					case html.EndTagToken:
						if skip > 0 {
							skip--
						}
					}
				}
				b.WriteByte('\n')
			case atom.Head, atom.Style, atom.Script, atom.Title, atom.Template, atom.Noscript:
				switch tt {
				case html.StartTagToken:
					skip++
				case html.EndTagToken:
					if skip > 0 {
						skip--
					}
				}
			case atom.Body:
				skip = 0 // a head left open ends where the body begins
			case atom.Br, atom.P, atom.Div, atom.Tr, atom.Li, atom.Table, atom.H1, atom.H2, atom.H3,
				atom.H4, atom.H5, atom.H6, atom.Hr, atom.Pre, atom.Ul, atom.Ol, atom.Td:
				b.WriteByte('\n')
			}
		}
	}
}

// dropAttributionLine drops the last line of text, blank lines aside, when
// it introduces a quote (isAttribution).
func dropAttributionLine(s string) string {
	t := strings.TrimRight(s, " \t\r\n\u00a0")
	i := strings.LastIndexByte(t, '\n')
	if isAttribution(strings.TrimSpace(t[i+1:])) {
		return t[:i+1]
	}
	return s
}

// stripArmor removes inline OpenPGP armor (RFC 4880 §7: the "BEGIN PGP
// SIGNED MESSAGE" line and its Armor Header lines, dash-escaping, the
// signature block; a "BEGIN PGP MESSAGE" block is ciphertext and goes
// whole) and everything after a "-- " signature separator. The preview of
// a prefix may end inside a block: the rest of it is dropped too.
func stripArmor(s string) string {
	if !strings.Contains(s, "-----BEGIN PGP") && !strings.Contains(s, "\n--") && !strings.HasPrefix(s, "--") {
		return s
	}
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	inHeader, inBlock, signed := false, false, false
	for _, l := range lines {
		t := strings.TrimRight(l, " \t\r")
		switch {
		case inBlock:
			if strings.HasPrefix(t, "-----END PGP") {
				inBlock = false
			}
		case inHeader:
			if t == "" {
				inHeader = false
			}
		case t == "-----BEGIN PGP SIGNED MESSAGE-----":
			inHeader, signed = true, true
		case strings.HasPrefix(t, "-----BEGIN PGP SIGNATURE") || strings.HasPrefix(t, "-----BEGIN PGP MESSAGE") ||
			strings.HasPrefix(t, "-----BEGIN PGP PUBLIC KEY"):
			inBlock = true
		case t == "--":
			// "-- " ends the text; quoted-printable loses its space. A
			// text that begins with it is a signature only: it shows
			// nothing, as an empty one, and the next text part is read.
			return strings.Join(out, "\n")
		default:
			if signed && strings.HasPrefix(l, "- ") {
				l = l[2:] // dash-escaped line
			}
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
