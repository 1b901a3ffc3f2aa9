package imapwatch

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// Permanent errors: retrying cannot help until the user changes something.
// The watcher stops retrying an account that hits one of these; Retry or a
// changed config starts it again. Check with errors.Is.
var (
	ErrAuthFailed       = errors.New("authentication failed")
	ErrMailboxMissing   = errors.New("mailbox does not exist")
	ErrCertificate      = errors.New("server certificate not trusted")
	ErrNoSecret         = errors.New("no password available")
	ErrPlaintextRefused = errors.New("refusing to send a password without TLS to a non-loopback host")
	ErrNoTLS            = errors.New("server does not offer STARTTLS")
	// ErrSignInNeeded: an OAuth2 account has no usable refresh token (never
	// signed in, revoked, password changed, consent withdrawn). Only a new
	// sign-in in the browser helps. Config.Token returns errors wrapping it.
	ErrSignInNeeded = errors.New("sign-in needed")
)

// CertificateError carries what the user needs to decide whether to trust a
// server certificate. It matches ErrCertificate with errors.Is.
type CertificateError struct {
	Host        string
	Subject     string
	Fingerprint string // "sha256:AB:CD:..."
	Err         error  // the verification error from crypto/tls or x509
	// Cert is the server's certificate, for a front that shows its issuer,
	// validity and names before the user trusts it; nil if none was parsed.
	Cert *x509.Certificate
}

func (e *CertificateError) Error() string {
	return fmt.Sprintf("certificate of %s (%s, %s) not trusted: %v", e.Host, e.Subject, e.Fingerprint, e.Err)
}

func (e *CertificateError) Is(target error) bool { return target == ErrCertificate }
func (e *CertificateError) Unwrap() error        { return e.Err }

// MailboxError names the mailboxes the server says it does not have (a NO
// to EXAMINE or STATUS). It matches ErrMailboxMissing with errors.Is.
type MailboxError struct {
	Mailboxes []string
	Text      string // the server's words, if any
}

func (e *MailboxError) Error() string {
	s := ErrMailboxMissing.Error() + ": " + strings.Join(e.Mailboxes, ", ")
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

func (e *MailboxError) Is(target error) bool { return target == ErrMailboxMissing }

// IsPermanent reports whether err is one the watcher does not retry.
func IsPermanent(err error) bool {
	for _, p := range []error{ErrAuthFailed, ErrMailboxMissing, ErrCertificate, ErrNoSecret, ErrPlaintextRefused, ErrNoTLS, ErrSignInNeeded} {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}
