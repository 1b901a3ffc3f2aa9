package imapwatch

import (
	"bytes"
	"strings"
	"testing"

	"idlebell/internal/mailcases"
	"idlebell/internal/testsession"
	"idlebell/mailtext"
)

// TestDovecotHTMLPreviewFromServer: on a server that advertises PREVIEW
// (Dovecot), an HTML mail whose part begins with a <head> of 10–50 KB gets
// its preview from the server's PREVIEW, cleaned (its title dropped, its
// windows-1252 quotes right, its signature cut): one UID FETCH more and a
// few hundred bytes, where reading the part on would cost up to 64 KB. A
// PREVIEW the server could not decode (U+FFFD for an us-ascii label with
// 8-bit bytes) is not shown: the part is read instead.
func TestDovecotHTMLPreviewFromServer(t *testing.T) {
	env := testsession.FromEnv(t)
	t.Parallel()
	srv := &dovecotServer{d: env.Dovecot}
	user, cfg := srv.newUser(t)
	trace := &lockedBuffer{b: &bytes.Buffer{}}
	var traffic Traffic
	cfg.Trace, cfg.Traffic = trace, &traffic
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	cases, err := mailcases.All()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]mailcases.Case{}
	for _, cs := range cases {
		byName[cs.Name] = cs
	}
	for _, tt := range []struct {
		shape    string
		readPart bool // the PREVIEW is no good: the part is read on
	}{
		{"html-newsletter-related-10kb-style", false},
		{"html-head-20kb-style-latin1-title", false},
		{"html-head-50kb-related-signature", false},
		{"html-style-us-ascii-label-cp1252-bytes", true},
	} {
		cs, ok := byName[tt.shape]
		if !ok {
			t.Fatalf("no shape %s in internal/mailcases", tt.shape)
		}
		from, received := len(trace.String()), traffic.Received.Load()
		srv.deliver(t, user, "INBOX", mailcases.CRLF(cs.Messages["message.eml"]))
		m := c.waitMails(t, 1, wait)[0]
		for _, ck := range cs.Checks {
			if got := jsonField(m, ck.Field); !ck.Holds(got) {
				t.Errorf("%s: %s: %s = %q", tt.shape, ck, ck.Field, got)
			}
		}
		fetches := fetchCommands(trace.String()[from:])
		preview, readOn := false, false
		for _, f := range fetches {
			preview = preview || strings.HasSuffix(f, "(UID PREVIEW)")
			readOn = readOn || strings.Contains(f, "]<") && !strings.Contains(f, "]<0.")
		}
		if !preview || readOn != tt.readPart {
			t.Errorf("%s: fetched %q: want a PREVIEW, and the part read on %v", tt.shape, fetches, tt.readPart)
		}
		if n := traffic.Received.Load() - received; !tt.readPart && n > 4096 {
			t.Errorf("%s: %d bytes received for the mail, want at most 4096", tt.shape, n)
		}
	}
}

// TestWantsServerPreview: which mails ask for the server's PREVIEW, and
// that one the server answers with NIL, an empty string or text it could
// not decode reads its part instead, once.
func TestWantsServerPreview(t *testing.T) {
	head := []byte("<html><head><style>" + strings.Repeat("p{}", 50))
	blank := []byte(strings.Repeat("\r\n", 80))
	html := mailtext.TextPart{Path: []int{1}, HTML: true, Size: 50000, FirstText: true}
	plain := mailtext.TextPart{Path: []int{1}, Size: 50000, FirstText: true}
	notFirst := html
	notFirst.FirstText = false
	rd := &mailReader{text: &mailtextFuncs, logger: testLogger(t)}
	for _, tt := range []struct {
		name string
		part mailtext.TextPart
		data []byte
		want bool
	}{
		{"HTML not read yet", html, nil, true},
		{"HTML whose first bytes are its head", html, head, true},
		{"plain text not read yet: read, as cheap", plain, nil, false},
		{"plain text whose first bytes show nothing", plain, blank, true},
		{"plain text that begins with armor", plain, []byte("-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA512\r\nComment: " + strings.Repeat("x", 140)), false},
		{"HTML after another text part", notFirst, head, false},
	} {
		p := &pendingMail{rd: rd, ev: &NewMail{}, part: tt.part, hasPart: true, data: tt.data}
		if got := p.wants() > 0 && p.wantsServerPreview(); got != tt.want {
			t.Errorf("%s: wants the server's PREVIEW = %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name   string
		answer *string
		want   string // "" : the part is read
	}{
		{"a good preview", ptr("Weekly digest This week"), "This week"},
		{"NIL", nil, ""},
		{"empty", ptr(""), ""},
		{"not decoded by the server", ptr("Thanks \ufffd"), ""},
	} {
		p := &pendingMail{rd: rd, ev: &NewMail{Subject: "Weekly digest"}, part: html, hasPart: true, data: head}
		p.previewAsked = true // as fetchServerPreviews does
		if tt.answer != nil {
			p.setServerPreview(*tt.answer)
		}
		n := p.wants()
		if tt.want != "" {
			p.setPreview()
			if n != 0 || p.ev.Preview != tt.want {
				t.Errorf("%s: wants %d more bytes, Preview %q; want 0 and %q", tt.name, n, p.ev.Preview, tt.want)
			}
		} else if n == 0 || p.wantsServerPreview() {
			t.Errorf("%s: wants %d more bytes, PREVIEW again %v; want the part read on", tt.name, n, p.wantsServerPreview())
		}
	}
}

// fetchCommands lists the UID FETCH commands of an IMAP trace, without tag.
func fetchCommands(trace string) []string {
	var out []string
	for _, line := range strings.Split(trace, "\n") {
		if i := strings.Index(line, " UID FETCH "); i > 0 {
			tag := line[strings.LastIndexByte(line[:i], ' ')+1 : i]
			if len(tag) > 1 && tag[0] == 'T' && strings.Trim(tag[1:], "0123456789") == "" {
				out = append(out, line[i+1:])
			}
		}
	}
	return out
}
