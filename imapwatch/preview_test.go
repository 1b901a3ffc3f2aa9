package imapwatch

import (
	"bytes"
	"strings"
	"testing"

	"idlebell/internal/mailcases"
	"idlebell/internal/testsession"
)

// TestDovecotPreviewFirstRoundTrip: on a server that advertises PREVIEW
// (Dovecot), the first UID FETCH asks for the server's PREVIEW in place of
// part 1's first bytes, and a mail whose preview the server made from the
// part idlebell chooses, and made well, needs no second one: plain text,
// nested multipart with attachments, HTML past a 10–30 KB head, a reply
// with quoted lines, signed text. Where the PREVIEW is of another part or
// cannot stand for idlebell's own (a text attachment first, a forwarded
// message, "--" in plain text, bytes the server could not decode, only
// quoted lines), the chosen part is read in a second one; an empty text
// alternative sends the reading to the HTML part at once. Every line of
// each shape's expect.tsv holds either way.
func TestDovecotPreviewFirstRoundTrip(t *testing.T) {
	env := testsession.FromEnv(t)
	t.Parallel()
	srv := &dovecotServer{d: env.Dovecot}
	user, cfg := srv.newUser(t)
	trace := &lockedBuffer{b: &bytes.Buffer{}}
	cfg.Trace = trace
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	byName := casesByName(t)
	for _, tt := range []struct {
		shape string
		read  string // the part read in a second UID FETCH, "" for none
	}{
		{"latin1-label-cp1252-bytes", ""},
		{"outlook-mixed-related-alternative", ""},
		{"gmail-mixed-alternative-attachment", ""},
		{"html-newsletter-related-10kb-style", ""},
		{"html-only-30kb-style-sheet", ""},
		{"html-link-before-full-stop", ""},
		{"inline-pgp-armor-in-preview", ""},
		{"text-attachment-before-body", "BODY.PEEK[2]<0.160>"},
		{"message-rfc822-only", "BODY.PEEK[1.1]<0.160>"},
		{"plain-double-dash-in-text", "BODY.PEEK[1]<0.160>"},
		{"inline-pgp-dash-escaped-and-signature", "BODY.PEEK[1]<0.160>"},
		{"us-ascii-body-cp1252-bytes", "BODY.PEEK[1]<0.160>"},
		{"reply-only-quoted-lines", "BODY.PEEK[1]<0.160>"},
		{"reply-interleaved-quotes", "BODY.PEEK[1]<0.160>"},
		{"reply-attribution-then-quote-only", "BODY.PEEK[1]<0.160>"},
		{"reply-own-text-above-attribution", "BODY.PEEK[1]<0.160>"},
		{"empty-text-alternative-html", "BODY.PEEK[2]<0.160>"},
	} {
		cs, ok := byName[tt.shape]
		if !ok {
			t.Fatalf("no shape %s in internal/mailcases", tt.shape)
		}
		from := len(trace.String())
		srv.deliver(t, user, "INBOX", mailcases.CRLF(cs.Messages["message.eml"]))
		m := c.waitMails(t, 1, wait)[0]
		for _, ck := range cs.Checks {
			if ck.File != "message.eml" {
				continue
			}
			if got := jsonField(m, ck.Field); !ck.Holds(got) {
				t.Errorf("%s: %s: %s = %q", tt.shape, ck, ck.Field, got)
			}
		}
		fetches := fetchCommands(trace.String()[from:])
		first := len(fetches) > 0 && strings.Contains(fetches[0], " PREVIEW") && !strings.Contains(fetches[0], "BODY.PEEK[1]<")
		read := len(fetches) == 2 && strings.Contains(fetches[1], tt.read)
		if tt.read == "" {
			read = len(fetches) == 1
		}
		if !first || !read {
			t.Errorf("%s: UID FETCHes %q; want PREVIEW in the first, and then %q", tt.shape, fetches, tt.read)
		}
	}
}

// TestInProcessNoPreviewFirstRoundTrip: a server without PREVIEW (go-imap's,
// Gmail) gets the first round trip as before: part 1's first bytes, which
// are the text of a plain mail, so one UID FETCH does.
func TestInProcessNoPreviewFirstRoundTrip(t *testing.T) {
	srv := newDemoServer(t, demoOptions())
	user, cfg := srv.newUser(t)
	trace := &lockedBuffer{b: &bytes.Buffer{}}
	cfg.Trace = trace
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	cs := casesByName(t)["latin1-label-cp1252-bytes"]
	srv.deliver(t, user, "INBOX", mailcases.CRLF(cs.Messages["message.eml"]))
	m := c.waitMails(t, 1, wait)[0]
	for _, ck := range cs.Checks {
		if got := jsonField(m, ck.Field); !ck.Holds(got) {
			t.Errorf("%s: %s = %q", ck, ck.Field, got)
		}
	}
	fetches := fetchCommands(trace.String())
	if len(fetches) != 1 || strings.Contains(fetches[0], "PREVIEW") || !strings.Contains(fetches[0], "BODY.PEEK[1]<0.160>") {
		t.Errorf("UID FETCHes %q; want one, with BODY.PEEK[1]<0.160> and without PREVIEW", fetches)
	}
}

func casesByName(t *testing.T) map[string]mailcases.Case {
	t.Helper()
	cases, err := mailcases.All()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]mailcases.Case{}
	for _, cs := range cases {
		byName[cs.Name] = cs
	}
	return byName
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
