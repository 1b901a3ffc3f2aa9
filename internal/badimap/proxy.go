package badimap

import (
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Proxy forwards TCP to a real server (Dovecot) and applies the Behaviours'
// Rules on the way back; session hooks do not apply. With TLS the Rules see
// only ciphertext, so put a Proxy in front of a plaintext listener.
type Proxy struct {
	Addr   string // 127.0.0.1:port to connect to instead of target
	ln     net.Listener
	target string
	rules  []*Rule

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []*wire
	times []time.Time
}

// NewProxy listens on 127.0.0.1 and forwards to target until Close.
func NewProxy(target string, behaviours ...Behaviour) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("badimap proxy: %w", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), ln: ln, target: target}
	for _, b := range behaviours {
		p.rules = append(p.rules, b.Rules...)
	}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// HostPort splits Addr.
func (p *Proxy) HostPort() (string, int) {
	a := p.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// accept runs until Close closes the listener.
func (p *Proxy) accept() {
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
		w := newWire(a, p.rules, &p.wg)
		p.mu.Lock()
		p.conns = append(p.conns, w)
		p.times = append(p.times, time.Now())
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(w, b, w) // idlebell → server; ends when either side closes
		go p.pipe(b, w, w) // server → idlebell, through the Rules
	}
}

func (p *Proxy) pipe(dst io.Writer, src io.Reader, w *wire) {
	defer p.wg.Done()
	io.Copy(dst, src)
	w.Close()
	if c, ok := dst.(net.Conn); ok {
		c.Close()
	}
	if c, ok := src.(net.Conn); ok {
		c.Close()
	}
}

// Conns returns when each connection was accepted, in order.
func (p *Proxy) Conns() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.times...)
}

// Freeze makes every connection open now go silent; later ones work.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.conns {
		w.freeze()
	}
}

// Close stops the proxy and every connection, and waits for them.
func (p *Proxy) Close() error {
	p.ln.Close()
	p.mu.Lock()
	for _, w := range p.conns {
		w.kill()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}
