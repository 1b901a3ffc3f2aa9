package discover

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"idlebell/settings"
)

// probeOutcome is what one guessed host:port said.
type probeOutcome struct {
	server Server
	err    error
}

// probe tries imap.DOMAIN, mail.DOMAIN and DOMAIN on 993 (TLS) and 143
// (STARTTLS), all at once, each bounded by the timeout. It reads the IMAP
// greeting and goes as far as TLS; it sends no credentials. The servers
// that answered come back best first: verified certificates before
// unverified ones, then in the order above; plaintext-only servers last,
// and only with AllowPlaintext. When none answered, r is nil and failed
// has one Attempt per guess, in the order above (a plaintext-only server's
// cause is CausePlaintextOnly).
func (d *Discoverer) probe(ctx context.Context, domain string) (r *Result, where string, failed []Attempt) {
	type candidate struct {
		host     string
		port     int
		security string
	}
	var cands []candidate
	for _, host := range []string{"imap." + domain, "mail." + domain, domain} {
		cands = append(cands,
			candidate{host, settings.DefaultPortTLS, settings.SecurityTLS},
			candidate{host, settings.DefaultPortPlain, settings.SecurityStartTLS})
	}
	pctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	out := make([]probeOutcome, len(cands))
	var wg sync.WaitGroup
	for i, c := range cands {
		wg.Add(1)
		go func() { // exits when the probe ends; pctx bounds it
			defer wg.Done()
			out[i] = d.probeOne(pctx, c.host, c.port, c.security)
		}()
	}
	wg.Wait()

	var verified, unverified, plain []Server
	for i, o := range out {
		switch {
		case o.err != nil:
			failed = append(failed, attempt(SourceProbe, net.JoinHostPort(cands[i].host, strconv.Itoa(cands[i].port)), o.err))
		case o.server.Security == settings.SecurityNone:
			plain = append(plain, o.server)
		case o.server.Certificate != nil:
			unverified = append(unverified, o.server)
		default:
			verified = append(verified, o.server)
		}
	}
	servers := append(append(verified, unverified...), plain...)
	if len(servers) == 0 {
		return nil, "", failed
	}
	return &Result{Servers: servers}, net.JoinHostPort(servers[0].Host, strconv.Itoa(servers[0].Port)), nil
}

// errPlaintextOnly says a server speaks IMAP without any TLS.
var errPlaintextOnly = errors.New("speaks IMAP only without encryption (allow plaintext to use it)")

// probeOne connects to host:port and gets as far as a TLS session with an
// IMAP server behind it. A certificate that does not verify is recorded in
// the Server, not an error: the user may trust it, and nothing secret was
// sent.
func (d *Discoverer) probeOne(ctx context.Context, host string, port int, security string) probeOutcome {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	conn, err := d.dialer().DialContext(ctx, "tcp", addr)
	if err != nil {
		return probeOutcome{err: err}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	srv := Server{Host: host, Port: port, Security: security}
	tlsConf := &tls.Config{
		ServerName:         host,
		InsecureSkipVerify: true, // verified below, so that a failure can be shown and trusted
		MinVersion:         tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			leaf := cs.PeerCertificates[0]
			if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: d.RootCAs, Intermediates: inter}); err != nil {
				srv.Certificate = &Certificate{Cert: leaf, Err: err, Problem: err.Error()}
			}
			return nil
		},
	}
	var c *imapclient.Client
	switch security {
	case settings.SecurityTLS:
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return probeOutcome{err: &handshakeError{ctxErr(ctx, err)}}
		}
		c = imapclient.New(tc, nil)
	default:
		c, err = imapclient.NewStartTLS(conn, &imapclient.Options{TLSConfig: tlsConf})
		var ierr *imap.Error
		if errors.As(err, &ierr) {
			if !d.AllowPlaintext {
				return probeOutcome{err: fail(CausePlaintextOnly, "", errPlaintextOnly)}
			}
			return probeOutcome{server: Server{Host: host, Port: port, Security: settings.SecurityNone}}
		}
		if err != nil {
			// A greeting that is not IMAP's, or a failed handshake
			// after STARTTLS (imapclient does both here).
			return probeOutcome{err: fmt.Errorf("STARTTLS: %w", &greetingError{ctxErr(ctx, err)})}
		}
	}
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		return probeOutcome{err: &greetingError{ctxErr(ctx, err)}}
	}
	return probeOutcome{server: srv}
}

// ctxErr prefers the context's error: a probe cut off by the timeout says so.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
