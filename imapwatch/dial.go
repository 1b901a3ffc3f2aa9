package imapwatch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
)

// Traffic counts bytes on the wire, below TLS, for benchmarks and the check
// command. A nil *Traffic counts nothing.
type Traffic struct {
	Sent, Received atomic.Int64
}

// liveConn is the TCP connection under TLS and IMAP. It remembers when the
// server last sent a byte: any byte counts as life (the liveness rule).
type liveConn struct {
	net.Conn
	lastRead atomic.Int64 // unix nanoseconds
	traffic  *Traffic
}

func (c *liveConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.lastRead.Store(time.Now().UnixNano())
		if c.traffic != nil {
			c.traffic.Received.Add(int64(n))
		}
	}
	return n, err
}

func (c *liveConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if c.traffic != nil && n > 0 {
		c.traffic.Sent.Add(int64(n))
	}
	return n, err
}

// silentFor is how long the server has not sent anything.
func (c *liveConn) silentFor(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, c.lastRead.Load()))
}

// IsLoopback reports whether host names this machine without a DNS lookup:
// "localhost" or a loopback IP literal.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Addr is host:port with the default port for the security mode.
func (cfg *Config) Addr() string {
	port := cfg.Port
	if port == 0 {
		port = 993
		if cfg.Security == SecurityStartTLS || cfg.Security == SecurityNone {
			port = 143
		}
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(port))
}

// wordDecoder decodes RFC 2047 words in any charset go-message knows, not
// only UTF-8 and Latin-1 as mime.WordDecoder does by itself.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

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
		want, err := parseFingerprint(cfg.Fingerprint)
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
				return &fingerprintMismatch{got: Fingerprint(raw[0])}
			}
			return nil
		}
	}
	return tc, nil
}

type fingerprintMismatch struct{ got string }

func (e *fingerprintMismatch) Error() string {
	return "certificate does not match the pinned fingerprint (server has " + e.got + ")"
}

// Fingerprint formats the SHA-256 of a DER certificate as "sha256:AB:CD:...".
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	var b strings.Builder
	b.WriteString("sha256:")
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

func parseFingerprint(s string) ([]byte, error) {
	hexs := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "sha256:")
	hexs = strings.NewReplacer(":", "", " ", "").Replace(hexs)
	if len(hexs) != 64 {
		return nil, fmt.Errorf("tls_fingerprint %q: want sha256: and 32 hex bytes", s)
	}
	out := make([]byte, 32)
	for i := range out {
		v, err := strconv.ParseUint(hexs[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("tls_fingerprint %q: %w", s, err)
		}
		out[i] = byte(v)
	}
	return out, nil
}

// classifyTLS turns a handshake failure into a *CertificateError when the
// certificate was the problem, so the UI can offer to pin it.
func classifyTLS(host string, err error) error {
	var verr *tls.CertificateVerificationError
	var mismatch *fingerprintMismatch
	switch {
	case errors.As(err, &verr) && len(verr.UnverifiedCertificates) > 0:
		leaf := verr.UnverifiedCertificates[0]
		return &CertificateError{Host: host, Subject: leaf.Subject.String(), Fingerprint: Fingerprint(leaf.Raw), Err: verr.Err}
	case errors.As(err, &mismatch):
		return &CertificateError{Host: host, Fingerprint: mismatch.got, Err: mismatch}
	}
	return err
}

// dialOptions are what one connection needs besides the Config.
type dialOptions struct {
	handler *imapclient.UnilateralDataHandler
	debug   io.Writer // already redacting
}

// dial connects, protects and greets, but does not log in. Cancelling ctx
// aborts the dial and the TLS handshake.
func dial(ctx context.Context, cfg *Config, opts dialOptions) (*imapclient.Client, *liveConn, error) {
	host := strings.Trim(cfg.Host, "[]")
	if cfg.Security == SecurityNone && !IsLoopback(host) && !cfg.AllowPlaintext {
		return nil, nil, ErrPlaintextRefused
	}
	keepAlive := cfg.KeepAlive
	if keepAlive <= 0 {
		keepAlive = 30 * time.Second
	}
	// Probes every 15 s after keepAlive of silence, 4 unanswered probes:
	// a path whose packets vanish is declared dead within keepAlive+60 s.
	d := &net.Dialer{
		Timeout: 30 * time.Second,
		KeepAliveConfig: net.KeepAliveConfig{
			Enable: true, Idle: keepAlive, Interval: 15 * time.Second, Count: 4,
		},
	}
	raw, err := d.DialContext(ctx, "tcp", cfg.Addr())
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s: %w", cfg.Addr(), err)
	}
	lc := &liveConn{Conn: raw, traffic: cfg.Traffic}
	lc.lastRead.Store(time.Now().UnixNano())
	// Until the greeting is in, ctx cancellation must interrupt blocking I/O.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()

	copts := &imapclient.Options{
		UnilateralDataHandler: opts.handler,
		WordDecoder:           wordDecoder,
		DebugWriter:           opts.debug,
	}
	var c *imapclient.Client
	switch cfg.Security {
	case SecurityNone:
		c = imapclient.New(lc, copts)
	case SecurityStartTLS:
		tc, err := cfg.tlsConfig()
		if err != nil {
			raw.Close()
			return nil, nil, err
		}
		copts.TLSConfig = tc
		c, err = imapclient.NewStartTLS(lc, copts)
		if err != nil {
			raw.Close()
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			var ierr *imap.Error
			if errors.As(err, &ierr) {
				return nil, nil, fmt.Errorf("%w: %v", ErrNoTLS, err)
			}
			return nil, nil, fmt.Errorf("starttls with %s: %w", cfg.Addr(), classifyTLS(host, err))
		}
	default:
		tc, err := cfg.tlsConfig()
		if err != nil {
			raw.Close()
			return nil, nil, err
		}
		tc.NextProtos = []string{"imap"}
		tconn := tls.Client(lc, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			raw.Close()
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, fmt.Errorf("tls with %s: %w", cfg.Addr(), classifyTLS(host, err))
		}
		c = imapclient.New(tconn, copts)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, fmt.Errorf("greeting from %s: %w", cfg.Addr(), err)
	}
	return c, lc, nil
}

// authInfo is how a login went, for Check.
type authInfo struct {
	mech        string    // LOGIN, OAUTHBEARER or XOAUTH2
	tokenExpiry time.Time // OAuth2: when the access token used expires; zero if unknown
}

// login authenticates: with the password (LOGIN), or with an OAuth2 access
// token when cfg.Token is set. Credentials the server rejected are
// permanent; "try again later" answers ([UNAVAILABLE], a dropped
// connection) are not. onSecret, when set, learns the password or token
// before it is sent (the trace redacts it). refresh asks cfg.Token for a
// new token first (the last session ended with an expired token).
func login(ctx context.Context, c *imapclient.Client, cfg *Config, onSecret func(string), refresh bool) (authInfo, error) {
	if cfg.Token != nil {
		return loginToken(ctx, c, cfg, onSecret, refresh)
	}
	if cfg.Password == nil {
		return authInfo{}, ErrNoSecret
	}
	pw, err := cfg.Password(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return authInfo{}, ctx.Err()
		}
		return authInfo{}, fmt.Errorf("%w: %w", ErrNoSecret, err)
	}
	if onSecret != nil {
		onSecret(pw)
	}
	if c.Caps().Has(imap.CapLoginDisabled) {
		return authInfo{}, fmt.Errorf("%w: the server refuses LOGIN on this connection (LOGINDISABLED); use tls or starttls", ErrAuthFailed)
	}
	err = c.Login(cfg.Username, pw).Wait()
	if err == nil {
		return authInfo{mech: "LOGIN"}, nil
	}
	var ierr *imap.Error
	if errors.As(err, &ierr) && ierr.Type == imap.StatusResponseTypeNo {
		switch ierr.Code {
		case imap.ResponseCodeUnavailable, imap.ResponseCodeServerBug, imap.ResponseCodeLimit:
			return authInfo{}, fmt.Errorf("login to %s: %w", cfg.Addr(), err)
		}
		return authInfo{}, fmt.Errorf("%w: %s", ErrAuthFailed, ierr.Text)
	}
	return authInfo{}, fmt.Errorf("login to %s: %w", cfg.Addr(), err)
}

// tokenMech picks the SASL mechanism from the server's AUTH= capabilities:
// OAUTHBEARER (the standard) where offered, else XOAUTH2.
func tokenMech(caps imap.CapSet) (string, bool) {
	switch {
	case caps.Has(imap.AuthCap(MechOAuthBearer)):
		return MechOAuthBearer, true
	case caps.Has(imap.AuthCap(MechXOAuth2)):
		return MechXOAuth2, true
	}
	return "", false
}

// loginToken authenticates with an access token. A token the server rejects
// is replaced once by a refreshed one on the same connection (expired
// tokens are the common case, and the refresh is silent); a refreshed token
// that is rejected too is ErrAuthFailed.
func loginToken(ctx context.Context, c *imapclient.Client, cfg *Config, onSecret func(string), refresh bool) (authInfo, error) {
	mech, ok := tokenMech(c.Caps())
	if !ok {
		return authInfo{}, fmt.Errorf("%w: %s offers neither OAUTHBEARER nor XOAUTH2 (AUTH= capabilities: %s); OAuth2 sign-in is not possible with this server",
			ErrAuthFailed, cfg.Addr(), strings.Join(c.Caps().AuthMechanisms(), " "))
	}
	host := strings.Trim(cfg.Host, "[]")
	_, portStr, _ := net.SplitHostPort(cfg.Addr())
	port, _ := strconv.Atoi(portStr)
	for {
		tok, expiry, err := cfg.Token(ctx, refresh)
		if err != nil {
			if ctx.Err() != nil {
				return authInfo{}, ctx.Err()
			}
			if errors.Is(err, ErrSignInNeeded) {
				return authInfo{}, err
			}
			return authInfo{}, fmt.Errorf("get an access token: %w", err)
		}
		if onSecret != nil {
			onSecret(tok)
		}
		select {
		case <-c.Closed():
			return authInfo{}, fmt.Errorf("authenticate to %s: %w", cfg.Addr(), errConnLost)
		default:
		}
		sc := newTokenClient(mech, cfg.Username, tok, host, port)
		err = c.Authenticate(sc)
		if err == nil {
			return authInfo{mech: mech, tokenExpiry: expiry}, nil
		}
		var ierr *imap.Error
		rejected := sc.failure != nil
		if errors.As(err, &ierr) && ierr.Type != imap.StatusResponseTypeOK {
			switch ierr.Code {
			case imap.ResponseCodeUnavailable, imap.ResponseCodeServerBug, imap.ResponseCodeLimit:
				return authInfo{}, fmt.Errorf("authenticate to %s: %w", cfg.Addr(), err)
			}
			rejected = true
		}
		if !rejected {
			return authInfo{}, fmt.Errorf("authenticate to %s: %w", cfg.Addr(), err)
		}
		if refresh {
			detail := err.Error()
			if sc.failure != nil {
				detail = sc.failure.String() + ": " + detail
			}
			return authInfo{}, fmt.Errorf("%w: %s rejected a freshly refreshed access token with %s (%s); check that username is the signed-in address and that IMAP is enabled for the mailbox",
				ErrAuthFailed, cfg.Addr(), mech, detail)
		}
		refresh = true
	}
}
