package imapwatch

import (
	"bytes"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/emersion/go-imap/v2"

	"idlebell/mailtext"
	"idlebell/safetext"
)

// mailText is how a new mail's fetched data is read: mailtext's functions.
// Tests swap one for a function that panics.
type mailText struct {
	parseHeaders func(textCharset string, blocks ...mailtext.HeaderBlock) mailtext.Headers
	choosePart   func(bs imap.BodyStructure) (mailtext.TextPart, string, bool)
	fallback     func(p mailtext.TextPart, have []byte, complete bool) (mailtext.TextPart, bool)
	nextFetch    func(p mailtext.TextPart, have []byte, complete bool) uint32
	preview      func(p mailtext.TextPart, data []byte, complete bool) string
	// serverPreview cleans a server's PREVIEW (RFC 8970).
	serverPreview func(text string, p mailtext.TextPart, subject string) (string, bool)
}

var mailtextFuncs = mailText{
	parseHeaders:  mailtext.ParseHeaderBlocks,
	choosePart:    mailtext.ChoosePart,
	fallback:      mailtext.Fallback,
	nextFetch:     mailtext.NextFetch,
	preview:       mailtext.Preview,
	serverPreview: mailtext.ServerPreview,
}

// mailReader reads the fetched data of an account's new mail. A panic in
// reading one mail (a bug that some odd mail brings out) must not end
// idlebell: that mail would stay above the watermark and end it again at
// every start. The reader recovers per mail and step, logs the panic at
// ERROR with its stack, and the mail goes on with what could be read: its
// Subject, From and Message-ID as they stand in the raw header when the
// header could not be read, no preview when its text could not.
type mailReader struct {
	text    *mailText
	logger  *slog.Logger
	secrets *secretSet // the panic's value passes through them
}

// recovered logs a panic in reading the mail mbox/uid, in step; it returns
// whether there was one. Call it deferred: it recovers.
func (rd *mailReader) recovered(v any, step, mbox string, uid uint32) bool {
	if v == nil {
		return false
	}
	what := cutServerText(rd.secrets.redactText(fmt.Sprint(v)))
	rd.logger.Error("reading a new mail failed; announcing what could be read", "mailbox", mbox, "uid", uid,
		"step", step, "panic", what, "stack", string(debug.Stack()))
	return true
}

// headers reads a mail's header blocks (see mailtext.ParseHeaderBlocks);
// ok is false when reading them panicked and the fields are the raw
// header's (rawHeaders).
func (rd *mailReader) headers(blocks []mailtext.HeaderBlock, charset, mbox string, uid uint32) (h mailtext.Headers, ok bool) {
	defer func() {
		if rd.recovered(recover(), "header", mbox, uid) {
			var all []byte
			for _, b := range blocks {
				all = append(append(all, b.Data...), '\r', '\n')
			}
			h, ok = rawHeaders(all), false
		}
	}()
	return rd.text.parseHeaders(charset, blocks...), true
}

// rawHeaders is what a header block shows without decoding: the Subject
// and From values as they stand (made safe to show), the Message-ID's
// first <id> when it is closed and has an '@' (a window may have cut it).
// It is for mail whose header mailtext could not read; the same block
// always gives the same fields, so the mail's key is stable. NoFrom stays
// false: the mail goes on as it is.
func rawHeaders(block []byte) (h mailtext.Headers) {
	defer func() {
		if recover() != nil {
			h = mailtext.Headers{}
		}
	}()
	fields := map[string]string{}
	var name string
	for _, line := range bytes.Split(block, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		switch {
		case len(line) == 0:
			name = ""
		case line[0] == ' ' || line[0] == '\t':
			if name != "" {
				fields[name] += " " + string(bytes.TrimSpace(line))
			}
		default:
			k, v, found := bytes.Cut(line, []byte(":"))
			name = ""
			if found {
				name = strings.ToLower(string(bytes.TrimSpace(k)))
				if _, dup := fields[name]; dup {
					name = "" // the first one counts
					continue
				}
				fields[name] = string(bytes.TrimSpace(v))
			}
		}
	}
	id := ""
	if _, v, ok := strings.Cut(fields["message-id"], "<"); ok {
		if v, _, ok := strings.Cut(v, ">"); ok && strings.LastIndexByte(v, '@') > 0 && !strings.HasSuffix(v, "@") {
			id = v
		}
	}
	return mailtext.Headers{
		FromName:  safetext.Line(fields["from"], mailtext.MaxHeaderRunes),
		Subject:   safetext.Line(fields["subject"], mailtext.MaxHeaderRunes),
		MessageID: safetext.Line(id, mailtext.MaxHeaderRunes),
	}
}

// step runs one step of reading p's text (the part to preview, how much of
// it to fetch, the preview); a panic there leaves p without a preview.
func (rd *mailReader) step(p *pendingMail, name string, f func()) {
	defer func() {
		if rd.recovered(recover(), name, p.ev.Mailbox, p.ev.UID) {
			p.hasPart, p.data, p.ev.Preview = false, nil, ""
		}
	}()
	f()
}
