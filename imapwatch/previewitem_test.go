package imapwatch

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestPreviewItemOnTheWire: the FETCH item PREVIEW (RFC 8970) of idlebell's
// copy of go-imap, written and read, against a server played by hand: the
// item and its LAZY modifier as sent, a quoted preview with escapes, NIL,
// a literal, and the empty string.
func TestPreviewItemOnTheWire(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type exchange struct{ want, answer string }
	script := []exchange{
		{"UID FETCH 5:7 (UID PREVIEW)", "* 1 FETCH (UID 5 PREVIEW \"Hello \\\"Alice\\\"\")\r\n" +
			"* 2 FETCH (UID 6 PREVIEW NIL)\r\n" +
			"* 3 FETCH (UID 7 PREVIEW {7}\r\nGrüße)\r\n"},
		{"UID FETCH 8 (UID PREVIEW (LAZY))", "* 4 FETCH (UID 8 PREVIEW \"\")\r\n"},
	}
	served := make(chan error, 1)
	go func() { // ends when the script is done or the connection fails
		served <- func() error {
			conn, err := ln.Accept()
			if err != nil {
				return err
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(wait))
			r := bufio.NewReader(conn)
			if _, err := fmt.Fprint(conn, "* OK [CAPABILITY IMAP4rev1 PREVIEW] ready\r\n"); err != nil {
				return err
			}
			for _, x := range script {
				line, err := r.ReadString('\n')
				if err != nil {
					return err
				}
				tag, cmd, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
				if cmd != x.want {
					return fmt.Errorf("client sent %q, want %q", cmd, x.want)
				}
				if _, err := fmt.Fprintf(conn, "%s%s OK done\r\n", x.answer, tag); err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := imapclient.New(conn, nil)
	defer c.Close()

	msgs, err := c.Fetch(imap.UIDSetNum(5, 6, 7), &imap.FetchOptions{Preview: &imap.FetchItemPreview{}}).Collect()
	if err != nil {
		t.Fatalf("FETCH PREVIEW: %v", err)
	}
	want := map[imap.UID]*string{5: ptr(`Hello "Alice"`), 6: nil, 7: ptr("Grüße")}
	if len(msgs) != len(want) {
		t.Fatalf("FETCH PREVIEW returned %d messages, want %d", len(msgs), len(want))
	}
	for _, m := range msgs {
		if got, w := m.Preview, want[m.UID]; (got == nil) != (w == nil) || got != nil && *got != *w {
			t.Errorf("UID %d: Preview = %s, want %s", m.UID, show(got), show(w))
		}
	}
	msgs, err = c.Fetch(imap.UIDSetNum(8), &imap.FetchOptions{Preview: &imap.FetchItemPreview{Lazy: true}}).Collect()
	if err != nil {
		t.Fatalf("FETCH PREVIEW (LAZY): %v", err)
	}
	if len(msgs) != 1 || msgs[0].Preview == nil || *msgs[0].Preview != "" {
		t.Errorf("FETCH PREVIEW (LAZY) of a message without text = %+v, want one with Preview \"\"", msgs)
	}
	if err := <-served; err != nil {
		t.Error(err)
	}
}

func ptr(s string) *string { return &s }

func show(s *string) string {
	if s == nil {
		return "nil"
	}
	return fmt.Sprintf("%q", *s)
}

// TestHeaderFieldNamesAsAtoms: idlebell's copy of go-imap writes header
// field names as atoms (Dovecot echoes them as sent: quotes cost twice),
// and as quoted strings only where a name is no atom.
func TestHeaderFieldNamesAsAtoms(t *testing.T) {
	for _, tt := range []struct {
		fields []string
		want   string
	}{
		{[]string{"From", "Subject", "Date", "Message-ID"}, `BODY.PEEK[HEADER.FIELDS (From Subject Date Message-ID)]`},
		{[]string{"X-Odd]", "X Space", `X"Quote`}, `BODY.PEEK[HEADER.FIELDS ("X-Odd]" "X Space" "X\"Quote")]`},
	} {
		server, client := net.Pipe()
		lines := make(chan string, 1)
		go func() { // ends when the pipe closes
			r := bufio.NewReader(server)
			fmt.Fprint(server, "* OK [CAPABILITY IMAP4rev1] ready\r\n")
			line, _ := r.ReadString('\n')
			lines <- line
			io.Copy(io.Discard, r)
		}()
		c := imapclient.New(client, nil)
		// Fetch writes the command before it returns; no answer is waited for.
		c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{
			{Specifier: imap.PartSpecifierHeader, HeaderFields: tt.fields, Peek: true},
		}})
		select {
		case line := <-lines:
			if !strings.Contains(line, tt.want) {
				t.Errorf("Fetch(HEADER.FIELDS %q) wrote %q, want it to contain %q", tt.fields, line, tt.want)
			}
		case <-time.After(wait):
			t.Fatalf("Fetch(HEADER.FIELDS %q) wrote nothing", tt.fields)
		}
		c.Close()
		server.Close()
	}
}
