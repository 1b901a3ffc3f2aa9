package imapwatch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
)

// runSession is one connection's life: it returns why it ended.
func (sv *supervisor) runSession(ctx context.Context, healthy func()) error {
	sv.state(ctx, StateConnecting, nil, time.Time{})
	exists := make(chan struct{}, 1)
	flags := make(chan struct{}, 1)
	// Called on go-imap's reader goroutine: must not block (STYLE habit 5).
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				signal(exists)
			}
		},
		Expunge: func(uint32) { signal(flags) },
		Fetch: func(msg *imapclient.FetchMessageData) {
			// Runs on its own goroutine (go-imap starts it); the data must
			// be consumed for the reader to go on.
			msg.Collect()
			signal(flags)
		},
	}
	var trace *redactor
	bye := newByeWatcher(nil)
	if sv.cfg.Trace != nil {
		trace = newRedactor(sv.cfg.Trace, "["+sv.cfg.Name+"] ")
		bye.next = trace
	}
	c, lc, err := dial(ctx, &sv.cfg, dialOptions{handler: handler, debug: bye})
	if err != nil {
		return err
	}
	// On shutdown, allow a short polite goodbye, then cut the connection:
	// that unblocks whatever command is waiting (STYLE habit 2).
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(logoutGrace, func() { c.Close() }) })
	defer stop()
	defer c.Close()

	var onSecret func(string)
	if trace != nil {
		onSecret = trace.addSecret
	}
	if _, err := login(ctx, c, &sv.cfg, onSecret, sv.refreshToken); err != nil {
		return err
	}
	sv.refreshToken = false
	s := &session{sv: sv, c: c, lc: lc, exists: exists, flags: flags, bye: bye.bye, byeText: bye}
	defer s.logout()
	if len(sv.mailboxes) == 1 {
		return s.watchOne(ctx, sv.mailboxes[0], healthy)
	}
	return s.watchMany(ctx, healthy)
}

// session is the state of one logged-in connection.
type session struct {
	sv            *supervisor
	c             *imapclient.Client
	lc            *liveConn
	exists, flags chan struct{}
	bye           chan struct{} // the server said BYE
	byeText       *byeWatcher
	selected      string
	loggedOut     bool
}

// await waits for a command's answer, bounded: if the server does not answer
// within CommandTimeout the connection is closed (go-imap has no deadline
// on some waits, notably after DONE).
func (s *session) await(what string, wait func() error) error {
	t := time.AfterFunc(s.sv.cfg.CommandTimeout, func() { s.c.Close() })
	err := wait()
	if !t.Stop() {
		return fmt.Errorf("%s: %w", what, errTimeout)
	}
	return err
}

// byeErr ends a session the server said goodbye to: close at once (the
// server is going away; no LOGOUT) and reconnect.
func (s *session) byeErr() error {
	s.c.Close()
	s.loggedOut = true
	if s.sv.cfg.Token != nil && s.byeText.tokenExpired() {
		// Reconnect at once (the first retry is immediate) with a new token.
		s.sv.refreshToken = true
		return fmt.Errorf("server closed the session: access token expired: %w", errConnLost)
	}
	return fmt.Errorf("server closed the session (BYE): %w", errConnLost)
}

func (s *session) logout() {
	if s.loggedOut {
		return
	}
	t := time.AfterFunc(logoutGrace, func() { s.c.Close() })
	defer t.Stop()
	s.c.Logout().Wait()
}

func (s *session) commandErr(what string, err error) error {
	select {
	case <-s.c.Closed():
		return fmt.Errorf("%s: %w", what, errConnLost)
	default:
	}
	return fmt.Errorf("%s: %w", what, err)
}

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

// wakeReason says why a wait on the connection (IDLE or a poll interval)
// ended and what the session does next.
type wakeReason int

const (
	wakeNone     wakeReason = iota
	wakeShutdown            // ctx done: the account stops
	wakeExists              // the server pushed EXISTS: fetch the new mail
	wakeFlags               // flags changed or a message was expunged: recount unread
	wakeResync              // the periodic resync is due
	wakeCheck               // the user asked to check now
	wakeLiveness            // the server was silent for LivenessTimeout
	wakePoll                // the poll interval passed (server without IDLE)
)

func (r wakeReason) String() string {
	switch r {
	case wakeShutdown:
		return "shutdown"
	case wakeExists:
		return "exists"
	case wakeFlags:
		return "flags"
	case wakeResync:
		return "resync"
	case wakeCheck:
		return "check"
	case wakeLiveness:
		return "liveness"
	case wakePoll:
		return "poll"
	}
	return "none"
}
