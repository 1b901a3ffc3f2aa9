package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

const wait = 15 * time.Second

// scenarios run against every server: in-process, Dovecot plain, Dovecot TLS.
var scenarios = []struct {
	name string
	run  func(t *testing.T, srv server)
}{
	{"ExistingMailNotAnnounced", testExistingNotAnnounced},
	{"OneMailOneEvent", testOneMail},
	{"BurstNoDuplicates", testBurst},
	{"ReconnectCatchUp", testReconnectCatchUp},
	{"RestartCatchUp", testRestartCatchUp},
	{"UIDValidityChange", testUIDValidity},
	{"BadPassword", testBadPassword},
	{"MissingMailbox", testMissingMailbox},
	{"MissingFolderFailsAlone", testMissingFolderFailsAlone},
	{"FolderRecreated", testFolderRecreated},
	{"ManyFolders", testManyFolders},
	{"ClockJump", testClockJump},
	{"SilentDrop", testSilentDrop},
	{"SharedMessageID", testSharedMessageID},
	{"HugeHeaderField", testHugeHeaderField},
	{"HugeStructure", testHugeStructure},
}

func runScenarios(t *testing.T, srv server) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, srv)
		})
	}
}

func TestInProcess(t *testing.T) {
	runScenarios(t, newDemoServer(t, demoOptions()))
}

func testExistingNotAnnounced(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	srv.deliver(t, user, "INBOX", testMessage(1, "old one"))
	srv.deliver(t, user, "INBOX", testMessage(2, "old two"))
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	assertOnce(t, c.untilSentinel(t, srv, user, "INBOX", wait))
}

func testOneMail(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	srv.deliver(t, user, "INBOX", testMessage(1, "old"))
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	srv.deliver(t, user, "INBOX", testMessage(7, "Grüße aus München"))
	got := c.waitMails(t, 1, wait)[0]
	if got.Subject != "Grüße aus München" || got.FromName != "Jürgen Müller" || got.FromAddress != "juergen7@example.org" {
		t.Errorf("NewMail = %q from %q <%s>, want %q from %q <%s>", got.Subject, got.FromName, got.FromAddress,
			"Grüße aus München", "Jürgen Müller", "juergen7@example.org")
	}
	if got.Preview != "Grüße number 7. Second line." {
		t.Errorf("Preview = %q, want %q", got.Preview, "Grüße number 7. Second line.")
	}
	if got.CatchUp || got.Mailbox != "INBOX" || got.UID == 0 || got.UIDValidity == 0 || got.MessageID == "" {
		t.Errorf("NewMail = %+v: want live INBOX mail with uid, uidvalidity and message id", got)
	}
	// The unseen count follows the new mail (old + new = 2) without a STATUS.
	deadline := time.After(wait)
	for counted := false; !counted; {
		select {
		case u := <-c.unseen:
			counted = u.Count == 2
		case <-deadline:
			t.Fatal("no Unseen{Count: 2} after the new mail")
		}
	}
	assertOnce(t, c.untilSentinel(t, srv, user, "INBOX", wait))
	for i, f := range srv.flags(t, user, "INBOX") {
		for _, fl := range f {
			if fl == imap.FlagSeen {
				t.Errorf("message %d has \\Seen: idlebell must never mark mail read", i+1)
			}
		}
	}
}

func testBurst(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	var want []string
	for i := range 5 {
		want = append(want, fmt.Sprintf("burst %d", i))
		srv.deliver(t, user, "INBOX", testMessage(i, want[i]))
	}
	assertOnce(t, c.untilSentinel(t, srv, user, "INBOX", wait), want...)
}

func testReconnectCatchUp(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	srv.kick(t, user)
	// Mail that lands while the watcher is (re)connecting is caught up once.
	srv.deliver(t, user, "INBOX", testMessage(1, "during reconnect"))
	c.waitState(t, StateIdle, wait)
	srv.deliver(t, user, "INBOX", testMessage(2, "after reconnect"))
	assertOnce(t, c.untilSentinel(t, srv, user, "INBOX", wait), "during reconnect", "after reconnect")
}

func testRestartCatchUp(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	store := newMemStore()
	srv.deliver(t, user, "INBOX", testMessage(0, "before first start"))
	m1, c1 := startManager(t, cfg, store)
	c1.waitState(t, StateIdle, wait)
	srv.deliver(t, user, "INBOX", testMessage(1, "while running"))
	assertOnce(t, c1.untilSentinel(t, srv, user, "INBOX", wait), "while running")
	m1.Close()

	srv.deliver(t, user, "INBOX", testMessage(2, "while stopped A"))
	srv.deliver(t, user, "INBOX", testMessage(3, "while stopped B"))
	_, c2 := startManager(t, cfg, store)
	got := c2.waitMails(t, 2, wait)
	for _, m := range got {
		if !m.CatchUp {
			t.Errorf("mail %q: CatchUp = false, want true", m.Subject)
		}
	}
	assertOnce(t, got, "while stopped A", "while stopped B")
	c2.waitState(t, StateIdle, wait)
	assertOnce(t, c2.untilSentinel(t, srv, user, "INBOX", wait))
}

// testUIDValidity: a mailbox recreated while idlebell was stopped (a new
// UIDVALIDITY) loses nothing: what arrived since idlebell last saw it is
// announced once, as catch-up; a message it announced before and that came
// back into the new mailbox (restored from a backup) is not announced again,
// and a new one that shares its Message-ID with it (a scanner's) is.
func testUIDValidity(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	cfg.Mailboxes = []string{"Box"}
	srv.createMailbox(t, user, "Box")
	store := newMemStore()
	m1, c1 := startManager(t, cfg, store)
	c1.waitState(t, StateIdle, wait)
	before := testMessage(1, "announced before")
	srv.deliver(t, user, "Box", before)
	srv.deliver(t, user, "Box", scanMessage("Scan 1"))
	assertOnce(t, c1.waitMails(t, 2, wait), "announced before", "Scan 1")
	m1.Close()

	srv.recreate(t, user, "Box")
	srv.deliver(t, user, "Box", before)
	srv.deliver(t, user, "Box", scanMessage("Scan 1"))
	want := []string{"Scan 2"}
	srv.deliver(t, user, "Box", scanMessage(want[0]))
	for i := range 3 {
		want = append(want, fmt.Sprintf("in new box %d", i))
		srv.deliver(t, user, "Box", testMessage(i, want[len(want)-1]))
	}
	_, c2 := startManager(t, cfg, store)
	got := c2.waitMails(t, len(want), wait)
	for _, m := range got {
		if !m.CatchUp {
			t.Errorf("mail %q: CatchUp = false, want true (it arrived while idlebell was stopped)", m.Subject)
		}
	}
	assertOnce(t, got, want...)
	c2.waitState(t, StateIdle, wait)
	srv.deliver(t, user, "Box", testMessage(9, "after rebaseline"))
	assertOnce(t, c2.untilSentinel(t, srv, user, "Box", wait), "after rebaseline")
}

func testBadPassword(t *testing.T, srv server) {
	_, cfg := srv.newUser(t)
	var logins atomic.Int32
	cfg.Password = func(context.Context) (string, error) { logins.Add(1); return "wrong-password", nil }
	m, c := startManager(t, cfg, newMemStore())
	ev := c.waitState(t, StateFailed, wait)
	if !errors.Is(ev.Err, ErrAuthFailed) {
		t.Errorf("StateFailed.Err = %v, want ErrAuthFailed", ev.Err)
	}
	// A manual check is the one thing that tries again: exactly one more LOGIN.
	m.CheckNow(cfg.Name)
	c.waitState(t, StateFailed, wait)
	if n := logins.Load(); n != 2 {
		t.Errorf("password asked %d times, want 2 (one LOGIN, one after CheckNow)", n)
	}
}

func testMissingMailbox(t *testing.T, srv server) {
	_, cfg := srv.newUser(t)
	cfg.Mailboxes = []string{"NoSuchBox"}
	_, c := startManager(t, cfg, newMemStore())
	ev := c.waitState(t, StateFailed, wait)
	var merr *MailboxError
	if !errors.Is(ev.Err, ErrMailboxMissing) || !errors.As(ev.Err, &merr) || strings.Join(merr.Mailboxes, ",") != "NoSuchBox" {
		t.Errorf("StateFailed.Err = %v, want a MailboxError naming NoSuchBox", ev.Err)
	}
}

// testMissingFolderFailsAlone: a folder the server does not have fails
// alone, in a StateFailed naming it, on an IDLE connection of its own and on
// the shared polling connection alike; the other folders go on being
// watched and announce their mail. Check now, once the folders exist, watches
// them too.
func testMissingFolderFailsAlone(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	for _, b := range []string{"Work", "Extra"} {
		srv.createMailbox(t, user, b)
	}
	// INBOX and Gone1 IDLE on a connection each; Work, Gone2 and Extra
	// share the polling one.
	cfg.Mailboxes = []string{"INBOX", "Gone1", "Work", "Gone2", "Extra"}
	cfg.MaxConnections = 3
	cfg.PollInterval = 100 * time.Millisecond
	m, c := startManager(t, cfg, newMemStore())
	watched := map[string]State{"INBOX": StateIdle, "Work": StatePolling, "Extra": StatePolling}
	want := map[string]State{"Gone1": StateFailed, "Gone2": StateFailed}
	for mb, s := range watched {
		want[mb] = s
	}
	deadline := time.After(wait)
	for len(want) > 0 {
		select {
		case ev := <-c.states:
			if ev.State == StateFailed {
				var merr *MailboxError
				if _, ok := watched[ev.Mailbox]; ok || !errors.As(ev.Err, &merr) || strings.Join(merr.Mailboxes, ",") != ev.Mailbox {
					t.Fatalf("%s failed: %v; want only Gone1 and Gone2 failed, each with a MailboxError naming it", ev.Mailbox, ev.Err)
				}
			}
			if want[ev.Mailbox] == ev.State {
				delete(want, ev.Mailbox)
			}
		case <-deadline:
			t.Fatalf("within %s, these mailboxes did not reach their state: %v", wait, want)
		}
	}
	for _, b := range []string{"INBOX", "Work", "Extra"} {
		srv.deliver(t, user, b, testMessage(1, "to "+b))
	}
	assertOnce(t, c.waitMails(t, 3, wait), "to INBOX", "to Work", "to Extra")

	for _, b := range []string{"Gone1", "Gone2"} {
		srv.createMailbox(t, user, b)
	}
	m.CheckNow(cfg.Name)
	c.waitStates(t, wait, map[string]State{"Gone1": StateIdle, "Gone2": StatePolling})
	for _, b := range []string{"Gone1", "Gone2", "Work"} {
		srv.deliver(t, user, b, testMessage(2, "later to "+b))
	}
	assertOnce(t, c.waitMails(t, 3, wait), "later to Gone1", "later to Gone2", "later to Work")
}

func testManyFolders(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	boxes := []string{"INBOX", "Lists/go", "Work", "Extra"}
	for _, b := range boxes[1:] {
		srv.createMailbox(t, user, b)
	}
	cfg.Mailboxes = boxes
	cfg.MaxConnections = 3 // INBOX and Lists/go IDLE; Work and Extra share a polling connection
	cfg.PollInterval = 200 * time.Millisecond
	_, c := startManager(t, cfg, newMemStore())
	c.waitStates(t, wait, map[string]State{"INBOX": StateIdle, "Lists/go": StateIdle, "Work": StatePolling, "Extra": StatePolling})
	for i, b := range boxes {
		srv.deliver(t, user, b, testMessage(i, "to "+b))
	}
	got := c.waitMails(t, 4, wait)
	seen := map[string]string{}
	for _, m := range got {
		seen[m.Mailbox] = m.Subject
		if m.CatchUp {
			// Watched live, polled or not: no digest, no IDLEBELL_CATCH_UP.
			t.Errorf("mailbox %s: %q has CatchUp = true, want false (it arrived while watched)", m.Mailbox, m.Subject)
		}
	}
	for _, b := range boxes {
		if seen[b] != "to "+b {
			t.Errorf("mailbox %s: got %q, want %q", b, seen[b], "to "+b)
		}
	}
}

func testClockJump(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	p := newProxy(t, cfg.Addr())
	cfg.Host, cfg.Port = p.hostPort(t)
	clk := newFakeClock()
	m := NewManager(Options{Store: newMemStore(), Logger: testLogger(t), Clock: clk, SleepCheck: time.Minute})
	c := collect(t, m)
	m.Apply([]Config{cfg})
	t.Cleanup(func() { m.Close(); <-c.done })
	c.waitState(t, StateIdle, wait)
	// The machine "sleeps" an hour: the old connection is dead (frozen),
	// mail arrives, the push never comes.
	p.freeze()
	srv.deliver(t, user, "INBOX", testMessage(1, "while asleep"))
	clk.jump(time.Hour)
	c.waitState(t, StateConnecting, wait)
	c.waitState(t, StateIdle, wait)
	assertOnce(t, c.untilSentinel(t, srv, user, "INBOX", wait), "while asleep")
}

func testSilentDrop(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	p := newProxy(t, cfg.Addr())
	cfg.Host, cfg.Port = p.hostPort(t)
	cfg.LivenessTimeout = time.Second
	cfg.CommandTimeout = time.Second
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	frozen := time.Now()
	p.freeze()
	srv.deliver(t, user, "INBOX", testMessage(1, "during freeze"))
	c.waitState(t, StateConnecting, wait)
	t.Logf("silent drop detected after %s (liveness %s + command timeout %s)",
		time.Since(frozen).Round(time.Millisecond), cfg.LivenessTimeout, cfg.CommandTimeout)
	c.waitState(t, StateIdle, wait)
	got := c.untilSentinel(t, srv, user, "INBOX", wait)
	assertOnce(t, got, "during freeze")
	if len(got) == 1 && !got[0].CatchUp {
		t.Errorf("mail during freeze: CatchUp = false, want true")
	}
}

// testFolderRecreated: a watched folder deleted and created again in
// another client fails alone while it is missing (the other folders go on
// announcing), is tried again every folderRetry without a word while it is
// still missing, and once it exists again is watched, what arrived in it
// announced as catch-up: on an IDLE connection of its own (Lists) and on the
// shared polling one (Lists2) alike.
func testFolderRecreated(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	for _, b := range []string{"Lists", "Work", "Lists2"} {
		srv.createMailbox(t, user, b)
	}
	// INBOX and Lists IDLE on a connection each; Work and Lists2 share the
	// polling one.
	cfg.Mailboxes = []string{"INBOX", "Lists", "Work", "Lists2"}
	cfg.MaxConnections = 3
	cfg.PollInterval = 100 * time.Millisecond
	clk := newStepClock()
	_, c := faultManager(t, cfg, Options{timers: clk})
	c.waitStates(t, wait, map[string]State{"INBOX": StateIdle, "Lists": StateIdle, "Work": StatePolling, "Lists2": StatePolling})

	for _, b := range []string{"Lists", "Lists2"} {
		srv.deleteMailbox(t, user, b)
	}
	srv.kick(t, user) // Dovecot says BYE to the session on Lists; the in-process server does not
	c.waitStates(t, wait, map[string]State{"Lists": StateFailed, "Lists2": StateFailed})
	failedAt := clk.Now()
	for _, b := range []string{"Lists", "Lists2"} {
		srv.createMailbox(t, user, b)
		srv.deliver(t, user, b, testMessage(1, "in new "+b))
	}
	// The other folders are not held up meanwhile.
	for _, b := range []string{"INBOX", "Work"} {
		srv.deliver(t, user, b, testMessage(2, "to "+b))
	}
	assertOnce(t, c.waitMails(t, 2, wait), "to INBOX", "to Work")

	clk.waitTimer(t, failedAt.Add(folderRetry))
	clk.advance(failedAt.Add(folderRetry))
	got := c.waitMails(t, 2, wait)
	for _, m := range got {
		if !m.CatchUp {
			t.Errorf("%q: CatchUp = false, want true (it arrived while its folder was not watched)", m.Subject)
		}
	}
	assertOnce(t, got, "in new Lists", "in new Lists2")
	c.waitStates(t, wait, map[string]State{"Lists": StateIdle, "Lists2": StatePolling})
	assertOnce(t, c.untilSentinel(t, srv, user, "Lists", wait))
	assertOnce(t, c.untilSentinel(t, srv, user, "Lists2", wait))
}
