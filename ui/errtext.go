package ui

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// errorSentence turns a watcher, check or keyring error into the short
// sentence the tray menu and the settings window show after an account's
// name ("login failed: check the password"). It classifies with errors.Is
// and errors.As only: never by matching protocol text. host is the account's
// server, for "can't reach HOST"; mailbox the folder it was about, if known.
func errorSentence(err error, host, mailbox string) string {
	if err == nil {
		return ""
	}
	var cerr *imapwatch.CertificateError
	var serr *settings.SecretError
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, imapwatch.ErrSignInNeeded):
		// Before the keyring cases: a missing refresh token wraps
		// ErrSecretNotFound too, but the fix is a sign-in, not a password.
		return "sign-in needed"
	case errors.As(err, &serr) && errors.Is(err, settings.ErrSecretNotFound):
		return "no password stored: set it in Settings"
	case errors.Is(err, settings.ErrKeyringLocked):
		return "the keyring is locked: unlock it, or set password_command"
	case errors.Is(err, settings.ErrNoSecretService):
		return "no keyring service: start gnome-keyring or KWallet, or set password_command"
	case errors.Is(err, settings.ErrPasswordCommand):
		return "password_command failed: " + safeLine(lastPart(err), 80)
	case errors.Is(err, imapwatch.ErrNoSecret):
		return "no password available: set it in Settings"
	case errors.Is(err, imapwatch.ErrAuthFailed):
		return "login failed: check the password"
	case errors.As(err, &cerr):
		return "certificate not trusted (" + shortFingerprint(cerr.Fingerprint) + ")"
	case errors.Is(err, imapwatch.ErrCertificate):
		return "certificate not trusted"
	case errors.Is(err, imapwatch.ErrMailboxMissing):
		if mailbox != "" {
			return "folder not found: " + safeLine(mailbox, 60)
		}
		return "folder not found: check the folder names"
	case errors.Is(err, imapwatch.ErrPlaintextRefused):
		return "refusing to send the password unencrypted: use tls or starttls"
	case errors.Is(err, imapwatch.ErrNoTLS):
		return "the server does not offer STARTTLS: use security tls or none"
	case errors.As(err, &dnsErr):
		return "can't find " + hostOr(host, dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, context.DeadlineExceeded):
		return "can't reach " + hostOr(host, "the server")
	case isX509(err):
		return "certificate not trusted"
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return "can't reach " + hostOr(host, "the server")
	}
	return "connection failed"
}

// signInSentence is why a browser sign-in (Options.SignIn) did not finish,
// for the account's menu line and the settings window's status.
func signInSentence(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "sign-in took too long: try again"
	case errors.Is(err, context.Canceled):
		return "sign-in cancelled"
	case errors.Is(err, settings.ErrKeyringLocked):
		return "signed in, but the keyring is locked: unlock it and sign in again"
	case errors.Is(err, settings.ErrNoSecretService):
		return "signed in, but there is no keyring service: start gnome-keyring or KWallet and sign in again"
	}
	return "sign-in failed: " + safeLine(lastPart(err), 80)
}

func isX509(err error) bool {
	var u x509.UnknownAuthorityError
	var h x509.HostnameError
	var c x509.CertificateInvalidError
	return errors.As(err, &u) || errors.As(err, &h) || errors.As(err, &c)
}

func hostOr(host, alt string) string {
	if host != "" {
		return safeLine(host, 80)
	}
	return safeLine(alt, 80)
}

// lastPart is the innermost message of a wrapped error chain, e.g. the
// password command's own complaint.
func lastPart(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	return err.Error()
}

// shortFingerprint is "sha256:AB:CD:EF…" cut after six bytes: enough to
// compare with what the server's admin says, short enough for a menu line.
func shortFingerprint(fp string) string {
	fp = safeLine(fp, 120)
	const keep = len("sha256:") + 6*3 - 1
	if len(fp) > keep {
		return fp[:keep] + "…"
	}
	return fp
}

// retryIn is "reconnecting in 20 s" / "reconnecting in 3 min" / "reconnecting".
func retryIn(secs int) string {
	switch {
	case secs <= 0:
		return "reconnecting"
	case secs < 120:
		return fmt.Sprintf("reconnecting in %d s", secs)
	default:
		return fmt.Sprintf("reconnecting in %d min", (secs+59)/60)
	}
}
