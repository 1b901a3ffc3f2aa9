package testsession

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// dial logs user in over the plain or the TLS listener, verifying the certificate against
// d.CAFile for serverName ("" means the address's IP).
func dial(t *testing.T, d *Dovecot, useTLS bool, serverName, user, password string) (*imapclient.Client, error) {
	t.Helper()
	var c *imapclient.Client
	var err error
	if useTLS {
		pem, rerr := os.ReadFile(d.CAFile)
		if rerr != nil {
			t.Fatal(rerr)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			t.Fatalf("no certificate in %s", d.CAFile)
		}
		c, err = imapclient.DialTLS(d.TLSAddr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool, ServerName: serverName}})
	} else {
		c, err = imapclient.DialInsecure(d.PlainAddr, nil)
	}
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, password).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

func mustDial(t *testing.T, d *Dovecot, user string) *imapclient.Client {
	t.Helper()
	c, err := dial(t, d, false, "", user, d.Password())
	if err != nil {
		t.Fatalf("login %s to %s: %v", user, d.PlainAddr, err)
	}
	return c
}

func messages(t *testing.T, c *imapclient.Client, mailbox string) uint32 {
	t.Helper()
	st, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatalf("STATUS %s: %v", mailbox, err)
	}
	return *st.NumMessages
}

// TestDovecot drives one private instance through its whole life: the shared instances of
// `make test` must never be stopped.
func TestDovecot(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	d, err := StartDovecot(t.TempDir(), DovecotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ready in %v", time.Since(t0))
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Error(err)
		}
	})

	t.Run("login", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			tls        bool
			serverName string
			password   string
			wantErr    bool
		}{
			{"plain", false, "", d.Password(), false},
			{"tls by IP", true, "", d.Password(), false},
			{"tls by name", true, "localhost", d.Password(), false},
			{"tls wrong name", true, "example.org", d.Password(), true},
			{"wrong password", false, "", "wrong", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := dial(t, d, tc.tls, tc.serverName, "login-"+strings.ReplaceAll(tc.name, " ", "-"), tc.password)
				if (err != nil) != tc.wantErr {
					t.Errorf("login = %v, want error %v", err, tc.wantErr)
				}
			})
		}
	})

	t.Run("deliver", func(t *testing.T) {
		c := mustDial(t, d, "deliver")
		if err := d.Deliver("deliver", Message("a@example.org", "deliver@example.org", "one", "hello")); err != nil {
			t.Fatal(err)
		}
		if got := messages(t, c, "INBOX"); got != 1 {
			t.Errorf("INBOX messages = %d, want 1", got)
		}
	})

	t.Run("folders", func(t *testing.T) {
		c := mustDial(t, d, "folders")
		if err := d.CreateMailbox("folders", "Lists/go"); err != nil {
			t.Fatal(err)
		}
		if err := d.DeliverTo("folders", "Lists/go", Message("a@example.org", "b@example.org", "two", "x")); err != nil {
			t.Fatal(err)
		}
		if got := messages(t, c, "Lists/go"); got != 1 {
			t.Errorf("Lists/go messages = %d, want 1", got)
		}
		list, err := c.List("", "*", nil).Collect()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range list {
			names = append(names, m.Mailbox)
			if m.Delim != '/' {
				t.Errorf("delimiter of %s = %q, want '/'", m.Mailbox, m.Delim)
			}
		}
		if !slices.Contains(names, "Lists/go") {
			t.Errorf("LIST = %q, want Lists/go in it", names)
		}
		if err := d.DeleteMailbox("folders", "Lists/go"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Status("Lists/go", &imap.StatusOptions{NumMessages: true}).Wait(); err == nil {
			t.Error("STATUS of a deleted mailbox succeeded")
		}
	})

	t.Run("kick", func(t *testing.T) {
		c := mustDial(t, d, "kick")
		if err := d.Kick("kick"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-c.Closed():
		case <-time.After(5 * time.Second):
			t.Fatal("connection still open 5 s after Kick")
		}
		if err := d.Kick("nobody-here"); !errors.Is(err, ErrNotConnected) {
			t.Errorf("Kick(nobody-here) = %v, want ErrNotConnected", err)
		}
	})

	t.Run("restart", func(t *testing.T) {
		pid := d.PID()
		t0 := time.Now()
		if err := d.Stop(); err != nil {
			t.Fatal(err)
		}
		t.Logf("stopped in %v", time.Since(t0))
		if processAlive(pid) {
			t.Errorf("dovecot pid %d alive after Stop", pid)
		}
		// The master leads the process group of all its children.
		if out, err := run(nil, "pgrep", "-a", "-g", fmt.Sprint(pid)); err == nil {
			t.Errorf("processes of %s left after Stop:\n%s", d.Conf, out)
		}
		if c, err := net.DialTimeout("tcp", d.PlainAddr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s accepts connections after Stop", d.PlainAddr)
		}
		if err := d.DeliverOffline("offline", Message("a@example.org", "b@example.org", "while down", "x")); err != nil {
			t.Fatal(err)
		}
		t0 = time.Now()
		if err := d.Start(); err != nil {
			t.Fatal(err)
		}
		t.Logf("restarted in %v", time.Since(t0))
		c := mustDial(t, d, "offline")
		if got := messages(t, c, "INBOX"); got != 1 {
			t.Errorf("INBOX messages after offline delivery = %d, want 1", got)
		}
		// Mail delivered before the restart is still there.
		c = mustDial(t, d, "deliver")
		if got := messages(t, c, "INBOX"); got != 1 {
			t.Errorf("INBOX messages of deliver after restart = %d, want 1", got)
		}
	})
}

// TestSharedDovecot checks the instances `make test` shares, as FromEnv rebuilds them.
func TestSharedDovecot(t *testing.T) {
	t.Parallel()
	env := FromEnv(t)
	caps := func(d *Dovecot) imap.CapSet {
		c := mustDial(t, d, "caps")
		return c.Caps()
	}
	idle, noIdle := caps(env.Dovecot), caps(env.NoIdle)
	if !idle.Has(imap.CapIdle) {
		t.Errorf("%s: CAPABILITY lacks IDLE: %v", env.Dovecot.PlainAddr, idle)
	}
	if noIdle.Has(imap.CapIdle) {
		t.Errorf("%s: CAPABILITY has IDLE: %v", env.NoIdle.PlainAddr, noIdle)
	}
	// Apart from IDLE and NOTIFY, both advertise the same (noIdleCaps is kept in sync).
	for c := range idle {
		if c != imap.CapIdle && c != "NOTIFY" && !noIdle.Has(c) {
			t.Errorf("no-IDLE instance lacks %s", c)
		}
	}
	for c := range noIdle {
		if !idle.Has(c) {
			t.Errorf("no-IDLE instance has %s, which the default one does not", c)
		}
	}

	for _, d := range []*Dovecot{env.Dovecot, env.NoIdle} {
		user := fmt.Sprintf("shared-%d", time.Now().UnixNano())
		c := mustDial(t, d, user)
		if err := d.Deliver(user, Message("a@example.org", "b@example.org", "shared", "x")); err != nil {
			t.Fatal(err)
		}
		if got := messages(t, c, "INBOX"); got != 1 {
			t.Errorf("%s: INBOX messages = %d, want 1", d.PlainAddr, got)
		}
		if _, err := dial(t, d, true, "localhost", user, d.Password()); err != nil {
			t.Errorf("TLS login to %s: %v", d.TLSAddr, err)
		}
	}
}
