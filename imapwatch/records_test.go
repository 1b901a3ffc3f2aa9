package imapwatch

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"idlebell/internal/testsession"
)

// recordProxy forwards TCP to a TLS server and notes the length of every
// TLS record each side sends (RFC 8446 section 5.1: a 5-byte header whose
// last two bytes are the length of what follows).
type recordProxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu     sync.Mutex
	log    []record // both sides' records, in the order they passed
	conns  []net.Conn
	closed bool
}

// record is one TLS record that passed the proxy.
type record struct {
	client bool // sent by idlebell
	n      int  // ciphertext length
}

func newRecordProxy(t *testing.T, target string) *recordProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &recordProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept() // ends when the listener closes
	t.Cleanup(p.close)
	return p
}

func (p *recordProxy) accept() {
	defer p.wg.Done()
	for {
		a, err := p.ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", p.target)
		if err != nil {
			a.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			a.Close()
			b.Close()
			return
		}
		p.conns = append(p.conns, a, b)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(b, a, true) // client → server; ends when either side closes
		go p.pipe(a, b, false)
	}
}

// pipe copies src to dst and logs each record.
func (p *recordProxy) pipe(dst, src net.Conn, client bool) {
	defer p.wg.Done()
	defer dst.Close()
	defer src.Close()
	var head [5]byte
	for {
		if _, err := io.ReadFull(src, head[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(head[3:]))
		p.mu.Lock()
		p.log = append(p.log, record{client: client, n: n})
		p.mu.Unlock()
		if _, err := dst.Write(head[:]); err != nil {
			return
		}
		if _, err := io.CopyN(dst, src, int64(n)); err != nil {
			return
		}
	}
}

func (p *recordProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// mark is where the log ends now.
func (p *recordProxy) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.log)
}

// since returns the lengths of the client's records logged from i on, and
// whether the server sent a record after the client's n-th of them.
func (p *recordProxy) since(i, n int) (sent []int, answered bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.log[i:] {
		switch {
		case r.client:
			sent = append(sent, r.n)
		case len(sent) >= n:
			answered = true
		}
	}
	return sent, answered
}

// TestDovecotDoneAndFetchInOneRecord: on new mail, idlebell's DONE and the
// UID FETCH behind it leave in one TLS record (DONE alone is 6 bytes of
// text; the fetch well over 60), for each of two mails in a row on a real
// Dovecot over TLS. Every record costs ~22 bytes on the wire and a write.
func TestDovecotDoneAndFetchInOneRecord(t *testing.T) {
	env := testsession.FromEnv(t)
	t.Parallel()
	srv := &dovecotServer{d: env.Dovecot, tls: true}
	user, cfg := srv.newUser(t)
	p := newRecordProxy(t, cfg.Addr())
	addr := p.ln.Addr().(*net.TCPAddr)
	cfg.Host, cfg.Port = "127.0.0.1", addr.Port
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	for i := range 2 {
		at := p.mark()
		subject := fmt.Sprintf("one record %d", i)
		srv.deliver(t, user, "INBOX", testMessage(i, subject))
		assertOnce(t, c.waitMails(t, 1, wait), subject)
		// The UID FETCH went out before the mail could be announced.
		sent, _ := p.since(at, 0)
		if len(sent) == 0 {
			t.Fatalf("mail %d: no record from idlebell after the push", i)
		}
		// A record's text is its length less 17 (TLS 1.3: content type
		// and tag) or 24 (TLS 1.2 AES-GCM: nonce and tag): 23–30 for DONE.
		if sent[0] < 64 {
			t.Errorf("mail %d: records sent after the push %v: the first, %d bytes, is DONE alone; want DONE and the UID FETCH in one", i, sent, sent[0])
		}
		// Back in IDLE before the next mail: the server answered idlebell's
		// second record (IDLE) with its "+".
		waitFor(t, "the server's answer to IDLE", func() bool { _, ok := p.since(at, 2); return ok })
		sent, _ = p.since(at, 0)
		t.Logf("mail %d: records sent from the push to the next IDLE: %v bytes", i, sent)
	}
}
