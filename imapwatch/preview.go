package imapwatch

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

// PreviewMaxRunes caps the preview line.
const PreviewMaxRunes = 200

// previewBytes is how much of the message text is fetched: with the part
// headers of a multipart message and quoted-printable, enough for the start
// of the text (a bubble shows about 100 characters); small enough to keep a
// new mail near 1 KB on the wire. A multiple of 4 keeps base64 decodable.
const previewBytes = 320

// maxHeaderRunes caps subjects and names; RFC 5322 allows 998 per line.
const maxHeaderRunes = 998

// Preview extracts a short plain-text preview from the top-level header
// fields (Content-Type, Content-Transfer-Encoding) and a prefix of the
// message text. It decodes transfer encodings and charsets, prefers
// text/plain over text/html, and never fails: what it cannot read becomes "".
// The result is valid UTF-8, whitespace collapsed, at most PreviewMaxRunes.
func Preview(header, textPrefix []byte) string {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(header)))
	if err != nil && h.Len() == 0 {
		h = textproto.Header{}
	}
	s := extractText(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), textPrefix, 0)
	return clean(s, PreviewMaxRunes)
}

// extractText returns the text of the first text part, or "".
func extractText(contentType, cte string, body []byte, depth int) string {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || contentType == "" {
		mt, params = "text/plain", map[string]string{"charset": "us-ascii"}
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if depth > 4 || params["boundary"] == "" {
			return ""
		}
		var htmlPart string
		for _, p := range splitParts(body, params["boundary"]) {
			ph, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(p.header)))
			if err != nil && ph.Len() == 0 {
				continue
			}
			pct := ph.Get("Content-Type")
			pmt, _, _ := mime.ParseMediaType(pct)
			if pct == "" {
				pmt = "text/plain"
			}
			if disp, _, _ := mime.ParseMediaType(ph.Get("Content-Disposition")); disp == "attachment" {
				continue
			}
			switch {
			case pmt == "text/plain":
				return extractText(pct, ph.Get("Content-Transfer-Encoding"), p.body, depth+1)
			case pmt == "text/html" && htmlPart == "":
				htmlPart = extractText(pct, ph.Get("Content-Transfer-Encoding"), p.body, depth+1)
			case strings.HasPrefix(pmt, "multipart/"):
				if s := extractText(pct, "", p.body, depth+1); s != "" {
					return s
				}
			}
		}
		return htmlPart
	case mt == "text/plain":
		return decodeBody(cte, params["charset"], body)
	case mt == "text/html":
		return htmlToText(decodeBody(cte, params["charset"], body))
	}
	return ""
}

type part struct{ header, body []byte }

// splitParts cuts a (possibly truncated) multipart body into its parts. It
// is forgiving where mime/multipart is strict: a prefix ends mid-part.
func splitParts(body []byte, boundary string) []part {
	delim := []byte("--" + boundary)
	i := bytes.Index(body, delim)
	if i < 0 {
		return nil
	}
	body = body[i:] // from here on, body starts with a delimiter
	var parts []part
	for len(parts) < 16 {
		rest := body[len(delim):]
		if bytes.HasPrefix(rest, []byte("--")) {
			break // closing delimiter
		}
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			break
		}
		rest = rest[nl+1:]
		next := bytes.Index(rest, delim)
		content := rest
		if next >= 0 {
			content = rest[:next]
		}
		// Header and body are separated by the first empty line.
		hdr, bdy := content, []byte(nil)
		if k := bytes.Index(content, []byte("\r\n\r\n")); k >= 0 {
			hdr, bdy = content[:k+2], content[k+4:]
		} else if k := bytes.Index(content, []byte("\n\n")); k >= 0 {
			hdr, bdy = content[:k+1], content[k+2:]
		} else if next < 0 {
			break // the prefix ended inside the part header
		}
		parts = append(parts, part{header: append(hdr[:len(hdr):len(hdr)], '\r', '\n'), body: bdy})
		if next < 0 {
			break
		}
		body = rest[next:]
	}
	return parts
}

// decodeBody undoes the transfer encoding and converts to UTF-8, keeping
// whatever decoded before the prefix was cut.
func decodeBody(cte, cs string, b []byte) string {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, b)
		clean = clean[:len(clean)/4*4]
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, _ := base64.StdEncoding.Decode(out, clean)
		b = out[:n]
	case "quoted-printable":
		out, _ := io.ReadAll(io.LimitReader(quotedprintable.NewReader(bytes.NewReader(b)), int64(len(b))))
		b = out
	}
	cs = strings.ToLower(strings.TrimSpace(cs))
	if cs != "" && cs != "utf-8" && cs != "us-ascii" && cs != "utf8" {
		if r, err := charset.Reader(cs, bytes.NewReader(b)); err == nil {
			if out, err := io.ReadAll(r); err == nil || len(out) > 0 {
				b = out
			}
		}
	}
	// The prefix may end inside a multi-byte character: drop that stub.
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				b = b[:len(b)-k]
			}
			break
		}
	}
	return string(b)
}

var (
	htmlDrop = regexp.MustCompile(`(?is)<(script|style|head)\b.*?(</(script|style|head)>|$)`)
	htmlTag  = regexp.MustCompile(`(?s)<[^>]*(>|$)`)
)

func htmlToText(s string) string {
	s = htmlDrop.ReplaceAllString(s, " ")
	s = htmlTag.ReplaceAllString(s, " ")
	return html.UnescapeString(s)
}

// clean makes untrusted text safe to show: valid UTF-8, no control or format
// characters (bidi overrides included), whitespace collapsed, capped.
func clean(s string, maxRunes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if unicode.Is(unicode.Cf, r) { // bidi overrides, zero-width joiners
			continue
		}
		if n >= maxRunes {
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
			if n >= maxRunes {
				break
			}
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// cleanHeader decodes RFC 2047 words (any charset go-message knows; raw 8-bit
// headers are taken as UTF-8 or replaced) and cleans the result like a preview.
func cleanHeader(s string) string {
	if dec, err := wordDecoder.DecodeHeader(s); err == nil {
		s = dec
	}
	return clean(s, maxHeaderRunes)
}
