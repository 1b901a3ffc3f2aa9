package discover

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"testing"
	"time"

	"idlebell/demo"
	"idlebell/internal/testsession"
)

// TestProbeDovecot probes the real Dovecot of the test session: its
// implicit-TLS listener plays imap.example.org:993 and its plain listener,
// which offers STARTTLS, mail.example.org:143. The certificate is made for
// localhost, so both are offered with the certificate to trust; as
// localhost, with the session's CA, the TLS one verifies.
func TestProbeDovecot(t *testing.T) {
	env := testsession.FromEnv(t)
	dc := env.Dovecot
	pem, err := os.ReadFile(dc.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)

	dial := &stubDialer{routes: map[string]string{
		"imap.example.org:993": dc.TLSAddr,
		"mail.example.org:143": dc.PlainAddr,
		"imap.example.org:143": dc.TLSAddr, // TLS where STARTTLS is expected: no greeting, skipped
	}}
	d := &Discoverer{AutoconfigURLs: []string{}, ISPDBURL: "-", Resolver: &stubResolver{}, Dialer: dial, RootCAs: roots, Timeout: 2 * time.Second}
	r, err := d.Discover(context.Background(), "alice@example.org")
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if r.Source != SourceProbe {
		t.Errorf("source = %s, want probe", r.Source)
	}
	var got []string
	for _, s := range r.Servers {
		got = append(got, fmt.Sprintf("%s:%d %s cert-ok=%v", s.Host, s.Port, s.Security, s.Certificate == nil))
		if s.Certificate != nil && (s.Certificate.Cert == nil || s.Certificate.Err == nil) {
			t.Errorf("%s:%d: certificate problem without the certificate or the reason", s.Host, s.Port)
		}
	}
	want := []string{"imap.example.org:993 tls cert-ok=false", "mail.example.org:143 starttls cert-ok=false"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("servers = %q, want %q", got, want)
	}

	dial.routes = map[string]string{"localhost:993": dc.TLSAddr, "mail.localhost:143": dc.PlainAddr}
	r, err = d.Discover(context.Background(), "alice@localhost")
	if err != nil {
		t.Fatalf("Discover(alice@localhost): %v", err)
	}
	if s := r.Servers[0]; s.Host != "localhost" || s.Port != 993 || s.Certificate != nil {
		t.Errorf("first server = %+v, want localhost:993 with a verified certificate", s)
	}
}

// TestProbePlaintextOnly is offered a server without TLS or STARTTLS (the
// in-process demo server): only with AllowPlaintext.
func TestProbePlaintextOnly(t *testing.T) {
	srv, err := demo.Start(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dial := &stubDialer{routes: map[string]string{"imap.example.org:143": srv.Addr}}
	d := &Discoverer{AutoconfigURLs: []string{}, ISPDBURL: "-", Resolver: &stubResolver{}, Dialer: dial, Timeout: 2 * time.Second}
	_, err = d.Discover(context.Background(), "alice@example.org")
	nf, ok := err.(*NotFoundError)
	if !ok {
		t.Fatalf("Discover without AllowPlaintext = %v, want NotFoundError", err)
	}
	if a := nf.Tried[len(nf.Tried)-5]; a.Where != "imap.example.org:143" || a.Cause != CausePlaintextOnly {
		t.Errorf("probe said %+v, want it to name the plaintext-only server", a)
	}
	// The server is named, so that the user can choose it knowingly.
	if len(nf.Plaintext) != 1 || nf.Plaintext[0].Host != "imap.example.org" || nf.Plaintext[0].Port != 143 ||
		nf.Plaintext[0].Security != "none" || nf.Plaintext[0].Username != "alice@example.org" {
		t.Errorf("NotFoundError.Plaintext = %+v, want imap.example.org:143 with the address as its login", nf.Plaintext)
	}
	d.AllowPlaintext = true
	r, err := d.Discover(context.Background(), "alice@example.org")
	if err != nil {
		t.Fatalf("Discover with AllowPlaintext: %v", err)
	}
	if s := r.Servers[0]; s.Host != "imap.example.org" || s.Port != 143 || s.Security != "none" {
		t.Errorf("server = %+v, want imap.example.org:143 none", s)
	}
}
