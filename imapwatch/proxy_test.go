package imapwatch

import (
	"io"
	"log"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"idlebell/demo"
)

func demoOptions() demo.Options {
	if os.Getenv("IDLEBELL_TEST_TRACE") == "1" {
		return demo.Options{Logger: log.New(os.Stderr, "server: ", 0)}
	}
	return demo.Options{}
}

// proxy forwards TCP between the watcher and a server. freeze makes every
// connection open now go silent while both sockets stay open: what a dead
// NAT entry, a suspended laptop or a broken Wi-Fi looks like. Connections
// made after freeze work normally.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	pairs  []*pair
	wg     sync.WaitGroup
}

type pair struct {
	a, b   net.Conn
	frozen atomic.Bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) hostPort(t *testing.T) (string, int) { return splitAddr(t, p.ln.Addr().String()) }

// accept runs until close closes the listener.
func (p *proxy) accept() {
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
		pr := &pair{a: a, b: b}
		p.mu.Lock()
		p.pairs = append(p.pairs, pr)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(pr, a, b)
		go p.pipe(pr, b, a)
	}
}

// pipe copies until either side closes; frozen data is read and dropped.
func (p *proxy) pipe(pr *pair, from, to net.Conn) {
	defer p.wg.Done()
	defer from.Close()
	defer to.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 && !pr.frozen.Load() {
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}

func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.pairs {
		pr.frozen.Store(true)
	}
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, pr := range p.pairs {
		pr.a.Close()
		pr.b.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
