package imapwatch

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Permanent errors: retrying cannot help until the user changes something.
// The watcher stops retrying an account that hits one of these; Retry or a
// changed config starts it again. Check with errors.Is.
var (
	ErrAuthFailed = errors.New("authentication failed")
	// ErrAuthUnsupported: the server offers no way to sign in that this
	// account can use — LOGIN refused on this connection (LOGINDISABLED,
	// [PRIVACYREQUIRED]) or no OAuth2 SASL mechanism. The password is not
	// the problem; the security setting or the server is.
	ErrAuthUnsupported = errors.New("server offers no usable sign-in method")
	// ErrMailboxMissing: the server said [NONEXISTENT], or refused the
	// mailbox without a code and its LIST does not show it.
	ErrMailboxMissing = errors.New("mailbox does not exist")
	// ErrMailboxDenied: the server said [NOPERM] for the mailbox.
	ErrMailboxDenied    = errors.New("no permission to read the mailbox")
	ErrCertificate      = errors.New("server certificate not trusted")
	ErrNoSecret         = errors.New("no password available")
	ErrPlaintextRefused = errors.New("refusing to send a password without TLS to a non-loopback host")
	ErrNoTLS            = errors.New("server does not offer STARTTLS")
	// ErrSignInNeeded: an OAuth2 account has no usable refresh token (never
	// signed in, revoked, password changed, consent withdrawn). Only a new
	// sign-in in the browser helps. Config.Token returns errors wrapping it.
	ErrSignInNeeded = errors.New("sign-in needed")
)

// AuthError is a login the server refused (it matches ErrAuthFailed with
// errors.Is, and the server's *imap.Error, when it answered, with
// errors.As). Mech says what idlebell signed in with, so a front can say
// what to check: "LOGIN" with the account's password, MechOAuthBearer or
// MechXOAuth2 with an OAuth2 access token. Host and Port are the server's,
// as configured.
type AuthError struct {
	Mech string
	Host string
	Port int
	Err  error
}

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// OAuth2 reports whether the refused login was an OAuth2 access token.
func (e *AuthError) OAuth2() bool { return e.Mech == MechOAuthBearer || e.Mech == MechXOAuth2 }

// authRefused is err as an *AuthError when it is ErrAuthFailed, else err.
func authRefused(mech string, cfg *Config, err error) error {
	if !errors.Is(err, ErrAuthFailed) {
		return err
	}
	_, port, _ := net.SplitHostPort(cfg.Addr())
	n, _ := strconv.Atoi(port)
	return &AuthError{Mech: mech, Host: strings.Trim(cfg.Host, "[]"), Port: n, Err: err}
}

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

// MailboxError names the mailboxes the server says it does not have
// ([NONEXISTENT], or a NO without code for a mailbox LIST does not show).
// It matches ErrMailboxMissing with errors.Is; the server's *imap.Error,
// when there was one, with errors.As.
type MailboxError struct {
	Mailboxes []string
	Text      string // the server's words, if any, redacted
	Err       error  // the server's answer (*imap.Error), or nil
}

func (e *MailboxError) Error() string {
	s := ErrMailboxMissing.Error() + ": " + strings.Join(e.Mailboxes, ", ")
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

func (e *MailboxError) Is(target error) bool { return target == ErrMailboxMissing }
func (e *MailboxError) Unwrap() error        { return e.Err }

// IsPermanent reports whether err is one the watcher does not retry.
func IsPermanent(err error) bool {
	for _, p := range []error{ErrAuthFailed, ErrAuthUnsupported, ErrMailboxMissing, ErrMailboxDenied, ErrCertificate, ErrNoSecret, ErrPlaintextRefused, ErrNoTLS, ErrSignInNeeded} {
		if errors.Is(err, p) {
			return true
		}
	}
	var cerr *ConfigError
	return errors.As(err, &cerr)
}

// Temporary errors: the watcher retries them with backoff. Check with
// errors.Is; the server's *imap.Error, when there was one, stays in the
// chain (errors.As).
var (
	// ErrTimeout: the server did not answer a command, the login or the
	// TLS handshake in time (no byte for Config.CommandTimeout while a
	// command waited, or the whole connect for Config.ConnectTimeout).
	ErrTimeout = errors.New("server did not answer in time")
	// ErrServerUnavailable: the server refused for now: [UNAVAILABLE],
	// [SERVERBUG], [LIMIT] or [INUSE] (RFC 5530).
	ErrServerUnavailable = errors.New("server temporarily unavailable")
	// ErrConnectionLost: the connection broke or the server closed it (a
	// BYE, a cut in the middle of an answer, the socket closed).
	ErrConnectionLost = errors.New("connection lost")
	// ErrResponseTooLarge: the server sent a line, literal or response
	// larger than idlebell reads (see *ResponseTooLargeError).
	ErrResponseTooLarge = errors.New("server sent more than idlebell reads")
	// ErrNoGreeting: the TCP connection (and with security tls the TLS
	// handshake) was made, but the server sent no IMAP greeting (RFC 9051
	// section 7.1) within Config.GreetingTimeout. Mostly a port that
	// expects TLS from its first byte under security none or starttls:
	// the server waits for a TLS ClientHello and idlebell for "* OK". See
	// *GreetingError.
	ErrNoGreeting = errors.New("connected, but the server sent no IMAP greeting")
)

// GreetingError is a connection that was made but never greeted: Addr is
// the server's host:port, After how long idlebell waited for the greeting,
// InTLS whether it waited inside TLS (security tls: the port speaks TLS, so
// the security setting is not the cause). It matches ErrNoGreeting with
// errors.Is.
type GreetingError struct {
	Addr  string
	After time.Duration
	InTLS bool
}

func (e *GreetingError) Error() string {
	return fmt.Sprintf("connected to %s, but the server sent no IMAP greeting within %v", e.Addr, e.After)
}

func (e *GreetingError) Is(target error) bool { return target == ErrNoGreeting }

// TimeoutError is a step of Check that the caller's deadline cut short:
// Step is CheckResult.Step's name ("resolve", "connect", "greeting", "tls", "login",
// "mailbox"), Addr the server's host:port, After the time the deadline
// allowed from Check's start. It matches ErrTimeout with errors.Is.
type TimeoutError struct {
	Step  string
	Addr  string
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s (%s): server did not answer within %v", e.Step, e.Addr, e.After)
}

func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Reasons to reconnect that are not failures: idlebell itself dropped a
// connection to make it anew, at once. The StateReconnecting change that
// follows carries one in Err (errors.Is), so a front can say why.
var (
	// ErrWake: the machine woke from sleep or the network changed
	// (Manager.Wake): connections from before are presumed dead.
	ErrWake = errors.New("reconnecting after sleep or a network change")
	// ErrCheckNow: the user asked to check now (Manager.CheckNow) while the
	// connection was stuck connecting or in a command.
	ErrCheckNow = errors.New("reconnecting: check now found the connection stuck")
)

// ErrStateLost is no failure but a warning, the Err of the StateIdle and
// StatePolling changes of a mailbox whose saved watermark was lost (a
// damaged state file, see Damage): the mailbox is watched from now on, and
// mail that arrived in it while idlebell was stopped may not have been
// announced.
var ErrStateLost = errors.New("saved state lost: mail that arrived while idlebell was stopped may not have been announced")

// ResponseTooLargeError says what the server sent that idlebell refused to
// read; the connection was closed before the data was buffered. It matches
// ErrResponseTooLarge with errors.Is.
type ResponseTooLargeError struct {
	What  string // "line" (without CRLF), "literal" or "response"
	Size  int64  // a literal's announced size in bytes; 0 for a line or response
	Limit int64  // bytes idlebell reads at most
}

func (e *ResponseTooLargeError) Error() string {
	if e.Size > 0 {
		return fmt.Sprintf("server sent a %s %s (idlebell reads at most %s): closing the connection", byteSize(e.Size), e.What, byteSize(e.Limit))
	}
	return fmt.Sprintf("server sent a %s longer than %s: closing the connection", e.What, byteSize(e.Limit))
}

func (e *ResponseTooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

// byteSize is n in B, KiB, MiB or GiB with one decimal.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
