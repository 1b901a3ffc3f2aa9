package imapwatch

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// testHugeHeaderField: a mail whose Subject alone is larger than idlebell
// reads of a literal (anyone can send 120 KB of folded Subject) is
// announced with its subject cut, and the mail after it too. Fetched whole,
// its header fields made the guard close the connection at every attempt:
// the mailbox announced nothing more, for good.
func testHugeHeaderField(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	words := make([]string, 12000)
	for i := range words {
		words[i] = fmt.Sprintf("word%05d", i)
	}
	msg := "From: Mallory <mallory@example.org>\r\nTo: someone@example.org\r\n" +
		"Subject: " + strings.Join(words, "\r\n ") + "\r\n" +
		"Message-ID: <huge-subject@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe text after a huge subject.\r\n"
	srv.deliver(t, user, "INBOX", []byte(msg))
	mails := c.untilSentinel(t, srv, user, "INBOX", wait)
	if len(mails) != 1 {
		t.Fatalf("got %d mails before the sentinel, want the one with the huge subject", len(mails))
	}
	m := mails[0]
	if !strings.HasPrefix(m.Subject, "word00000 word00001") || utf8.RuneCountInString(m.Subject) > 998 {
		t.Errorf("subject = %.60q… (%d runes), want the start of the huge one, at most 998 runes", m.Subject, utf8.RuneCountInString(m.Subject))
	}
	if m.FromAddress != "mallory@example.org" || m.Preview != "The text after a huge subject." {
		t.Errorf("from %q, preview %q; want mallory@example.org and the text", m.FromAddress, m.Preview)
	}
}

// testHugeStructure: a mail of 3,000 parts with 900-character names (2.9 MB,
// anyone can send it) has a BODYSTRUCTURE longer than the guard reads in a
// line, which closed the connection at every attempt: the mailbox announced
// nothing more. It is announced without a preview, and the mail after it
// with its own.
func testHugeStructure(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	var b strings.Builder
	b.WriteString("From: Mallory <mallory@example.org>\r\nTo: someone@example.org\r\nSubject: many parts\r\n" +
		"Message-ID: <huge-structure@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	name := strings.Repeat("n", 900)
	for i := range 3000 {
		fmt.Fprintf(&b, "--b\r\nContent-Type: text/plain; charset=us-ascii; name=\"%s%d\"\r\n\r\nx\r\n", name, i)
	}
	b.WriteString("--b--\r\n")
	srv.deliver(t, user, "INBOX", []byte(b.String()))
	srv.deliver(t, user, "INBOX", testMessage(1, "after many parts"))
	mails := c.untilSentinel(t, srv, user, "INBOX", wait)
	assertOnce(t, mails, "many parts", "after many parts")
	for _, m := range mails {
		if m.Subject == "after many parts" && !strings.HasPrefix(m.Preview, "Grüße number 1.") {
			t.Errorf("the mail after the huge one has preview %q, want its text", m.Preview)
		}
	}
}
