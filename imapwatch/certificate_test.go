package imapwatch

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"idlebell/internal/testsession"
	"idlebell/trust"
)

// TestCheckUntrustedCertificate checks the real Dovecot's TLS listener,
// whose self-signed certificate no system root trusts, and then with a pin
// of another certificate: both fail at the TLS step with a
// *CertificateError that carries the certificate itself, so a front can
// show its issuer and validity before the user trusts it.
func TestCheckUntrustedCertificate(t *testing.T) {
	d := testsession.FromEnv(t).Dovecot
	host, portStr, err := net.SplitHostPort(d.TLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	cfg := Config{Name: "cert", Host: host, Port: port, Security: SecurityTLS, Username: "certuser",
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute,
		Password: func(context.Context) (string, error) { return d.Password(), nil }}
	for _, pin := range []string{"", "sha256:" + strings.TrimSuffix(strings.Repeat("00:", 32), ":")} {
		cfg.Fingerprint = pin
		r := Check(context.Background(), cfg)
		var cerr *CertificateError
		if r.Step != "tls" || !errors.As(r.Err, &cerr) {
			t.Fatalf("pin %q: Check = step %q, %v; want a CertificateError at tls", pin, r.Step, r.Err)
		}
		if cerr.Cert == nil {
			t.Fatalf("pin %q: CertificateError without the certificate", pin)
		}
		if got := trust.Fingerprint(cerr.Cert.Raw); got != cerr.Fingerprint {
			t.Errorf("pin %q: certificate's fingerprint %s, error says %s", pin, got, cerr.Fingerprint)
		}
		if cerr.Cert.VerifyHostname("localhost") != nil || cerr.Subject != cerr.Cert.Subject.String() {
			t.Errorf("pin %q: certificate for %v, subject %q; want the session's localhost certificate", pin, cerr.Cert.DNSNames, cerr.Subject)
		}
	}
}
