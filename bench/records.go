//go:build linux

package bench

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// RecordProxy forwards TCP to a TLS server and counts the TLS records each
// side sends (RFC 8446 section 5.1: a 5-byte header, the last two bytes the
// length of what follows). Each record costs its header and the cipher's
// tag on the wire (~22 bytes with TLS 1.3 and AES-GCM).
type RecordProxy struct {
	Addr       string // 127.0.0.1:port to connect to instead of the server
	Sent, Recv atomic.Int64

	ln     net.Listener
	target string
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

// NewRecordProxy listens on 127.0.0.1 and forwards to target until Close.
func NewRecordProxy(target string) (*RecordProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("record proxy: %w", err)
	}
	p := &RecordProxy{Addr: ln.Addr().String(), ln: ln, target: target}
	p.wg.Add(1)
	go p.accept() // ends when Close closes the listener
	return p, nil
}

func (p *RecordProxy) accept() {
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
		go p.pipe(b, a, &p.Sent) // ends when either side closes
		go p.pipe(a, b, &p.Recv)
	}
}

// pipe copies src to dst record by record and counts them.
func (p *RecordProxy) pipe(dst, src net.Conn, count *atomic.Int64) {
	defer p.wg.Done()
	defer dst.Close()
	defer src.Close()
	var head [5]byte
	for {
		if _, err := io.ReadFull(src, head[:]); err != nil {
			return
		}
		count.Add(1)
		if _, err := dst.Write(head[:]); err != nil {
			return
		}
		if _, err := io.CopyN(dst, src, int64(binary.BigEndian.Uint16(head[3:]))); err != nil {
			return
		}
	}
}

// Close stops the proxy and its connections, and waits for them.
func (p *RecordProxy) Close() error {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}
