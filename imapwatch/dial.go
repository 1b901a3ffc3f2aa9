package imapwatch

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"mime"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"idlebell/trust"
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

// Addr is host:port.
func (cfg *Config) Addr() string { return net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)) }

// wordDecoder decodes RFC 2047 words in any charset go-message knows, not
// only UTF-8 and Latin-1 as mime.WordDecoder does by itself.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// dialOptions are what one connection needs besides the Config.
type dialOptions struct {
	handler *imapclient.UnilateralDataHandler
	debug   io.Writer // already redacting
	// step, when set, is told how far dial got: "connect" until the TCP
	// connection stands, then "tls" during a handshake and "greeting"
	// while it waits for the server's greeting.
	step func(string)
}

// greetingWait bounds the wait for the server's greeting: when the
// deadline comes before stop, it closes the connection, which ends the read
// that waits, and err turns what that read returned into a *GreetingError.
type greetingWait struct {
	t     *time.Timer
	state atomic.Int32 // greetWaiting, greetStopped or greetTimedOut
	addr  string
	after time.Duration
	inTLS bool
}

const (
	greetWaiting int32 = iota
	greetStopped
	greetTimedOut
)

func startGreetingWait(raw net.Conn, cfg *Config, inTLS bool) *greetingWait {
	w := &greetingWait{addr: cfg.Addr(), after: cfg.GreetingTimeout, inTLS: inTLS}
	w.t = time.AfterFunc(w.after, func() {
		if w.state.CompareAndSwap(greetWaiting, greetTimedOut) {
			raw.Close()
		}
	})
	return w
}

// stop ends the wait; it reports false when the deadline came first (the
// connection is then closed).
func (w *greetingWait) stop() bool {
	w.t.Stop()
	return w.state.CompareAndSwap(greetWaiting, greetStopped) || w.state.Load() == greetStopped
}

// err is err, or a *GreetingError when the deadline cut the wait.
func (w *greetingWait) err(err error) error {
	if !w.stop() {
		return &GreetingError{Addr: w.addr, After: w.after, InTLS: w.inTLS}
	}
	return err
}

// link is a connection as dial leaves it: greeted, not logged in.
type link struct {
	c  *imapclient.Client
	lc *liveConn // the TCP connection: liveness, traffic
	g  *guard    // the IMAP framing go-imap reads: limits, BYE
}

// dial connects, protects and greets, but does not log in. Cancelling ctx
// aborts every step, the TLS handshake included; the caller bounds the
// whole with a deadline on ctx.
func dial(ctx context.Context, cfg *Config, opts dialOptions) (*link, error) {
	host := strings.Trim(cfg.Host, "[]")
	if cfg.Security == SecurityNone && !trust.IsLoopback(host) && !cfg.AllowPlaintext {
		return nil, ErrPlaintextRefused
	}
	var tc *tls.Config
	if cfg.Security != SecurityNone {
		var err error
		if tc, err = cfg.tlsConfig(); err != nil {
			return nil, err
		}
	}
	keepAlive := cfg.KeepAlive
	// Probes every 15 s after keepAlive of silence, 4 unanswered probes:
	// a path whose packets vanish is declared dead within keepAlive+60 s.
	d := &net.Dialer{
		Timeout: 30 * time.Second,
		KeepAliveConfig: net.KeepAliveConfig{
			Enable: true, Idle: keepAlive, Interval: 15 * time.Second, Count: 4,
		},
	}
	step := func(name string) {
		if opts.step != nil {
			opts.step(name)
		}
	}
	step("connect")
	raw, err := d.DialContext(ctx, "tcp", cfg.Addr())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Addr(), err)
	}
	lc := &liveConn{Conn: raw, traffic: cfg.Traffic}
	lc.lastRead.Store(time.Now().UnixNano())
	// Until the greeting is in, ctx cancellation must interrupt blocking I/O.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	fail := func(step string, err error) (*link, error) {
		raw.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if step == "" {
			return nil, err
		}
		return nil, fmt.Errorf("%s with %s: %w", step, cfg.Addr(), err)
	}

	// gw bounds the wait for the greeting that go-imap reads (none, tls);
	// with starttls the greeting is read by hand and bounded there.
	var g *guard
	var gw *greetingWait
	switch cfg.Security {
	case SecurityNone:
		g = newGuard(lc)
		step("greeting")
		gw = startGreetingWait(raw, cfg, false)
	case SecurityStartTLS:
		step("greeting")
		plainWait := startGreetingWait(raw, cfg, false)
		if err := startTLS(newGuard(lc), opts.debug, plainWait); err != nil {
			return fail("", plainWait.err(err))
		}
		step("tls")
		tconn := tls.Client(lc, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			return fail("starttls", classifyTLS(host, err))
		}
		// The greeting came before STARTTLS; go-imap waits for one, and
		// must forget the capabilities it had (RFC 3501 section 6.2.1).
		g = newGuard(tconn)
		g.pending = []byte("* OK TLS established\r\n")
	default:
		tc.NextProtos = []string{"imap"}
		step("tls")
		tconn := tls.Client(lc, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			return fail("tls", classifyTLS(host, err))
		}
		g = newGuard(tconn)
		step("greeting")
		gw = startGreetingWait(raw, cfg, true)
	}
	c := imapclient.New(g, &imapclient.Options{
		UnilateralDataHandler: opts.handler,
		WordDecoder:           wordDecoder,
		DebugWriter:           opts.debug,
	})
	err = c.WaitGreeting()
	if gw != nil && !gw.stop() && err == nil {
		// Greeted as the deadline closed the connection: it is gone.
		err = net.ErrClosed
	}
	if err != nil {
		c.Close()
		if e := g.tooLarge(); e != nil {
			err = e
		} else if gw != nil {
			err = gw.err(err)
		}
		return fail("greeting", err)
	}
	return &link{c: c, lc: lc, g: g}, nil
}

// startTLS greets and asks for STARTTLS on the plaintext connection by hand,
// so that the guard reads what go-imap reads after the handshake (go-imap's
// own STARTTLS keeps the TLS connection to itself). Data the server sends
// after its OK and before the handshake is refused: it would be an attack
// (injected plaintext taken as protected).
func startTLS(g *guard, debug io.Writer, gw *greetingWait) error {
	br := bufio.NewReaderSize(g, 4096)
	trace := func(dir, line string) {
		if debug != nil {
			io.WriteString(debug, dir+line)
		}
	}
	readLine := func() (string, error) {
		line, err := br.ReadString('\n')
		if err != nil {
			if e := g.tooLarge(); e != nil {
				return "", e
			}
			return "", err
		}
		trace("", line)
		return line, nil
	}
	greeting, err := readLine()
	if !gw.stop() && err == nil {
		err = net.ErrClosed // the deadline closed the connection
	}
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	switch f := strings.Fields(strings.ToUpper(greeting)); {
	case len(f) >= 2 && f[0] == "*" && f[1] == "OK":
	case len(f) >= 2 && f[0] == "*" && f[1] == "BYE":
		return fmt.Errorf("greeting: server closed the connection: %s: %w", strings.TrimSpace(greeting), ErrConnectionLost)
	default:
		// PREAUTH before TLS would skip authentication in the clear.
		return fmt.Errorf("%w: greeting %q", ErrNoTLS, strings.TrimSpace(greeting))
	}
	const cmd = "S1 STARTTLS\r\n"
	trace("", cmd)
	if _, err := io.WriteString(g.Conn, cmd); err != nil {
		return fmt.Errorf("starttls: %w", err)
	}
	for {
		line, err := readLine()
		if err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
		if !strings.HasPrefix(line, "S1 ") {
			continue // untagged data (CAPABILITY), ignored
		}
		if f := strings.Fields(line); len(f) < 2 || !strings.EqualFold(f[1], "OK") {
			return fmt.Errorf("%w: %s", ErrNoTLS, strings.TrimSpace(line))
		}
		if br.Buffered() > 0 {
			return fmt.Errorf("%w: server sent data before the TLS handshake", ErrNoTLS)
		}
		return nil
	}
}
