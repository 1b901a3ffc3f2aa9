package imapwatch

import (
	"log"
	"os"
	"testing"

	"idlebell/demo"
	"idlebell/internal/badimap"
)

func demoOptions() demo.Options {
	if os.Getenv("IDLEBELL_TEST_TRACE") == "1" {
		return demo.Options{Logger: log.New(os.Stderr, "server: ", 0)}
	}
	return demo.Options{}
}

// proxy forwards TCP between the watcher and a server, with the faults of
// the behaviours given; freeze makes every connection open now go silent
// while both sockets stay open: what a dead NAT entry, a suspended laptop
// or a broken Wi-Fi looks like. Connections made after freeze work.
type proxy struct{ *badimap.Proxy }

func newProxy(t *testing.T, target string, behaviours ...badimap.Behaviour) *proxy {
	t.Helper()
	p, err := badimap.NewProxy(target, behaviours...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return &proxy{p}
}

func (p *proxy) hostPort(t *testing.T) (string, int) { return p.HostPort() }

func (p *proxy) freeze() { p.Freeze() }
