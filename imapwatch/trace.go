package imapwatch

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
)

// redactor is the IMAP trace writer: it forwards whole lines, with the
// arguments of LOGIN and AUTHENTICATE and every occurrence of the secret
// (also quoted or base64-encoded, as LOGIN and SASL PLAIN carry it)
// replaced by ***. go-imap's DebugWriter sees credentials in clear; this is
// what stands between them and the user's terminal or a bug report.
type redactor struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  []byte
	secrets *secretSet
	buf     []byte
}

var loginLine = regexp.MustCompile(`(?i)^(\S+ (?:UID )?(?:LOGIN|AUTHENTICATE))( .*)?$`)

func newRedactor(w io.Writer, prefix string, secrets ...string) *redactor {
	r := &redactor{w: w, prefix: []byte(prefix), secrets: &secretSet{}}
	for _, s := range secrets {
		r.secrets.add(s)
	}
	return r
}

// addSecret registers a secret learnt later (the password is fetched at
// login time, after the trace writer exists).
func (r *redactor) addSecret(s string) { r.secrets.add(s) }

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
	out = r.secrets.redact(out)
	buf := make([]byte, 0, len(r.prefix)+len(out)+1)
	buf = append(append(append(buf, r.prefix...), out...), '\n')
	r.w.Write(buf)
}

// secretSet is what must never be shown of an account — its password or
// access tokens — in the forms they take on the wire: as they are, as an
// IMAP quoted string, base64-encoded, and inside base64 words (SASL PLAIN
// "\0user\0pass"). Safe for concurrent use; the zero value is empty, and a
// nil *secretSet redacts nothing.
type secretSet struct {
	mu      sync.Mutex
	secrets [][]byte // newest last, at most maxSecrets
	forms   [][]byte
}

// maxSecrets bounds what a long-running account remembers: a password and a
// few refreshed tokens.
const maxSecrets = 8

func (ss *secretSet) add(s string) {
	if ss == nil || len(s) < 2 {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, old := range ss.secrets {
		if string(old) == s {
			return
		}
	}
	ss.secrets = append(ss.secrets, []byte(s))
	if len(ss.secrets) > maxSecrets {
		ss.secrets = ss.secrets[1:]
	}
	ss.forms = ss.forms[:0]
	for _, sec := range ss.secrets {
		quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(string(sec))
		ss.forms = append(ss.forms, sec, []byte(quoted), []byte(base64.StdEncoding.EncodeToString(sec)))
	}
}

var b64word = regexp.MustCompile(`[A-Za-z0-9+/]{8,}={0,2}`)

// redact replaces every secret in b by ***.
func (ss *secretSet) redact(b []byte) []byte {
	if ss == nil {
		return b
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.secrets) == 0 {
		return b
	}
	for _, f := range ss.forms {
		b = bytes.ReplaceAll(b, f, []byte("***"))
	}
	return b64word.ReplaceAllFunc(b, func(word []byte) []byte {
		dec, err := base64.StdEncoding.DecodeString(string(word))
		if err != nil {
			return word
		}
		for _, s := range ss.secrets {
			if bytes.Contains(dec, s) {
				return []byte("***")
			}
		}
		return word
	})
}

func (ss *secretSet) redactText(s string) string { return string(ss.redact([]byte(s))) }

// redactErr makes err fit to show: every secret in its message replaced by
// *** (a server may repeat the LOGIN arguments in its NO) and the server's
// words cut to maxServerText characters. It writes to nothing in err: an
// error may be held by other goroutines already (a folder's StateFailed is
// on its way to the front while the session ends with it), and go-imap's
// *imap.Error is shared. When something must change, the result is a new
// error with the fixed message, whose chain is err's for errors.Is and whose
// errors.As to **imap.Error gives a fixed copy of the server's answer.
func (ss *secretSet) redactErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	shown := msg
	var ierr, fixed *imap.Error
	if errors.As(err, &ierr) {
		if fixed = shownAnswer(ierr, ss); fixed.Text != ierr.Text {
			shown = strings.Replace(shown, ierr.Text, fixed.Text, 1)
		} else {
			fixed = nil
		}
	}
	shown = ss.redactText(shown)
	if shown == msg && fixed == nil {
		return err
	}
	return &redactedError{msg: shown, err: err, ierr: fixed}
}

type redactedError struct {
	msg  string
	err  error
	ierr *imap.Error // the server's answer, fixed; nil when it needed nothing
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// As gives the fixed copy of the server's answer before errors.As finds the
// original in the chain.
func (e *redactedError) As(target any) bool {
	if p, ok := target.(**imap.Error); ok && e.ierr != nil {
		*p = e.ierr
		return true
	}
	return false
}
