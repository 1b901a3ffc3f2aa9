//go:build linux

package bench

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.\r\n"

// Message returns a mail of about size bytes (at least the headers and a
// line). Up to 64 KB it is one text/plain part; above, it is what big mail
// usually is: a short text part and a base64 attachment.
func Message(subject string, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Bench Sender <sender@example.org>\r\n")
	fmt.Fprintf(&b, "To: Bench User <user@example.org>\r\n")
	fmt.Fprintf(&b, "Subject: %s\r\n", subject)
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%d.%s@example.org>\r\n", time.Now().UnixNano(), strings.ReplaceAll(subject, " ", "-"))
	b.WriteString("MIME-Version: 1.0\r\n")
	if size <= 64<<10 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		for b.Len() < size {
			b.WriteString(lorem)
		}
		return b.Bytes()
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=\"bench-boundary\"\r\n\r\n")
	b.WriteString("--bench-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	for range 5 {
		b.WriteString(lorem)
	}
	b.WriteString("--bench-boundary\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n")
	b.WriteString("Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n")
	raw := make([]byte, 57)
	for b.Len() < size-40 {
		rand.Read(raw)
		b.WriteString(base64.StdEncoding.EncodeToString(raw))
		b.WriteString("\r\n")
	}
	b.WriteString("--bench-boundary--\r\n")
	return b.Bytes()
}
