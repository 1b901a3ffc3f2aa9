package imapwatch

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
)

// Limits on what idlebell reads from a server, below go-imap (which buffers
// whole strings and literals in memory and has no limit of its own).
const (
	// maxLine bounds a line outside literals. Legitimate lines stay far
	// below it; the longest are envelopes of mail with thousands of
	// recipients and BODYSTRUCTUREs of mail with hundreds of parts.
	maxLine = 1 << 20
	// maxSearchLine bounds an untagged SEARCH answer (servers without
	// ESEARCH list every match: 4 MiB is about 600,000 unread messages).
	maxSearchLine = 4 << 20
	// maxResponse bounds one response, its literals included.
	maxResponse = 2 << 20
	// defaultMaxLiteral bounds a literal where idlebell asked for nothing
	// larger: envelope strings, header fields, short partial bodies.
	defaultMaxLiteral = 64 << 10
)

// guard is the server's side of a connection as go-imap reads it (below
// go-imap, above TLS). It follows the IMAP framing — lines, and literals
// announced as {n} or {n+} — without parsing more:
//
//   - a line, a response or a literal larger than the limits above ends
//     the connection with a *ResponseTooLargeError before go-imap buffers
//     it, so memory stays bounded whatever the server sends;
//   - an untagged BYE outside literals is signalled on bye (go-imap does
//     not report one); a line "* BYE" inside a mail's text is not;
//   - a literal reaches go-imap only whole, header and contents: a
//     connection cut in the middle of one fails go-imap's decoder before
//     the literal, never inside it (go-imap's literal reader races its own
//     reader goroutine when a literal breaks off).
//
// On the way out it can hold one write for the next (see hold), so that
// two commands leave in one write, one TLS record.
//
// Read is called by go-imap's reader goroutine only.
type guard struct {
	net.Conn
	pending []byte // served before the connection's bytes (a greeting)

	wmu     sync.Mutex
	holding bool   // the next Write is held for the one after it
	held    []byte // a held Write's bytes

	maxLiteral atomic.Int64

	bye     chan struct{} // capacity 1
	byeMu   sync.Mutex
	byeText []byte // the BYE line's text, up to 200 bytes

	err atomic.Pointer[ResponseTooLargeError]

	// Bytes read but not yet passed on: buf[:safe] may go to go-imap,
	// buf[safe:scanned] is a literal not yet complete. Read only.
	buf     []byte
	safe    int
	scanned int
	litAt   int // where the pending literal's "{" is in buf

	// Framing state, touched by Read only.
	atStart  bool
	head     []byte // the line's first bytes, up to len("* SEARCH ")
	line     int64  // bytes of the line since its start or the last literal
	resp     int64  // bytes of the response, literals included
	literal  int64  // literal bytes still to pass
	inBye    bool
	litState int   // 0 none, 1 digits after '{', 2 after '+', 3 after '}', 4 after "}\r"
	litSize  int64 // the number being read, clamped
}

func newGuard(c net.Conn) *guard {
	g := &guard{Conn: c, bye: make(chan struct{}, 1), atStart: true}
	g.maxLiteral.Store(defaultMaxLiteral)
	return g
}

// allowLiteral raises the literal limit to n bytes when a command asks for
// that much (a partial body of n bytes); it never lowers it.
func (g *guard) allowLiteral(n int64) {
	for {
		cur := g.maxLiteral.Load()
		if n <= cur || g.maxLiteral.CompareAndSwap(cur, n) {
			return
		}
	}
}

// hold makes the next Write wait for the one after it: both then go out in
// one write to the connection, one TLS record where there were two. The
// caller ends the hold with release, which sends what is still held.
func (g *guard) hold() {
	g.wmu.Lock()
	g.holding = true
	g.wmu.Unlock()
}

// release ends a hold and sends the held bytes if no Write took them along.
// The caller bounds the write (the connection's write deadline, or a
// watchdog that closes the connection).
func (g *guard) release() error {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	g.holding = false
	if len(g.held) == 0 {
		return nil
	}
	p := g.held
	g.held = nil
	_, err := g.Conn.Write(p)
	return err
}

// Write sends p, or holds it (see hold). A held write reports success: its
// bytes go out with the next Write, whose error says whether they did.
func (g *guard) Write(p []byte) (int, error) {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if !g.holding {
		return g.Conn.Write(p)
	}
	if g.held == nil {
		g.held = append([]byte(nil), p...)
		return len(p), nil
	}
	g.holding = false
	buf := append(g.held, p...)
	g.held = nil
	n, err := g.Conn.Write(buf)
	return max(0, n-(len(buf)-len(p))), err
}

// tooLarge returns the limit the server broke, or nil.
func (g *guard) tooLarge() *ResponseTooLargeError { return g.err.Load() }

// tokenExpired reports whether the server's BYE said the access token
// expired (Microsoft: "* BYE Session invalidated - AccessTokenExpired").
func (g *guard) tokenExpired() bool {
	g.byeMu.Lock()
	defer g.byeMu.Unlock()
	return bytes.Contains(bytes.ToLower(g.byeText), []byte("expired"))
}

// guardMinBuf is the guard's first room for the server's bytes, 4 KiB: an
// idle connection (thousands of accounts) holds no more; a FETCH answer
// grows it, and it is given back once read.
const guardMinBuf = 4 << 10

var (
	byePrefix    = []byte("* BYE ")
	searchPrefix = []byte("* SEARCH ")
)

func (g *guard) Read(p []byte) (int, error) {
	if e := g.err.Load(); e != nil {
		return 0, e
	}
	if len(g.pending) > 0 {
		n := copy(p, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	for g.safe == 0 {
		if len(g.buf) == cap(g.buf) {
			// Room grows with what is held (a line or literal not yet
			// whole), from guardMinBuf: an idle connection keeps little.
			g.buf = append(g.buf, make([]byte, max(guardMinBuf, len(g.buf)))...)[:len(g.buf)]
		}
		n, err := g.Conn.Read(g.buf[len(g.buf):cap(g.buf)])
		g.buf = g.buf[:len(g.buf)+n]
		if e := g.scan(g.buf[g.scanned:]); e != nil {
			g.err.Store(e)
			g.Conn.Close()
			return 0, e
		}
		g.scanned = len(g.buf)
		g.safe = g.scanned
		if g.literal > 0 || g.litState != 0 {
			g.safe = g.litAt
		}
		if err != nil && g.safe == 0 {
			return 0, err // what is held is a broken literal: dropped
		}
	}
	n := copy(p, g.buf[:g.safe])
	copy(g.buf, g.buf[n:])
	g.buf = g.buf[:len(g.buf)-n]
	g.safe -= n
	g.scanned -= n
	g.litAt -= n
	if len(g.buf) == 0 && cap(g.buf) > guardMinBuf {
		g.buf = nil // a large answer passed: do not keep its room while idle
	}
	return n, nil
}

// scan follows the framing over p and returns the limit broken, if any.
func (g *guard) scan(p []byte) *ResponseTooLargeError {
	for i := 0; i < len(p); i++ {
		if g.literal > 0 {
			k := min(g.literal, int64(len(p)-i))
			g.literal -= k
			g.resp += k
			i += int(k) - 1
			if g.resp > maxResponse {
				return &ResponseTooLargeError{What: "response", Limit: maxResponse}
			}
			continue
		}
		c := p[i]
		if g.atStart {
			g.atStart = false
			g.head = g.head[:0]
			g.resp = 0
		}
		g.line++
		g.resp++
		if len(g.head) < len(searchPrefix) {
			g.head = append(g.head, c)
			if len(g.head) == len(byePrefix) && bytes.EqualFold(g.head, byePrefix) {
				g.inBye = true
				g.byeMu.Lock()
				g.byeText = g.byeText[:0]
				g.byeMu.Unlock()
				select {
				case g.bye <- struct{}{}:
				default:
				}
			}
		}
		if g.inBye && c != '\r' && c != '\n' {
			g.byeMu.Lock()
			if len(g.byeText) < 200 {
				g.byeText = append(g.byeText, c)
			}
			g.byeMu.Unlock()
		}
		limit := int64(maxLine)
		if bytes.EqualFold(g.head, searchPrefix) {
			limit = maxSearchLine
		}
		if g.line > limit {
			return &ResponseTooLargeError{What: "line", Limit: limit}
		}
		if g.resp > maxResponse && limit != maxSearchLine {
			return &ResponseTooLargeError{What: "response", Limit: maxResponse}
		}
		if c == '\n' {
			if g.litState == 4 || g.litState == 3 {
				// "{n}\r\n": a literal of n bytes follows; the line goes on after it.
				g.litState = 0
				g.line = 0
				if max := g.maxLiteral.Load(); g.litSize > max {
					return &ResponseTooLargeError{What: "literal", Size: g.litSize, Limit: max}
				}
				g.literal = g.litSize
				continue
			}
			g.atStart, g.inBye, g.line, g.litState = true, false, 0, 0
			continue
		}
		if c == '{' {
			g.litAt = g.scanned + i
		}
		g.literalHeader(c)
	}
	return nil
}

// literalHeader follows "{digits[+]}\r" at the end of a line.
func (g *guard) literalHeader(c byte) {
	switch {
	case c == '{':
		g.litState, g.litSize = 1, 0
	case g.litState == 1 && c >= '0' && c <= '9':
		g.litSize = min(g.litSize*10+int64(c-'0'), 1<<50)
	case g.litState == 1 && c == '+':
		g.litState = 2
	case (g.litState == 1 || g.litState == 2) && c == '}':
		g.litState = 3
	case g.litState == 3 && c == '\r':
		g.litState = 4
	default:
		g.litState = 0
	}
}
