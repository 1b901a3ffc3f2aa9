package imapwatch

import (
	"bytes"
	"encoding/base64"
	"io"
	"regexp"
	"sync"
)

// redactor is the IMAP trace writer: it forwards whole lines, with the
// arguments of LOGIN and AUTHENTICATE and every occurrence of the secret
// (also base64-encoded, as SASL PLAIN carries it) replaced by ***.
// go-imap's DebugWriter sees credentials in clear; this is what stands
// between them and the user's terminal or a bug report.
type redactor struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  []byte
	secrets [][]byte
	buf     []byte
}

var loginLine = regexp.MustCompile(`(?i)^(\S+ (?:UID )?(?:LOGIN|AUTHENTICATE))( .*)?$`)

func newRedactor(w io.Writer, prefix string, secrets ...string) *redactor {
	r := &redactor{w: w, prefix: []byte(prefix)}
	for _, s := range secrets {
		if len(s) < 2 {
			continue
		}
		r.secrets = append(r.secrets, []byte(s))
		r.secrets = append(r.secrets, []byte(base64.StdEncoding.EncodeToString([]byte(s))))
	}
	return r
}

// addSecret registers a secret learnt later (the password is fetched at
// login time, after the trace writer exists).
func (r *redactor) addSecret(s string) {
	if len(s) < 2 {
		return
	}
	r.mu.Lock()
	r.secrets = append(r.secrets, []byte(s))
	r.mu.Unlock()
}

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	for {
		i := bytes.IndexByte(r.buf, '\n')
		if i < 0 {
			break
		}
		line := r.buf[:i+1]
		r.emit(line)
		r.buf = r.buf[i+1:]
	}
	// A line longer than 64 KiB (a big literal) is passed on in pieces.
	if len(r.buf) > 64<<10 {
		r.emit(r.buf)
		r.buf = r.buf[:0]
	}
	return len(p), nil
}

func (r *redactor) emit(line []byte) {
	out := bytes.TrimRight(line, "\r\n")
	if m := loginLine.FindSubmatchIndex(out); m != nil && m[4] >= 0 {
		out = append(append([]byte{}, out[:m[3]]...), " ***"...)
	}
	for _, s := range r.secrets {
		out = bytes.ReplaceAll(out, s, []byte("***"))
	}
	// Decode each base64-looking word to catch SASL PLAIN "\0user\0pass".
	out = redactBase64(out, r.secrets)
	buf := make([]byte, 0, len(r.prefix)+len(out)+1)
	buf = append(append(append(buf, r.prefix...), out...), '\n')
	r.w.Write(buf)
}

var b64word = regexp.MustCompile(`[A-Za-z0-9+/]{8,}={0,2}`)

func redactBase64(line []byte, secrets [][]byte) []byte {
	return b64word.ReplaceAllFunc(line, func(word []byte) []byte {
		dec, err := base64.StdEncoding.DecodeString(string(word))
		if err != nil {
			return word
		}
		for _, s := range secrets {
			if bytes.Contains(dec, s) {
				return []byte("***")
			}
		}
		return word
	})
}

// byeWatcher sees the protocol stream (go-imap's DebugWriter: what the
// server sent, decrypted, and what we sent) and signals when the server
// says "* BYE" — shutdown, idle timeout, expired token. go-imap does not
// report an untagged BYE; without this the connection lingers until the
// server gives up on it (Dovecot: 10 s on shutdown). Only "* BYE" at the
// start of a line counts; the client never sends one.
type byeWatcher struct {
	next   io.Writer // the trace, or nil
	bye    chan struct{}
	mu     sync.Mutex
	start  bool   // at the start of a line
	prefix []byte // the line's first bytes, up to len("* BYE ")
	inBye  bool   // inside a BYE line: its text goes to text
	text   []byte // the BYE line's text, up to 200 bytes
}

// tokenExpired reports whether the server's BYE said the access token
// expired (Microsoft: "* BYE Session invalidated - AccessTokenExpired").
func (b *byeWatcher) tokenExpired() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Contains(bytes.ToLower(b.text), []byte("expired"))
}

func newByeWatcher(next io.Writer) *byeWatcher {
	return &byeWatcher{next: next, bye: make(chan struct{}, 1), start: true}
}

var byePrefix = []byte("* BYE ")

func (b *byeWatcher) Write(p []byte) (int, error) {
	b.mu.Lock()
	for _, c := range p {
		if b.start {
			b.prefix = b.prefix[:0]
			b.start = false
		}
		if b.inBye && c != '\n' && len(b.text) < 200 {
			b.text = append(b.text, c)
		}
		if len(b.prefix) < len(byePrefix) {
			b.prefix = append(b.prefix, c)
			if bytes.EqualFold(b.prefix, byePrefix) {
				b.inBye = true
				b.text = b.text[:0]
				signal(b.bye)
			}
		}
		if c == '\n' {
			b.start = true
			b.inBye = false
		}
	}
	b.mu.Unlock()
	if b.next != nil {
		return b.next.Write(p)
	}
	return len(p), nil
}
