package imapwatch

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"idlebell/mailtext"
)

// TestReadingPanicAnnounces: a bug in reading one mail's fetched data (here
// the header reader panics for one message, the preview for another) does
// not end idlebell, which would meet the same mail again at every start:
// each such mail is announced once with what could be read — the raw
// Subject and From, or no preview — the panic is logged at ERROR with its
// stack, the mails around it are announced as usual, and the watermark
// passes them all, so a restart announces none again.
func TestReadingPanicAnnounces(t *testing.T) {
	srv, cfg := startBad(t)
	text := mailtextFuncs
	text.parseHeaders = func(charset string, blocks ...mailtext.HeaderBlock) mailtext.Headers {
		if bytes.Contains(blocks[0].Data, []byte("header bug")) {
			panic("mailtext: index out of range [7] with length 7")
		}
		return mailtext.ParseHeaderBlocks(charset, blocks...)
	}
	text.preview = func(p mailtext.TextPart, data []byte, complete bool) string {
		if bytes.Contains(data, []byte("preview bug")) {
			panic("mailtext: preview bug")
		}
		return mailtext.Preview(p, data, complete)
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := newMemStore()
	m, c := faultManager(t, cfg, Options{Logger: logger, Store: store, text: &text})
	c.waitState(t, StateIdle, wait)

	deliver := badDeliver(t, srv)
	deliver(testMessage(1, "before"))
	deliver([]byte("From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>\r\nSubject: a header bug\r\n" +
		"Message-ID: <header-bug@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe text is fine.\r\n"))
	deliver([]byte("From: Ann <ann@example.org>\r\nSubject: a preview bug\r\n" +
		"Message-ID: <preview-bug@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nA preview bug here.\r\n"))
	deliver(testMessage(2, "after"))
	got := c.untilSentinelFunc(t, deliver, wait)
	assertOnce(t, got, "before", "a header bug", "a preview bug", "after")
	for _, ev := range got {
		switch ev.Subject {
		case "a header bug":
			if !strings.Contains(ev.FromName, "j@example.org") || ev.MessageID != "header-bug@example.org" {
				t.Errorf("header bug: From %q, Message-ID %q; want the raw From and the Message-ID", ev.FromName, ev.MessageID)
			}
			if ev.Preview != "The text is fine." {
				t.Errorf("header bug: Preview = %q, want the text's", ev.Preview)
			}
		case "a preview bug":
			if ev.Preview != "" || ev.FromName != "Ann" || ev.FromAddress != "ann@example.org" {
				t.Errorf("preview bug: Preview %q, From %q <%s>; want no preview and the sender", ev.Preview, ev.FromName, ev.FromAddress)
			}
		}
	}
	mu.Lock()
	log := logs.String()
	mu.Unlock()
	for _, want := range []string{"mailtext: index out of range", "mailtext: preview bug", "level=ERROR", "stack=", "readmail.go"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	m.Close()
	<-c.done

	// After a restart, nothing comes again.
	_, c2 := faultManager(t, cfg, Options{Logger: testLogger(t), Store: store, text: &text})
	c2.waitState(t, StateIdle, wait)
	assertOnce(t, c2.untilSentinelFunc(t, deliver, wait))
}

// TestRawHeaders: the fields of a header that could not be read are taken
// as they stand: the first of each, folded lines joined, made safe to show;
// a Message-ID only when its <id@host> is closed (not cut by a window).
func TestRawHeaders(t *testing.T) {
	block := []byte("Subject: =?utf-8?q?caf=C3=A9?=\r\n and more\r\nFrom: \"Berg, Anna\"\r\n\t<anna@example.org>\r\n" +
		"Subject: second\r\nMessage-ID: (c) <id-1@example.org> <id-2@example.org>\r\nX-Bidi: \u202eevil\r\n\r\nbody: text\r\n")
	h := rawHeaders(block)
	want := mailtext.Headers{Subject: "=?utf-8?q?caf=C3=A9?= and more", FromName: `"Berg, Anna" <anna@example.org>`, MessageID: "id-1@example.org"}
	if h != want {
		t.Errorf("rawHeaders = %+v, want %+v", h, want)
	}
	for _, id := range []string{"<cut-by-the-win", "none", "<@>x", "<abc>"} {
		if h := rawHeaders([]byte("Message-ID: " + id + "\r\n")); h.MessageID != "" {
			t.Errorf("rawHeaders(Message-ID: %s).MessageID = %q, want none", id, h.MessageID)
		}
	}
	if h := rawHeaders([]byte("Subject: a\x1b[31m\u202eb\r\n")); h.Subject != "a [31mb" {
		t.Errorf("rawHeaders(control and bidi characters).Subject = %q, want them out", h.Subject)
	}
}
