package imapwatch

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"idlebell/internal/badimap"
	"idlebell/internal/testsession"
)

// badServer is a misbehaving in-process server with one user.
type badServer struct {
	*badimap.Server
	user string
	cfg  Config
}

func newBadServer(t *testing.T, b ...badimap.Behaviour) *badServer {
	t.Helper()
	s, err := badimap.Start(badimap.Options{}, b...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	user := uniqueUser("bad")
	if err := s.AddUser(user, demoPassword); err != nil {
		t.Fatal(err)
	}
	host, port := splitAddr(t, s.Addr)
	return &badServer{Server: s, user: user, cfg: Config{Trace: traceWriter(), Name: "acct-" + user, Host: host, Port: port,
		Security: SecurityNone, Username: user, Password: staticPassword(demoPassword), CommandTimeout: 5 * time.Second,
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute}}
}

func (b *badServer) deliver(t *testing.T, msg []byte) {
	t.Helper()
	if _, err := b.Append(b.user, "INBOX", msg); err != nil {
		t.Fatal(err)
	}
}

// old delivers a message that arrived a day ago: mail that is there when
// idlebell first looks is old, and stays old.
func (b *badServer) old(t *testing.T, subject string) {
	t.Helper()
	if _, err := b.AppendAt(b.user, "INBOX", testMessage(0, subject), time.Now().Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// sentinel delivers a marker and returns every mail announced before it.
func (b *badServer) sentinel(t *testing.T, c *collector) []*NewMail {
	t.Helper()
	subject := fmt.Sprintf("sentinel %d", time.Now().UnixNano())
	b.deliver(t, testMessage(0, subject))
	var out []*NewMail
	deadline := time.After(wait)
	for {
		select {
		case m := <-c.mails:
			if m.Subject == subject {
				return out
			}
			out = append(out, m)
		case <-deadline:
			t.Fatalf("sentinel not seen within %s; got %d other mails", wait, len(out))
		}
	}
}

// TestUIDValidityZero: a server that reports UIDVALIDITY 0 is followed like
// any other: mail that arrived while idlebell was stopped is announced once
// after the restart, not taken for old mail.
func TestUIDValidityZero(t *testing.T) {
	t.Parallel()
	srv := newBadServer(t, badimap.UIDValidity("uidvalidity 0", func(int) uint32 { return 0 }))
	srv.old(t, "old")
	store := newMemStore()
	m1, c1 := startManager(t, srv.cfg, store)
	c1.waitState(t, StateIdle, wait)
	srv.deliver(t, testMessage(1, "while running"))
	assertOnce(t, c1.waitMails(t, 1, wait), "while running")
	m1.Close()

	srv.deliver(t, testMessage(2, "while stopped A"))
	srv.deliver(t, testMessage(3, "while stopped B"))
	_, c2 := startManager(t, srv.cfg, store)
	c2.waitState(t, StateIdle, wait)
	assertOnce(t, srv.sentinel(t, c2), "while stopped A", "while stopped B")
}

// TestUIDNextBackwards: a server that lost its UID counter (a restored or
// rebuilt index) but kept UIDVALIDITY gives new mail UIDs that were
// announced before. The new mail is announced, once; a message announced
// before that comes back (restored) is not announced again.
func TestUIDNextBackwards(t *testing.T) {
	t.Parallel()
	// The mailbox is recreated below, which would change UIDVALIDITY; the
	// server reports the same one all along.
	srv := newBadServer(t, badimap.UIDValidity("fixed uidvalidity", func(int) uint32 { return 7 }))
	srv.old(t, "old 1")
	srv.old(t, "old 2")
	store := newMemStore()
	m1, c1 := startManager(t, srv.cfg, store)
	c1.waitState(t, StateIdle, wait)
	restored := testMessage(1, "announced, later restored")
	srv.deliver(t, restored)
	srv.deliver(t, testMessage(2, "announced"))
	assertOnce(t, c1.waitMails(t, 2, wait), "announced, later restored", "announced")
	m1.Close()
	if w := store.watermark(srv.cfg.Name, "INBOX"); w != 5 {
		t.Fatalf("watermark after 4 messages = %d, want 5", w)
	}

	// The index is rebuilt: UIDs start at 1 again, UIDNEXT 4 < 5.
	if err := srv.DeleteMailbox(srv.user, "INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := srv.CreateMailbox(srv.user, "INBOX"); err != nil {
		t.Fatal(err)
	}
	srv.deliver(t, restored)
	srv.deliver(t, testMessage(3, "while stopped A"))
	srv.deliver(t, testMessage(4, "while stopped B"))
	_, c2 := startManager(t, srv.cfg, store)
	c2.waitState(t, StateIdle, wait)
	srv.deliver(t, testMessage(5, "after restart")) // UID 4: below the old watermark
	assertOnce(t, srv.sentinel(t, c2), "while stopped A", "while stopped B", "after restart")
}

// TestCourierUIDValidityPerSession: Courier hands out a new UIDVALIDITY on
// every session until some client opened the folder read-write. Every mail
// is still announced exactly once: across a reconnect, and across a restart
// with mail arriving while idlebell was stopped; old mail never.
func TestCourierUIDValidityPerSession(t *testing.T) {
	t.Parallel()
	srv := newBadServer(t, badimap.UIDValidityPerSession())
	srv.old(t, "old 1")
	srv.old(t, "old 2")
	store := newMemStore()
	m1, c1 := startManager(t, srv.cfg, store)
	c1.waitState(t, StateIdle, wait)
	srv.deliver(t, testMessage(1, "live 1"))
	assertOnce(t, c1.waitMails(t, 1, wait), "live 1")
	srv.Kick()
	c1.waitState(t, StateConnecting, wait)
	c1.waitState(t, StateIdle, wait)
	srv.deliver(t, testMessage(2, "live 2"))
	assertOnce(t, srv.sentinel(t, c1), "live 2")
	m1.Close()

	srv.deliver(t, testMessage(3, "while stopped A"))
	srv.deliver(t, testMessage(4, "while stopped B"))
	_, c2 := startManager(t, srv.cfg, store)
	got := c2.waitMails(t, 2, wait)
	for _, m := range got {
		if !m.CatchUp {
			t.Errorf("%q: CatchUp = false, want true", m.Subject)
		}
	}
	assertOnce(t, got, "while stopped A", "while stopped B")
	c2.waitState(t, StateIdle, wait)
	assertOnce(t, srv.sentinel(t, c2))
}

// scanMessage is a mail from a device that gives all its mails one
// Message-ID and no Date (scanners, printers, cron jobs do).
func scanMessage(subject string) []byte {
	return []byte("From: scanner@office.example\r\nSubject: " + subject +
		"\r\nMessage-ID: <fixed@scanner>\r\n\r\nx\r\n")
}

// testSharedMessageID: mails that share a Message-ID are different mails,
// each announced: while idlebell runs, across a restart (the remembered
// keys are in the state), and also the same message delivered twice, which
// the mailbox holds twice. A new UID above the watermark is a new mail.
func testSharedMessageID(t *testing.T, srv server) {
	user, cfg := srv.newUser(t)
	store := newMemStore()
	m1, c1 := startManager(t, cfg, store)
	c1.waitState(t, StateIdle, wait)
	for _, s := range []string{"Scan 1", "Scan 2", "Scan 1"} {
		srv.deliver(t, user, "INBOX", scanMessage(s))
	}
	got := c1.untilSentinel(t, srv, user, "INBOX", wait)
	count := map[string]int{}
	for _, m := range got {
		count[m.Subject]++
	}
	if len(got) != 3 || count["Scan 1"] != 2 || count["Scan 2"] != 1 {
		t.Errorf("announced %v, want Scan 1 twice (delivered twice) and Scan 2 once", count)
	}
	m1.Close()

	_, c2 := startManager(t, cfg, store)
	c2.waitState(t, StateIdle, wait)
	srv.deliver(t, user, "INBOX", scanMessage("Scan 3"))
	assertOnce(t, c2.untilSentinel(t, srv, user, "INBOX", wait), "Scan 3")
}

// testDroppedExists: a push lost on the way (the server sent EXISTS, a
// middlebox dropped it) is found by the next periodic resync.
func testDroppedExists(t *testing.T, cfg Config, deliver func(subject string)) {
	cfg.ResyncInterval, cfg.MaxResyncInterval = 200*time.Millisecond, 200*time.Millisecond
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	start := time.Now()
	deliver("push lost")
	got := c.waitMails(t, 1, wait)
	t.Logf("mail whose EXISTS was dropped announced after %s (resync every %s)", time.Since(start).Round(time.Millisecond), cfg.ResyncInterval)
	assertOnce(t, got, "push lost")
}

func TestDroppedExists(t *testing.T) {
	t.Parallel()
	srv := newBadServer(t, badimap.DropExists(1))
	testDroppedExists(t, srv.cfg, func(s string) { srv.deliver(t, testMessage(1, s)) })
	if len(srv.Conns()) != 1 {
		t.Errorf("connections = %d, want 1 (found by resync, not by reconnecting)", len(srv.Conns()))
	}
}

// TestDovecotDroppedExists: the same with Dovecot behind a proxy that drops
// the push.
func TestDovecotDroppedExists(t *testing.T) {
	env := testsession.FromEnv(t)
	t.Parallel()
	srv := &dovecotServer{d: env.Dovecot}
	user, cfg := srv.newUser(t)
	p, err := badimap.NewProxy(cfg.Addr(), badimap.DropExists(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	cfg.Host, cfg.Port = p.HostPort()
	testDroppedExists(t, cfg, func(s string) { srv.deliver(t, user, "INBOX", testMessage(1, s)) })
}

// TestGone: a message idlebell announced and then read in another client,
// or deleted there, is reported Gone (the tray withdraws its bubble); one
// still unread is not.
func TestGone(t *testing.T) {
	t.Parallel()
	srv := newDemoServer(t, demoOptions())
	user, cfg := srv.newUser(t)
	_, c := startManager(t, cfg, newMemStore())
	goneCh := c.gone
	c.waitState(t, StateIdle, wait)
	for i, s := range []string{"to be read", "to be deleted", "left alone"} {
		srv.deliver(t, user, "INBOX", testMessage(i, s))
	}
	uids := map[string]uint32{}
	var validity uint32
	for _, m := range c.waitMails(t, 3, wait) {
		uids[m.Subject], validity = m.UID, m.UIDValidity
	}
	other := otherClient(t, cfg)
	if err := other.Store(imap.UIDSetNum(imap.UID(uids["to be read"])), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := other.Store(imap.UIDSetNum(imap.UID(uids["to be deleted"])), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := other.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	want := map[uint32]GoneReason{uids["to be read"]: GoneSeen, uids["to be deleted"]: GoneExpunged}
	deadline := time.After(wait)
	for len(want) > 0 {
		select {
		case g := <-goneCh:
			r, ok := want[g.UID]
			if !ok || g.Reason != r || g.UIDValidity != validity || g.Mailbox != "INBOX" || g.Account != cfg.Name {
				t.Fatalf("Gone %+v, want one of %v (uidvalidity %d)", g, want, validity)
			}
			delete(want, g.UID)
		case <-deadline:
			t.Fatalf("no Gone for %v within %s", want, wait)
		}
	}
	// The one left alone stays: nothing more is gone by the time a new
	// mail came and went through the same connection.
	srv.deliver(t, user, "INBOX", testMessage(9, "after"))
	c.waitMails(t, 1, wait)
	select {
	case g := <-goneCh:
		t.Errorf("unexpected Gone %+v", g)
	default:
	}
}

// otherClient is another mail client on the same mailbox, read-write.
func otherClient(t *testing.T, cfg Config) *imapclient.Client {
	t.Helper()
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lk, err := dial(ctx, &cfg, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := lk.c
	t.Cleanup(func() { c.Close() })
	if _, err := login(ctx, c, &cfg, nil, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestUIDNextReportedBackwards: a server that reports a UIDNEXT below the
// watermark while its messages keep their UIDs (a replica behind, a broken
// proxy) makes idlebell re-check, and nothing is announced twice: the
// messages between its UIDNEXT and the watermark are recognised.
func TestUIDNextReportedBackwards(t *testing.T) {
	t.Parallel()
	srv := newBadServer(t, badimap.UIDNextBackwards(2, 2))
	_, c := startManager(t, srv.cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	srv.deliver(t, testMessage(1, "a"))
	srv.deliver(t, testMessage(2, "b"))
	assertOnce(t, c.waitMails(t, 2, wait), "a", "b")
	srv.Kick() // the next connection reports UIDNEXT 1 for 3
	c.waitState(t, StateConnecting, wait)
	c.waitState(t, StateIdle, wait)
	srv.deliver(t, testMessage(3, "c"))
	assertOnce(t, srv.sentinel(t, c), "c")
}

// TestRecheckLogsEachHeldBack: after a UIDVALIDITY change, every message
// that the memory of announced mails keeps from being announced again is
// logged at INFO with its mailbox, UID and Message-ID, not only counted: a
// new mail that shares all of its key with one announced before (a
// scanner's) is held back too, and the log is where the user finds it.
func TestRecheckLogsEachHeldBack(t *testing.T) {
	t.Parallel()
	srv := newDemoServer(t, demoOptions())
	user, cfg := srv.newUser(t)
	cfg.Mailboxes = []string{"Box"}
	srv.createMailbox(t, user, "Box")
	store := newMemStore()
	m1, c1 := startManager(t, cfg, store)
	c1.waitState(t, StateIdle, wait)
	srv.deliver(t, user, "Box", scanMessage("Scan A"))
	assertOnce(t, c1.waitMails(t, 1, wait), "Scan A")
	m1.Close()

	srv.recreate(t, user, "Box")
	srv.deliver(t, user, "Box", scanMessage("Scan A")) // UID 1
	srv.deliver(t, user, "Box", scanMessage("Scan A")) // UID 2
	srv.deliver(t, user, "Box", scanMessage("Scan B"))
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	m2 := NewManager(Options{Store: store, Logger: logger})
	c2 := collect(t, m2)
	m2.Apply([]Config{cfg})
	t.Cleanup(func() { m2.Close(); <-c2.done })
	assertOnce(t, c2.waitMails(t, 1, wait), "Scan B")
	c2.waitState(t, StateIdle, wait)
	mu.Lock()
	defer mu.Unlock()
	for _, uid := range []string{"uid=1 ", "uid=2 "} {
		found := false
		for _, line := range strings.Split(logs.String(), "\n") {
			found = found || strings.Contains(line, "level=INFO") && strings.Contains(line, "message announced before under another UID") &&
				strings.Contains(line, " mailbox=Box ") && strings.Contains(line, " "+uid) && strings.Contains(line, "message_id=fixed@scanner")
		}
		if !found {
			t.Errorf("no INFO line for the held-back %s(mailbox, Message-ID) in:\n%s", uid, logs.String())
		}
	}
}
