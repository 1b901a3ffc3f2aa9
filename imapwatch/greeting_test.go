package imapwatch

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"idlebell/internal/testsession"
)

// silentListener accepts connections on loopback and never sends a byte,
// as a server that hangs after accept does.
func silentListener(t *testing.T) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() { // ends when the listener is closed
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return splitAddr(t, ln.Addr().String())
}

// noGreetingConfig is an account whose greeting deadline is short and whose
// whole connect step is far longer than any wait of the test: only the
// greeting deadline can end the attempt in time.
func noGreetingConfig(host string, port int, sec Security) Config {
	return Config{Name: "mute", Host: host, Port: port, Security: sec, Username: "alice",
		Password: staticPassword("x"), GreetingTimeout: 200 * time.Millisecond, ConnectTimeout: time.Hour,
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute, Trace: traceWriter()}
}

// assertNoGreeting: the watcher reconnects saying the server sent no
// greeting (not that it does not answer), and Check passes connect and
// fails at the greeting.
func assertNoGreeting(t *testing.T, cfg Config) {
	t.Helper()
	_, c := faultManager(t, cfg, Options{})
	ev := c.waitState(t, StateReconnecting, wait)
	var gerr *GreetingError
	if !errors.As(ev.Err, &gerr) || !errors.Is(ev.Err, ErrNoGreeting) || errors.Is(ev.Err, ErrTimeout) {
		t.Errorf("reconnecting because %v, want a *GreetingError", ev.Err)
	} else if gerr.After != cfg.GreetingTimeout || gerr.Addr != cfg.Addr() || gerr.InTLS {
		t.Errorf("GreetingError = %+v, want After %v, Addr %s, not in TLS", gerr, cfg.GreetingTimeout, cfg.Addr())
	}

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	r := Check(ctx, cfg)
	if r.Step != "greeting" || !errors.Is(r.Err, ErrNoGreeting) {
		t.Errorf("Check failed at %q with %v, want the greeting step with ErrNoGreeting", r.Step, r.Err)
	}
	// A deadline of Check's caller that comes first still names the step.
	cfg.GreetingTimeout = time.Hour
	short, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	r = Check(short, cfg)
	var terr *TimeoutError
	if r.Step != "greeting" || !errors.As(r.Err, &terr) || terr.Step != "greeting" {
		t.Errorf("Check under a short deadline failed at %q with %v, want the greeting step", r.Step, r.Err)
	}
}

// A server that accepts and never greets: "connected, but no greeting",
// whatever the security that waits for it in the clear.
func TestSilentServerNoGreeting(t *testing.T) {
	for _, sec := range []Security{SecurityNone, SecurityStartTLS} {
		t.Run(string(sec), func(t *testing.T) {
			host, port := silentListener(t)
			assertNoGreeting(t, noGreetingConfig(host, port, sec))
		})
	}
}

// Dovecot's implicit-TLS port under security none or starttls: Dovecot
// waits for a TLS ClientHello, idlebell for "* OK". The connection stands;
// the greeting never comes, and that is what the account says.
func TestDovecotTLSPortWithoutTLSNoGreeting(t *testing.T) {
	env := testsession.FromEnv(t)
	host, port := splitAddr(t, env.Dovecot.TLSAddr)
	for _, sec := range []Security{SecurityNone, SecurityStartTLS} {
		t.Run(string(sec), func(t *testing.T) {
			cfg := noGreetingConfig(host, port, sec)
			cfg.Username, cfg.Password, cfg.CAFile = uniqueUser("greet"), staticPassword(env.Dovecot.Password()), env.Dovecot.CAFile
			assertNoGreeting(t, cfg)
		})
	}
}
