package discover

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"

	"idlebell/i18n"
	"idlebell/safetext"
)

// Cause says why a source gave nothing, in words a program can compare;
// Attempt.Reason says it to people.
type Cause string

// The causes an Attempt can have.
const (
	CauseNotInTable       Cause = "not_in_table"      // the domain is not in the built-in table
	CauseNoSuchHost       Cause = "no_such_host"      // DNS: the host name does not exist
	CauseNoRecord         Cause = "no_record"         // DNS: no SRV or MX record of that name
	CauseDNSFailed        Cause = "dns_failed"        // DNS: the resolver failed to answer (SERVFAIL, no resolver)
	CauseTimeout          Cause = "timeout"           // no answer within Discoverer.Timeout
	CauseRefused          Cause = "refused"           // TCP: connection refused
	CauseUnreachable      Cause = "unreachable"       // TCP: no route to the network or host
	CauseClosed           Cause = "closed"            // the server closed the connection
	CauseCertificate      Cause = "certificate"       // HTTPS: the certificate does not verify
	CauseTLS              Cause = "tls"               // the TLS handshake failed (no TLS on the port, an alert)
	CauseNotFound         Cause = "not_found"         // HTTP 404 or 410; Detail is the status code
	CauseHTTPStatus       Cause = "http_status"       // another HTTP status than 200; Detail is the code
	CauseInsecureRedirect Cause = "insecure_redirect" // HTTPS redirected to plain HTTP: not followed
	CauseTooManyRedirects Cause = "too_many_redirects"
	CauseBadConfig        Cause = "bad_config"       // not a config-v1.1.xml, or larger than 1 MiB
	CauseNoIMAPServer     Cause = "no_imap_server"   // a config-v1.1.xml without IMAP server
	CauseNoUsableServer   Cause = "no_usable_server" // its IMAP servers lack TLS, a port or a login idlebell has
	CauseNoService        Cause = "no_service"       // SRV target ".": the domain says it offers no IMAP
	CauseUnknownMX        Cause = "unknown_mx"       // the MX hosts belong to no known provider; Detail names them
	CausePlaintextOnly    Cause = "plaintext_only"   // the server speaks IMAP only without encryption
	CauseNotIMAP          Cause = "not_imap"         // something answered, but not an IMAP server
	CauseOther            Cause = "other"            // none of the above; Attempt.Err says what
)

// failure is a source's answer that no network error describes: a cause
// of this package's own, with its English text for JSON and logs.
type failure struct {
	cause  Cause
	detail string
	err    error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// fail wraps err (its text stays the English for JSON) with cause.
func fail(cause Cause, detail string, err error) error {
	return &failure{cause: cause, detail: detail, err: err}
}

// handshakeError marks a TLS handshake's failure that no other cause
// explains.
type handshakeError struct{ err error }

func (e *handshakeError) Error() string { return "TLS: " + e.err.Error() }
func (e *handshakeError) Unwrap() error { return e.err }

// greetingError marks a server that accepted the connection but did not
// answer as IMAP does.
type greetingError struct{ err error }

func (e *greetingError) Error() string { return "no IMAP greeting: " + e.err.Error() }
func (e *greetingError) Unwrap() error { return e.err }

// Winsock's error codes, which are not syscall's constants on Windows:
// WSAECONNREFUSED, WSAENETUNREACH, WSAEHOSTUNREACH, WSAECONNRESET,
// WSAECONNABORTED. No other system uses these numbers.
const (
	wsaeconnrefused = syscall.Errno(10061)
	wsaenetunreach  = syscall.Errno(10051)
	wsaehostunreach = syscall.Errno(10065)
	wsaeconnreset   = syscall.Errno(10054)
	wsaeconnaborted = syscall.Errno(10053)
)

func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// causeOf classifies err with errors.Is and errors.As, never by its text,
// and returns the values its description names (Attempt.Detail).
func causeOf(err error) (Cause, string) {
	var (
		f      *failure
		dnsErr *net.DNSError
		nerr   net.Error
		recErr tls.RecordHeaderError
		alert  tls.AlertError
		verErr *tls.CertificateVerificationError
		hsErr  *handshakeError
		grErr  *greetingError
	)
	switch {
	case errors.As(err, &f):
		return f.cause, f.detail
	case errors.As(err, &dnsErr):
		switch {
		case dnsErr.IsNotFound:
			return CauseNoSuchHost, ""
		case dnsErr.IsTimeout:
			return CauseTimeout, ""
		}
		return CauseDNSFailed, ""
	case isAny(err, context.DeadlineExceeded, os.ErrDeadlineExceeded),
		errors.As(err, &nerr) && nerr.Timeout():
		return CauseTimeout, ""
	case isAny(err, syscall.ECONNREFUSED, wsaeconnrefused):
		return CauseRefused, ""
	case isAny(err, syscall.ENETUNREACH, syscall.EHOSTUNREACH, wsaenetunreach, wsaehostunreach):
		return CauseUnreachable, ""
	case errors.Is(err, errInsecureRedirect):
		return CauseInsecureRedirect, ""
	case errors.Is(err, errTooManyRedirects):
		return CauseTooManyRedirects, ""
	case errors.As(err, &verErr), isX509(err):
		return CauseCertificate, ""
	case errors.As(err, &recErr), errors.As(err, &alert):
		return CauseTLS, ""
	case isAny(err, io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, syscall.ECONNRESET, syscall.EPIPE, wsaeconnreset, wsaeconnaborted):
		return CauseClosed, ""
	case errors.As(err, &hsErr):
		return CauseTLS, ""
	case errors.As(err, &grErr):
		return CauseNotIMAP, ""
	}
	return CauseOther, ""
}

func isX509(err error) bool {
	var u x509.UnknownAuthorityError
	var h x509.HostnameError
	var c x509.CertificateInvalidError
	return errors.As(err, &u) || errors.As(err, &h) || errors.As(err, &c)
}

// attempt records a source that gave nothing: its typed cause, and err's
// English text without a URL's "Get "…": " (Where names the place once).
func attempt(src Source, where string, err error) Attempt {
	cause, detail := causeOf(err)
	var uerr *url.Error
	if errors.As(err, &uerr) && uerr.Err != nil {
		err = uerr.Err
	}
	return Attempt{Source: src, Where: where, Cause: cause, Detail: detail, Err: err.Error()}
}

// Reason says why the attempt gave nothing, short, in the user's language:
// "connection refused", "not found (HTTP 404)". Safe from any goroutine.
func (a Attempt) Reason() string {
	detail := safetext.Line(a.Detail, 200)
	switch a.Cause {
	case CauseNotInTable:
		return i18n.T("not in idlebell's table of providers")
	case CauseNoSuchHost:
		return i18n.T("unknown host name")
	case CauseNoRecord:
		return i18n.T("no such record")
	case CauseDNSFailed:
		return i18n.T("the DNS lookup failed")
	case CauseTimeout:
		return i18n.T("timed out")
	case CauseRefused:
		return i18n.T("connection refused")
	case CauseUnreachable:
		return i18n.T("unreachable")
	case CauseClosed:
		return i18n.T("the connection was closed")
	case CauseCertificate:
		return i18n.T("certificate not trusted")
	case CauseTLS:
		return i18n.T("TLS handshake failed")
	case CauseNotFound:
		return i18n.T("not found (HTTP %s)", detail)
	case CauseHTTPStatus:
		return i18n.T("the web server answered HTTP %s", detail)
	case CauseInsecureRedirect:
		return i18n.T("redirects to unencrypted HTTP: not followed")
	case CauseTooManyRedirects:
		return i18n.T("too many redirects")
	case CauseBadConfig:
		return i18n.T("not an autoconfig file")
	case CauseNoIMAPServer:
		return i18n.T("names no IMAP server")
	case CauseNoUsableServer:
		return i18n.T("names no IMAP server idlebell can use")
	case CauseNoService:
		return i18n.T("the domain says it offers no IMAP")
	case CauseUnknownMX:
		return i18n.T("mail goes to %s, not a provider idlebell knows", detail)
	case CausePlaintextOnly:
		return i18n.T("answers only unencrypted")
	case CauseNotIMAP:
		return i18n.T("answers, but not as an IMAP server")
	}
	return i18n.T("failed: %s", safetext.Line(a.Err, 200))
}
