package imapwatch

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"idlebell/trust"
)

// tlsConfig builds the verification the user asked for. Verification is on
// unless a fingerprint pins the exact leaf certificate instead.
func (cfg *Config) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{ServerName: strings.Trim(cfg.Host, "[]"), MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read tls_ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls_ca_file %s: no PEM certificate in it", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	if cfg.onTLS != nil {
		// Runs after verification passed; a failed verification reaches
		// the caller as a *CertificateError carrying the same details.
		tc.VerifyConnection = func(cs tls.ConnectionState) error { cfg.onTLS(cs); return nil }
	}
	if cfg.Fingerprint != "" {
		want, err := trust.ParseFingerprint(cfg.Fingerprint)
		if err != nil {
			return nil, err
		}
		// The pin replaces chain verification: the user trusted this exact
		// certificate (typically self-signed) after seeing its fingerprint.
		tc.InsecureSkipVerify = true
		tc.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("server sent no certificate")
			}
			got := sha256.Sum256(raw[0])
			if !bytes.Equal(got[:], want) {
				cert, _ := x509.ParseCertificate(raw[0])
				return &fingerprintMismatch{got: trust.Fingerprint(raw[0]), cert: cert}
			}
			return nil
		}
	}
	return tc, nil
}

type fingerprintMismatch struct {
	got  string
	cert *x509.Certificate // nil when it did not parse
}

func (e *fingerprintMismatch) Error() string {
	return "certificate does not match the pinned fingerprint (server has " + e.got + ")"
}

// classifyTLS turns a handshake failure into a *CertificateError when the
// certificate was the problem, so the UI can offer to pin it.
func classifyTLS(host string, err error) error {
	var verr *tls.CertificateVerificationError
	var mismatch *fingerprintMismatch
	switch {
	case errors.As(err, &verr) && len(verr.UnverifiedCertificates) > 0:
		leaf := verr.UnverifiedCertificates[0]
		return &CertificateError{Host: host, Subject: leaf.Subject.String(), Fingerprint: trust.Fingerprint(leaf.Raw), Err: verr.Err, Cert: leaf}
	case errors.As(err, &mismatch):
		e := &CertificateError{Host: host, Fingerprint: mismatch.got, Err: mismatch, Cert: mismatch.cert}
		if mismatch.cert != nil {
			e.Subject = mismatch.cert.Subject.String()
		}
		return e
	}
	return err
}
