package tray

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"idlebell/i18n/i18ntest"
	"idlebell/imapwatch"
)

// TestReconnectingLines: an account's line while it reconnects reads as a
// sentence, in English and in German: a reconnect idlebell made itself
// (after a wake, for Check now) says only that, a failure says what failed
// and since when idlebell retries.
func TestReconnectingLines(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 993}, Err: syscall.ECONNREFUSED}
	tests := []struct {
		name   string
		err    error
		down   time.Duration // before t0
		en, de string
	}{
		{"wake", imapwatch.ErrWake, 0,
			"Home — reconnecting…", "Home – Verbindung wird neu aufgebaut…"},
		{"check now", fmt.Errorf("idle: %w", imapwatch.ErrCheckNow), 0,
			"Home — reconnecting…", "Home – Verbindung wird neu aufgebaut…"},
		{"refused", fmt.Errorf("connect: %w", refused), 0,
			"Home — 192.0.2.1:993 refused the connection, retrying since 10:00",
			"Home – 192.0.2.1:993 hat die Verbindung abgelehnt, neue Versuche seit 10:00"},
		{"unknown host", &net.DNSError{Name: "imap.example.com", Err: "no such host", IsNotFound: true}, 0,
			"Home — can't find imap.example.com, retrying since 10:00",
			"Home – imap.example.com nicht gefunden, neue Versuche seit 10:00"},
		{"closed since yesterday", fmt.Errorf("idle: %w", imapwatch.ErrConnectionLost), 25 * time.Hour,
			"Home — the connection was closed, retrying since Mar 3 09:00",
			"Home – die Verbindung wurde geschlossen, neue Versuche seit 3.3. 09:00"},
		{"no reason", nil, 0,
			"Home — connection lost, retrying since 10:00", "Home – Verbindung verloren, neue Versuche seit 10:00"},
	}
	for _, lang := range []struct{ locale, name string }{{"C.UTF-8", "en"}, {"de_DE.UTF-8", "de"}} {
		i18ntest.Use(t, lang.locale)
		for _, tt := range tests {
			tr := newTestTray(t, cfgWith(3, true, "Home"))
			tr.at = t0.Add(-tt.down)
			tr.apply(&imapwatch.StateChange{Account: "Home", Mailbox: "INBOX", State: imapwatch.StateReconnecting, Err: tt.err})
			tr.at = t0
			tr.refresh()
			want := tt.en
			if lang.name == "de" {
				want = tt.de
			}
			if got := tr.host.labels()[0]; got != want {
				t.Errorf("%s, %s: menu line = %q, want %q", lang.name, tt.name, got, want)
			}
		}
	}
}

// TestStateLostLine: a folder whose saved state was lost says so in a few
// words in its account's line while connected (the line stays for the
// session: the explanation is the hint's and the log's); once, with two
// such folders.
func TestStateLostLine(t *testing.T) {
	for _, lang := range []struct{ locale, want string }{
		{"C.UTF-8", "Home — connected · state file damaged, mail may have been missed"},
		{"de_DE.UTF-8", "Home – verbunden · Statusdatei beschädigt, evtl. Mail verpasst"},
	} {
		i18ntest.Use(t, lang.locale)
		tr := newTestTray(t, cfgWith(3, true, "Home"))
		tr.at = t0
		for _, mb := range []string{"INBOX", "Lists"} {
			tr.apply(&imapwatch.StateChange{Account: "Home", Mailbox: mb, State: imapwatch.StateIdle, Err: imapwatch.ErrStateLost})
		}
		tr.refresh()
		if got := tr.host.labels()[0]; got != lang.want {
			t.Errorf("%s: menu line = %q, want %q", lang.locale, got, lang.want)
		}
	}
}
