package imapwatch

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestApplyRestartsOnlyChanged: changing one account's config reconnects
// that account alone; removing one stops it; the other keeps its connection.
func TestApplyRestartsOnlyChanged(t *testing.T) {
	srv := newDemoServer(t, demoOptions())
	_, a := srv.newUser(t)
	userB, b := srv.newUser(t)
	m := NewManager(Options{Store: newMemStore(), Logger: testLogger(t)})
	c := collect(t, m)
	t.Cleanup(func() { m.Close(); <-c.done })
	m.Apply([]Config{a, b})
	c.waitStatesOf(t, wait, map[string]State{a.Name: StateIdle, b.Name: StateIdle})

	b2 := b
	b2.PollInterval = time.Minute // a change that matters to the watcher
	m.Apply([]Config{a, b2})
	c.waitStatesOf(t, wait, map[string]State{b.Name: StateConnecting})
	c.waitStatesOf(t, wait, map[string]State{b.Name: StateIdle})

	m.Apply([]Config{b2})
	c.waitStatesOf(t, wait, map[string]State{a.Name: StateStopped})

	// Nothing but a's stop happened to a: b's mail still flows, and a never
	// reconnected (its only states after the first idle were the stop).
	srv.deliver(t, userB, "INBOX", testMessage(1, "to b"))
	got := c.waitMails(t, 1, wait)
	if got[0].Account != b.Name {
		t.Errorf("mail for %s, want %s", got[0].Account, b.Name)
	}
	idleSeen := false
	for _, ev := range c.seen {
		if ev.Account != a.Name {
			continue
		}
		if idleSeen && ev.State != StateStopped {
			t.Errorf("account %s went %s after an Apply that did not change it", a.Name, ev.State)
		}
		idleSeen = idleSeen || ev.State == StateIdle
	}
}

// TestInProcessPolling: a server without IDLE (and without ESEARCH: the
// unseen count comes from a plain SEARCH) is polled; mail arrives once and
// the unseen count follows.
func TestInProcessPolling(t *testing.T) {
	opts := demoOptions()
	opts.NoIdle = true
	srv := newDemoServer(t, opts)
	user, cfg := srv.newUser(t)
	srv.deliver(t, user, "INBOX", testMessage(0, "old"))
	cfg.PollInterval = 100 * time.Millisecond
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StatePolling, wait)
	srv.deliver(t, user, "INBOX", testMessage(1, "polled"))
	assertOnce(t, c.untilSentinel(t, srv, user, "INBOX", wait), "polled")
	deadline := time.After(wait)
	for counted := false; !counted; {
		select {
		case u := <-c.unseen:
			counted = u.Count == 3 // old, polled, sentinel
		case <-deadline:
			t.Fatal("no Unseen{Count: 3} while polling")
		}
	}
}

// TestIncompleteConfig: a config without a field the watcher needs (the
// bridge fills them from settings' defaults) fails for good, naming the
// field, in the watcher and in Check, and dials nothing.
func TestIncompleteConfig(t *testing.T) {
	srv := newDemoServer(t, demoOptions())
	_, full := srv.newUser(t)
	tests := []struct {
		field string
		unset func(*Config)
	}{
		{"Host", func(c *Config) { c.Host = "" }},
		{"Port", func(c *Config) { c.Port = 0 }},
		{"Security", func(c *Config) { c.Security = "" }},
		{"Mailboxes", func(c *Config) { c.Mailboxes = nil }},
		{"MaxConnections", func(c *Config) { c.MaxConnections = 0 }},
		{"PollInterval", func(c *Config) { c.PollInterval = 0 }},
	}
	m := NewManager(Options{Store: newMemStore(), Logger: testLogger(t)})
	c := collect(t, m)
	t.Cleanup(func() { m.Close(); <-c.done })
	for _, tt := range tests {
		cfg := full
		cfg.Name = "missing " + tt.field
		tt.unset(&cfg)
		var cerr *ConfigError
		if r := Check(context.Background(), cfg); r.Step != "config" || !errors.As(r.Err, &cerr) || cerr.Field != tt.field {
			t.Errorf("Check(no %s) = step %q, %v; want step config and a ConfigError for %s", tt.field, r.Step, r.Err, tt.field)
		}
		m.Apply([]Config{cfg})
		c.waitStatesOf(t, wait, map[string]State{cfg.Name: StateFailed})
	}
	for _, ev := range c.seen {
		if ev.State == StateFailed {
			var cerr *ConfigError
			if !errors.As(ev.Err, &cerr) || !IsPermanent(ev.Err) || ev.Account != "missing "+cerr.Field {
				t.Errorf("%s failed with %v, want a ConfigError naming its field", ev.Account, ev.Err)
			}
		}
		if ev.State == StateConnecting || ev.State == StateIdle {
			t.Errorf("%s reached %s", ev.Account, ev.State)
		}
	}
}

// TestReloadChecksOnlyAccountsItLeft: a reloaded config makes the accounts
// it left running check now (a failed one tries again: the user may have
// fixed its password), and leaves the ones it started alone: they are
// connecting already.
func TestReloadChecksOnlyAccountsItLeft(t *testing.T) {
	srv := newDemoServer(t, demoOptions())
	_, failing := srv.newUser(t)
	var logins atomic.Int32
	failing.Password = func(context.Context) (string, error) { logins.Add(1); return "wrong-password", nil }
	_, kept := srv.newUser(t)
	_, added := srv.newUser(t)
	m := NewManager(Options{Store: newMemStore(), Logger: testLogger(t)})
	c := collect(t, m)
	t.Cleanup(func() { m.Close(); <-c.done })
	m.Apply([]Config{failing, kept})
	c.waitStatesOf(t, wait, map[string]State{failing.Name: StateFailed, kept.Name: StateIdle})

	m.Reload([]Config{failing, kept, added})
	c.waitStatesOf(t, wait, map[string]State{failing.Name: StateFailed, added.Name: StateIdle})
	if n := logins.Load(); n != 2 {
		t.Errorf("the failed account logged in %d times, want 2 (once more after the reload)", n)
	}
	checks := func(name string) (n uint64) {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, sv := range m.accounts[name].supervisors {
			n += sv.checks.Load()
		}
		return n
	}
	if n := checks(added.Name); n != 0 {
		t.Errorf("the account the reload started got %d Check now requests, want 0", n)
	}
	if n := checks(kept.Name); n != 1 {
		t.Errorf("the account the reload left running got %d Check now requests, want 1", n)
	}
}
