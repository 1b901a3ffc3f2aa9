package mailtext

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/emersion/go-imap/v2/imapserver"
)

// TestChoosePartAlternates: the parts read in turn when the chosen one
// shows nothing follow the order a reader sees them, stop after
// maxAlternates and never lead back.
func TestChoosePartAlternates(t *testing.T) {
	part := func(ct, body string) string { return "--a\r\nContent-Type: " + ct + "\r\n\r\n" + body + "\r\n" }
	fwd := func(ct, body string) string {
		return "--a\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\nContent-Type: " + ct + "\r\n\r\n" + body + "\r\n"
	}
	mixed := func(parts ...string) string {
		s := "Content-Type: multipart/mixed; boundary=a\r\n\r\n"
		for _, p := range parts {
			s += p
		}
		return s + "--a--\r\n"
	}
	tests := []struct{ name, msg, chain string }{
		{"empty note, forwarded text", mixed(part("text/plain", ""), fwd("text/plain", "x")), "[1] [2 1]"},
		{"empty note, forwarded html", mixed(part("text/plain", ""), fwd("text/html", "<p>x")), "[1] [2 1]"},
		{"html before plain", "Content-Type: multipart/alternative; boundary=a\r\n\r\n" + part("text/html", "<p>x") + part("text/plain", "") + "--a--\r\n", "[2] [1]"},
		{"text preferred to an html before it", mixed(part("text/html", ""), fwd("text/plain", "x")), "[2 1] [1]"},
		{"at most three more", mixed(part("text/plain", ""), part("text/plain", ""), part("text/plain", ""), part("text/plain", ""), part("text/plain", "")), "[1] [2] [3] [4]"},
		{"an attachment is not read", mixed(part("text/plain", ""), "--a\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nlog\r\n"), "[1]"},
	}
	for _, tt := range tests {
		p, _, ok := ChoosePart(imapserver.ExtractBodyStructure(bytes.NewReader([]byte(tt.msg))))
		if !ok {
			t.Errorf("%s: ChoosePart found no part", tt.name)
			continue
		}
		chain := fmt.Sprint(p.Path)
		for a := p.Alt; a != nil; a = a.Alt {
			chain += " " + fmt.Sprint(a.Path)
		}
		if chain != tt.chain {
			t.Errorf("%s: ChoosePart and its Alt chain = %s, want %s", tt.name, chain, tt.chain)
		}
	}
}
