package ui

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"idlebell/imapwatch"
	"idlebell/settings"
)

func TestErrorSentence(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"auth", fmt.Errorf("login to x: %w", imapwatch.ErrAuthFailed), "login failed: check the password"},
		{"certificate", fmt.Errorf("dial: %w", &imapwatch.CertificateError{Host: "h", Fingerprint: "sha256:AB:CD:EF:01:23:45:67:89:AB", Err: errors.New("x509")}), "certificate not trusted (sha256:AB:CD:EF:01:23:45…)"},
		{"mailbox", fmt.Errorf("%w: Lists", imapwatch.ErrMailboxMissing), "folder not found: INBOX"},
		{"no secret in keyring", fmt.Errorf("%w: %w", imapwatch.ErrNoSecret, &settings.SecretError{Account: "Work", Err: settings.ErrSecretNotFound}), "no password stored: set it in Settings"},
		{"keyring locked", fmt.Errorf("%w: %w", imapwatch.ErrNoSecret, &settings.SecretError{Account: "Work", Err: settings.ErrKeyringLocked}), "the keyring is locked: unlock it, or set password_command"},
		{"no secret service", &settings.SecretError{Account: "Work", Err: settings.ErrNoSecretService}, "no keyring service: start gnome-keyring or KWallet, or set password_command"},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, "can't reach imap.example.com"},
		{"dns", &net.DNSError{Name: "imap.example.com", Err: "no such host"}, "can't find imap.example.com"},
		{"sign-in needed, no token stored", fmt.Errorf("%w: %w", imapwatch.ErrSignInNeeded, &settings.SecretError{Account: "Gmail", Token: true, Err: settings.ErrSecretNotFound}), "sign-in needed"},
		{"sign-in needed, refused", fmt.Errorf("%w: invalid_grant", imapwatch.ErrSignInNeeded), "sign-in needed"},
		{"plaintext", imapwatch.ErrPlaintextRefused, "refusing to send the password unencrypted: use tls or starttls"},
		{"unknown", errors.New("* BYE something raw"), "connection failed"},
	}
	for _, tt := range tests {
		if got := errorSentence(tt.err, "imap.example.com", "INBOX"); got != tt.want {
			t.Errorf("%s: errorSentence(%v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
}
