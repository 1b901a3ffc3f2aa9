package imapwatch

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestBackoff(t *testing.T) {
	b := newBackoff(5 * time.Minute)
	b.jitter = func() float64 { return 0.5 } // factor 1.0
	var got []time.Duration
	for range 12 {
		got = append(got, b.next())
	}
	want := []time.Duration{0, 1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
		32 * time.Second, 64 * time.Second, 128 * time.Second, 256 * time.Second, 5 * time.Minute, 5 * time.Minute}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("backoff sequence = %v, want %v", got, want)
	}
	b.reset()
	if d := b.next(); d != 0 {
		t.Errorf("first retry after reset = %v, want 0 (immediate)", d)
	}
	b.jitter = func() float64 { return 0 }
	if d := b.next(); d != 500*time.Millisecond {
		t.Errorf("jitter low end = %v, want 500ms", d)
	}
	b.jitter = func() float64 { return 0.999999 }
	if d := b.next(); d < 2999*time.Millisecond || d >= 3*time.Second {
		t.Errorf("jitter high end = %v, want just under 3s", d)
	}
}

func TestGroupMailboxes(t *testing.T) {
	tests := []struct {
		boxes []string
		max   int
		want  [][]string
	}{
		{[]string{"INBOX"}, 4, [][]string{{"INBOX"}}},
		{[]string{"a", "b", "c", "d"}, 4, [][]string{{"a"}, {"b"}, {"c"}, {"d"}}},
		{[]string{"a", "b", "c", "d", "e"}, 4, [][]string{{"a"}, {"b"}, {"c"}, {"d", "e"}}},
		{[]string{"a", "b", "c"}, 1, [][]string{{"a", "b", "c"}}},
	}
	for _, tt := range tests {
		if got := groupMailboxes(tt.boxes, tt.max); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("groupMailboxes(%v, %d) = %v, want %v", tt.boxes, tt.max, got, tt.want)
		}
	}
}

func TestRedactor(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	var out bytes.Buffer
	r := newRedactor(&out, "[w] ")
	r.addSecret(pw)
	plain := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00" + pw))
	// Written in odd pieces, as a socket delivers them.
	for _, chunk := range []string{
		"T1 LOGIN alice \"" + pw[:4], pw[4:] + "\"\r\nT1 OK done\r\n",
		"T2 AUTHENTICATE PLAIN " + plain + "\r\n",
		"T3 LOGIN {5}\r\n", pw + "\r\n",
		"* 3 EXISTS\r\n",
	} {
		r.Write([]byte(chunk))
	}
	got := out.String()
	if strings.Contains(got, pw) || strings.Contains(got, plain) || strings.Contains(got, "alice \"") {
		t.Errorf("trace leaks a credential:\n%s", got)
	}
	for _, want := range []string{"[w] T1 LOGIN ***\n", "[w] T1 OK done\n", "[w] T2 AUTHENTICATE ***\n", "[w] * 3 EXISTS\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("trace lacks %q:\n%s", want, got)
		}
	}
}

// TestRedactErrWritesNothing: making an error fit to show changes no part of
// it — other goroutines may hold it (a folder's failure on its way to the
// front) — yet what it shows, and the server's answer errors.As finds, hold
// no secret and at most maxServerText characters of the server's words;
// errors.Is still classifies it.
func TestRedactErrWritesNothing(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	ss := &secretSet{}
	ss.add(pw)
	long := strings.Repeat("x", 3500)
	tests := []struct {
		name, text string
	}{
		{"secret", "LOGIN alice " + pw + ": no such user"},
		{"long", "Login refused " + long},
		{"secret in a long text", long + " " + pw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ierr := &imap.Error{Type: imap.StatusResponseTypeNo, Text: tt.text}
			err := &refusal{kind: ErrAuthFailed, what: "login to host:993", ierr: ierr}
			before := err.Error()
			got := ss.redactErr(fmt.Errorf("session: %w", err))
			if ierr.Text != tt.text || err.Error() != before {
				t.Errorf("redactErr wrote to the error it was given: text now %.60q…", ierr.Text)
			}
			var shown *imap.Error
			if !errors.As(got, &shown) {
				t.Fatalf("errors.As(%v, *imap.Error) = false", got)
			}
			for what, s := range map[string]string{"Error()": got.Error(), "the server's answer": shown.Text} {
				if strings.Contains(s, pw) || strings.Contains(s, long) {
					t.Errorf("%s shows the secret or all %d characters: %.80q…", what, len(long), s)
				}
			}
			if n := len([]rune(shown.Text)); n > maxServerText+len([]rune(cutMark)) {
				t.Errorf("the server's answer is %d characters, want at most %d and the mark", n, maxServerText)
			}
			if len(tt.text) > maxServerText && !strings.HasSuffix(shown.Text, cutMark) {
				t.Errorf("a cut answer does not say so: %.80q…", shown.Text)
			}
			if !errors.Is(got, ErrAuthFailed) {
				t.Errorf("errors.Is(%v, ErrAuthFailed) = false", got)
			}
		})
	}
}

// TestGuardBye: an untagged BYE from the server is noticed; the same line
// inside a literal (a mail's text) or a quoted string is not.
func TestGuardBye(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   bool
	}{
		{"shutdown", []string{"* OK Still here\r\n", "* BYE Server shutting down.\r\n"}, true},
		{"split across reads", []string{"* OK x\r\n* B", "YE bye\r\n"}, true},
		{"lower case", []string{"* bye later\r\n"}, true},
		{"in a subject", []string{"* 1 FETCH (ENVELOPE (NIL \"* BYE not me\"))\r\n"}, false},
		{"tagged", []string{"T1 BYE\r\n", "* BYEBYE\r\n"}, false},
		{"in a literal", []string{"* 1 FETCH (UID 7 BODY[TEXT]<0> {33}\r\n", "hi\r\n* BYE Server shutting down.\r\n", ")\r\n"}, false},
		{"in a literal+", []string{"* 1 FETCH (BODY[TEXT] {9+}\r\n* BYE x\r\n)\r\n"}, false},
		{"after a literal", []string{"* 1 FETCH (BODY[TEXT] {9}\r\n* BYE x\r\n)\r\n* BYE really\r\n"}, true},
	}
	for _, tt := range tests {
		g := newGuard(nil)
		for _, c := range tt.chunks {
			if err := g.scan([]byte(c)); err != nil {
				t.Fatalf("%s: scan: %v", tt.name, err)
			}
		}
		if got := drain(g.bye); got != tt.want {
			t.Errorf("%s: guard saw BYE = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestGuardRoomFollowsWhatIsHeld: an idle connection's guard holds at most
// guardMinBuf for the server's bytes (with thousands of accounts it was
// 32 KiB each); an answer larger than that grows the room while it passes,
// and the room is given back once it is read.
func TestGuardRoomFollowsWhatIsHeld(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	g := newGuard(client)
	big := "* 1 FETCH (UID 1 BODY[1] {40000}\r\n" + strings.Repeat("x", 40000) + ")\r\n"
	go func() {
		io.WriteString(server, "* OK ready\r\n")
		io.WriteString(server, big)
	}()
	r := bufio.NewReader(g)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if c := cap(g.buf); c > guardMinBuf {
		t.Errorf("after a greeting the guard holds %d bytes of room, want at most %d", c, guardMinBuf)
	}
	if _, err := io.ReadFull(r, make([]byte, len(big))); err != nil {
		t.Fatal(err)
	}
	if c := cap(g.buf); c > guardMinBuf {
		t.Errorf("after a 40 KB answer was read the guard keeps %d bytes of room, want at most %d", c, guardMinBuf)
	}
}
