package imapwatch

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"idlebell/internal/badimap"
	"idlebell/internal/testsession"
)

// dovecotServer adapts a real Dovecot instance from the make-test session.
type dovecotServer struct {
	d   *testsession.Dovecot
	tls bool
}

func (s *dovecotServer) config(user string) Config {
	addr, sec := s.d.PlainAddr, SecurityNone
	if s.tls {
		addr, sec = s.d.TLSAddr, SecurityTLS
	}
	var host string
	var port int
	fmt.Sscanf(addr, "127.0.0.1:%d", &port)
	host = "127.0.0.1"
	return Config{Name: "acct-" + user, Host: host, Port: port, Security: sec, CAFile: s.d.CAFile,
		Username: user, Password: staticPassword(s.d.Password()), CommandTimeout: 10 * time.Second, Trace: traceWriter(),
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute}
}

func (s *dovecotServer) newUser(t *testing.T) (string, Config) {
	u := uniqueUser("dc")
	// Dovecot creates the user's INBOX on first delivery or login.
	cfg := s.config(u)
	readFlags(t, cfg, "INBOX")
	return u, cfg
}

func (s *dovecotServer) deliver(t *testing.T, user, mbox string, msg []byte) {
	t.Helper()
	var err error
	if mbox == "INBOX" {
		err = s.d.Deliver(user, msg) // as an MTA would: dovecot-lda
	} else {
		err = s.d.DeliverTo(user, mbox, msg)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (s *dovecotServer) kick(t *testing.T, user string) {
	t.Helper()
	if err := s.d.Kick(user); err != nil {
		t.Fatal(err)
	}
}

func (s *dovecotServer) recreate(t *testing.T, user, mbox string) {
	t.Helper()
	if err := s.d.DeleteMailbox(user, mbox); err != nil {
		t.Fatal(err)
	}
	s.createMailbox(t, user, mbox)
}

func (s *dovecotServer) deleteMailbox(t *testing.T, user, mbox string) {
	t.Helper()
	if err := s.d.DeleteMailbox(user, mbox); err != nil {
		t.Fatal(err)
	}
}

func (s *dovecotServer) createMailbox(t *testing.T, user, mbox string) {
	t.Helper()
	if err := s.d.CreateMailbox(user, mbox); err != nil {
		t.Fatal(err)
	}
}

func (s *dovecotServer) flags(t *testing.T, user, mbox string) [][]imap.Flag {
	return readFlags(t, s.config(user), mbox)
}

func TestDovecotPlain(t *testing.T) {
	env := testsession.FromEnv(t)
	runScenarios(t, &dovecotServer{d: env.Dovecot})
}

func TestDovecotTLS(t *testing.T) {
	env := testsession.FromEnv(t)
	runScenarios(t, &dovecotServer{d: env.Dovecot, tls: true})
}

// TestDovecotPolling: a server without IDLE gives the same events, by polling.
func TestDovecotPolling(t *testing.T) {
	env := testsession.FromEnv(t)
	srv := &dovecotServer{d: env.NoIdle}
	user, cfg := srv.newUser(t)
	cfg.PollInterval = 300 * time.Millisecond
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StatePolling, wait)
	srv.deliver(t, user, "INBOX", testMessage(1, "polled"))
	got := c.untilSentinel(t, srv, user, "INBOX", wait)
	assertOnce(t, got, "polled")
}

// TestDovecotRestartCycles stops and starts a Dovecot of its own while mail
// is delivered into the stopped server's Maildir; every mail must arrive once.
func TestDovecotRestartCycles(t *testing.T) {
	testsession.FromEnv(t)
	t.Parallel()
	d, err := testsession.StartDovecot(t.TempDir(), testsession.DovecotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	srv := &dovecotServer{d: d}
	user, cfg := srv.newUser(t)
	// A 2 s backoff cap keeps the run short; the sequence itself is
	// TestBackoff's business.
	// The connection limit (10 a minute) is TestNoReconnectStorm's.
	m := NewManager(Options{Store: newMemStore(), Logger: testLogger(t), MaxBackoff: 2 * time.Second,
		connLimit: 1000, connWindow: time.Minute})
	c := collect(t, m)
	m.Apply([]Config{cfg})
	t.Cleanup(func() { m.Close(); <-c.done })
	c.waitState(t, StateIdle, wait)

	// 20 cycles: mostly instant restarts; some stay down until the watcher
	// has failed to reconnect once, two until it has failed three times, so
	// that its backoff runs up to the cap. The downtime is counted in the
	// watcher's own failed attempts, not in seconds.
	downtimes := []int{}
	for i := range 20 {
		switch {
		case i%10 == 9:
			downtimes = append(downtimes, 3)
		case i%3 == 2:
			downtimes = append(downtimes, 1)
		default:
			downtimes = append(downtimes, 0)
		}
	}
	lost, dup := 0, 0
	start := time.Now()
	for cycle, down := range downtimes {
		// Every state from before is in c.states by now (the last
		// cycle's sentinel came after them on the one event channel).
		for len(c.states) > 0 {
			<-c.states
		}
		if err := d.Stop(); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range 3 {
			subject := fmt.Sprintf("cycle %d mail %d", cycle, i)
			want = append(want, subject)
			if err := d.DeliverOffline(user, testMessage(i, subject)); err != nil {
				t.Fatal(err)
			}
		}
		for failed := 0; failed < down; {
			if ev := c.waitState(t, StateReconnecting, time.Minute); ev.Err != nil {
				failed++
			}
		}
		if err := d.Start(); err != nil {
			t.Fatal(err)
		}
		got := c.untilSentinel(t, srv, user, "INBOX", time.Minute)
		count := map[string]int{}
		for _, m := range got {
			count[m.Subject]++
			if !m.CatchUp {
				t.Errorf("cycle %d: %q not flagged catch-up", cycle, m.Subject)
			}
		}
		for _, w := range want {
			switch n := count[w]; {
			case n == 0:
				lost++
			case n > 1:
				dup += n - 1
			}
		}
	}
	t.Logf("restart cycles: %d (downtimes in failed reconnects %v), mails %d, lost %d, duplicated %d, took %s",
		len(downtimes), downtimes, 3*len(downtimes), lost, dup, time.Since(start).Round(time.Second))
	if lost != 0 || dup != 0 {
		t.Errorf("lost %d, duplicated %d; want 0 and 0", lost, dup)
	}
}

// TestDovecotCutFetch: real Dovecot behind a proxy that cuts the connection
// in the middle of 20 UID FETCH answers: every mail is announced once, none
// blank.
func TestDovecotCutFetch(t *testing.T) {
	env := testsession.FromEnv(t)
	t.Parallel()
	srv := &dovecotServer{d: env.Dovecot}
	user, cfg := srv.newUser(t)
	rule := badimap.CutFetch(20, 30, 150, 300, 450, 600, 90, 520)
	p := newProxy(t, cfg.Addr(), rule)
	cfg.Host, cfg.Port = p.hostPort(t)
	_, c := faultManager(t, cfg, Options{MaxBackoff: 10 * time.Millisecond})
	c.waitState(t, StateIdle, wait)
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("cut %d", i))
		srv.deliver(t, user, "INBOX", testMessage(i, want[i]))
	}
	got := c.untilSentinel(t, srv, user, "INBOX", time.Minute)
	blank := 0
	for _, m := range got {
		if m.Subject == "" || m.FromAddress == "" {
			blank++
		}
	}
	if blank != 0 {
		t.Errorf("%d mails announced blank, want 0", blank)
	}
	assertOnce(t, got, want...)
	t.Logf("Dovecot, %d cut FETCH answers: %d mails announced, %d blank, %d connections", rule.Rules[0].Fired(), len(got), blank, len(p.Conns()))
}

// TestDovecotStartTLS: STARTTLS on Dovecot's plaintext port, done by hand
// so that idlebell's reader limits see the protected stream.
func TestDovecotStartTLS(t *testing.T) {
	env := testsession.FromEnv(t)
	t.Parallel()
	srv := &dovecotServer{d: env.Dovecot}
	user, cfg := srv.newUser(t)
	cfg.Security = SecurityStartTLS
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	srv.deliver(t, user, "INBOX", testMessage(1, "over starttls"))
	assertOnce(t, c.untilSentinel(t, srv, user, "INBOX", wait), "over starttls")
}

// TestDovecotStatusPollLeavesMailbox: the shared polling connection EXAMINEs
// a folder to fetch its new mail, then leaves it (UNSELECT, or CLOSE where
// the server lacks UNSELECT), so its next STATUS is not of the selected
// mailbox: RFC 3501 asks clients not to, Dovecot answers it with [CLIENTBUG]
// and with the session's own view of the folder, in which the next mail
// never shows.
func TestDovecotStatusPollLeavesMailbox(t *testing.T) {
	env := testsession.FromEnv(t)
	t.Parallel()
	noUnselect, err := testsession.StartDovecot(t.TempDir(), testsession.DovecotOptions{NoUNSELECT: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { noUnselect.Stop() })
	for _, d := range []struct {
		name  string
		d     *testsession.Dovecot
		leave string // the command that leaves the folder
	}{{"idle", env.Dovecot, "UNSELECT"}, {"noidle", env.NoIdle, "UNSELECT"}, {"no UNSELECT", noUnselect, "CLOSE"}} {
		t.Run(d.name, func(t *testing.T) {
			srv := &dovecotServer{d: d.d}
			user, cfg := srv.newUser(t)
			srv.createMailbox(t, user, "Work")
			trace := &lockedBuffer{b: &bytes.Buffer{}}
			cfg.Trace = trace
			t.Cleanup(func() { // also when the sentinel never came
				var bugs []string
				for _, line := range strings.Split(trace.String(), "\n") {
					if strings.Contains(line, "[CLIENTBUG]") {
						bugs = append(bugs, line)
					}
				}
				if len(bugs) > 0 {
					t.Errorf("server answered [CLIENTBUG] %d times, first: %q", len(bugs), bugs[0])
				}
			})
			cfg.Mailboxes, cfg.MaxConnections = []string{"INBOX", "Work"}, 1 // both on the STATUS connection
			cfg.PollInterval = 50 * time.Millisecond
			_, c := startManager(t, cfg, newMemStore())
			c.waitStates(t, wait, map[string]State{"INBOX": StatePolling, "Work": StatePolling})
			srv.deliver(t, user, "Work", testMessage(1, "to Work"))
			assertOnce(t, c.waitMails(t, 1, wait), "to Work")
			// Work was EXAMINEd for that mail; the poll that finds the
			// sentinel has sent STATUS Work again since.
			assertOnce(t, c.untilSentinel(t, srv, user, "Work", wait))
			cmds := sentCommands(trace.String())
			examined := slices.Index(cmds, "EXAMINE Work")
			if examined < 0 || !slices.Contains(cmds[examined:], "STATUS Work") {
				t.Errorf("commands sent %q: want STATUS Work after EXAMINE Work", cmds)
			}
			if examined >= 0 && !slices.Contains(cmds[examined:], d.leave) {
				t.Errorf("commands sent %q: want %s after EXAMINE Work", cmds, d.leave)
			}
			if d.leave != "UNSELECT" && slices.Contains(cmds, "UNSELECT") {
				t.Errorf("commands sent %q: UNSELECT to a server that does not advertise it", cmds)
			}
		})
	}
}

// sentCommands lists the commands of an IMAP trace as "EXAMINE Work" (the
// command's name and, unquoted, its first argument), in order.
func sentCommands(trace string) []string {
	var out []string
	for _, line := range strings.Split(trace, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], "[") {
			f = f[1:] // the trace's account prefix
		}
		if len(f) < 2 || len(f[0]) < 2 || f[0][0] != 'T' || strings.Trim(f[0][1:], "0123456789") != "" ||
			f[1] == "OK" || f[1] == "NO" || f[1] == "BAD" {
			continue // not a tagged command
		}
		cmd := f[1]
		if len(f) > 2 && cmd != "UID" {
			cmd += " " + strings.Trim(f[2], `"`)
		}
		out = append(out, cmd)
	}
	return out
}
