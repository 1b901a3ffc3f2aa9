package imapwatch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"idlebell/demo"
)

// server is what a scenario needs from an IMAP server: the in-process one
// for fast runs, Dovecot (plain and TLS) in the integration suite.
type server interface {
	// newUser returns a fresh user with an empty INBOX and its config.
	newUser(t *testing.T) (user string, cfg Config)
	deliver(t *testing.T, user, mbox string, msg []byte)
	kick(t *testing.T, user string)
	recreate(t *testing.T, user, mbox string)
	createMailbox(t *testing.T, user, mbox string)
	deleteMailbox(t *testing.T, user, mbox string)
	// appendFlags reads the flags of every message over a second connection.
	flags(t *testing.T, user, mbox string) [][]imap.Flag
}

var userSeq atomic.Int64

func uniqueUser(prefix string) string {
	return fmt.Sprintf("%s%d-%d", prefix, os.Getpid(), userSeq.Add(1))
}

// demoServer adapts the in-process server.
type demoServer struct {
	s *demo.Server
}

const demoPassword = "demo-secret-pw"

func newDemoServer(t *testing.T, opts demo.Options) *demoServer {
	t.Helper()
	s, err := demo.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &demoServer{s: s}
}

func (d *demoServer) newUser(t *testing.T) (string, Config) {
	u := uniqueUser("u")
	if err := d.s.AddUser(u, demoPassword); err != nil {
		t.Fatal(err)
	}
	host, port := splitAddr(t, d.s.Addr)
	return u, Config{Trace: traceWriter(), Name: "acct-" + u, Host: host, Port: port, Security: SecurityNone, Username: u,
		Password: staticPassword(demoPassword), CommandTimeout: 5 * time.Second,
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute}
}

func (d *demoServer) deliver(t *testing.T, user, mbox string, msg []byte) {
	t.Helper()
	if _, err := d.s.Append(user, mbox, msg); err != nil {
		t.Fatal(err)
	}
}

func (d *demoServer) kick(t *testing.T, user string) { d.s.Kick() }

func (d *demoServer) recreate(t *testing.T, user, mbox string) {
	t.Helper()
	if err := d.s.DeleteMailbox(user, mbox); err != nil {
		t.Fatal(err)
	}
	if err := d.s.CreateMailbox(user, mbox); err != nil {
		t.Fatal(err)
	}
}

func (d *demoServer) deleteMailbox(t *testing.T, user, mbox string) {
	t.Helper()
	if err := d.s.DeleteMailbox(user, mbox); err != nil {
		t.Fatal(err)
	}
}

func (d *demoServer) createMailbox(t *testing.T, user, mbox string) {
	t.Helper()
	if err := d.s.CreateMailbox(user, mbox); err != nil {
		t.Fatal(err)
	}
}

func (d *demoServer) flags(t *testing.T, user, mbox string) [][]imap.Flag {
	_, cfg := Config{}, Config{}
	host, port := splitAddr(t, d.s.Addr)
	cfg = Config{Host: host, Port: port, Security: SecurityNone, Username: user, Password: staticPassword(demoPassword)}
	return readFlags(t, cfg, mbox)
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	var host string
	var port int
	i := bytes.LastIndexByte([]byte(addr), ':')
	host = addr[:i]
	if _, err := fmt.Sscan(addr[i+1:], &port); err != nil {
		t.Fatalf("bad addr %q", addr)
	}
	return host, port
}

func staticPassword(pw string) Secret {
	return func(context.Context) (string, error) { return pw, nil }
}

// readFlags logs in on a separate connection and reads every message's flags.
func readFlags(t *testing.T, cfg Config, mbox string) [][]imap.Flag {
	t.Helper()
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lk, err := dial(ctx, &cfg, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := lk.c
	defer c.Close()
	if _, err := login(ctx, c, &cfg, nil, false); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(mbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]imap.Flag
	for _, m := range msgs {
		out = append(out, m.Flags)
	}
	c.Logout().Wait()
	return out
}

var _ = imapclient.Options{}

func testMessage(i int, subject string) []byte {
	return []byte(fmt.Sprintf("From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen%d@example.org>\r\n"+
		"To: someone@example.org\r\nSubject: %s\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"+
		"Message-ID: <msg-%d-%d@example.org>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+
		"Gr=C3=BC=C3=9Fe number %d.\r\nSecond line.\r\n", i, subject, time.Now().UnixNano(), i, i))
}

// memStore is a Store with History in memory that can be shared by two
// managers to simulate a restart.
type memStore struct {
	mu    sync.Mutex
	m     map[string][2]uint32
	times map[string][2]time.Time // last success, baseline
	keys  map[string][]uint64
}

func newMemStore() *memStore {
	return &memStore{m: map[string][2]uint32{}, times: map[string][2]time.Time{}, keys: map[string][]uint64{}}
}

func (s *memStore) Load(account, mailbox string) (uint32, uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[account+"\x00"+mailbox]
	return v[0], v[1], ok
}

func (s *memStore) Save(account, mailbox string, validity, next uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := account + "\x00" + mailbox
	s.m[k] = [2]uint32{validity, next}
	t := s.times[k]
	t[0] = time.Now()
	s.times[k] = t
}

func (s *memStore) LastSuccess(account, mailbox string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.times[account+"\x00"+mailbox][0]
}

func (s *memStore) Baseline(account, mailbox string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.times[account+"\x00"+mailbox][1]
}

func (s *memStore) SetBaseline(account, mailbox string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := account + "\x00" + mailbox
	t := s.times[k]
	t[1] = at
	s.times[k] = t
}

func (s *memStore) Announced(account, mailbox string) []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.keys[account+"\x00"+mailbox]...)
}

func (s *memStore) Announce(account, mailbox string, key uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := account + "\x00" + mailbox
	s.keys[k] = append(s.keys[k], key)
}

func (s *memStore) Rename(oldName, newName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range []any{s.m, s.times, s.keys} {
		renameKeys(m, oldName, newName)
	}
}

func (s *memStore) Forget(account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range []any{s.m, s.times, s.keys} {
		renameKeys(m, account, "")
	}
}

// renameKeys moves the entries of one account to another name ("" drops them).
func renameKeys(m any, from, to string) {
	move := func(k string) (string, bool) {
		acct, mbox, _ := strings.Cut(k, "\x00")
		return to + "\x00" + mbox, acct == from
	}
	switch m := m.(type) {
	case map[string][2]uint32:
		for k, v := range m {
			if nk, ok := move(k); ok {
				delete(m, k)
				if to != "" {
					m[nk] = v
				}
			}
		}
	case map[string][2]time.Time:
		for k, v := range m {
			if nk, ok := move(k); ok {
				delete(m, k)
				if to != "" {
					m[nk] = v
				}
			}
		}
	case map[string][]uint64:
		for k, v := range m {
			if nk, ok := move(k); ok {
				delete(m, k)
				if to != "" {
					m[nk] = v
				}
			}
		}
	}
}

// watermark is the saved next UID of a mailbox, 0 when none.
func (s *memStore) watermark(account, mailbox string) uint32 {
	_, n, _ := s.Load(account, mailbox)
	return n
}

// collector reads a manager's events into typed channels.
type collector struct {
	mails  chan *NewMail
	states chan *StateChange
	unseen chan *Unseen
	gone   chan *Gone
	done   chan struct{}
	seen   []*StateChange // states consumed by waitStatesOf
}

func collect(t *testing.T, m *Manager) *collector {
	c := &collector{
		mails:  make(chan *NewMail, 10000),
		states: make(chan *StateChange, 1000),
		unseen: make(chan *Unseen, 1000),
		gone:   make(chan *Gone, 100),
		done:   make(chan struct{}),
	}
	go func() {
		defer close(c.done)
		for ev := range m.Events() {
			switch ev := ev.(type) {
			case *NewMail:
				// The test is the front: a mail in its channel is
				// delivered, so the watermark has moved past it before
				// the test can read it (and then look at the Store).
				ev.Delivered()
				c.mails <- ev
			case *StateChange:
				t.Logf("state %s/%s: %s err=%v note=%q", ev.Account, ev.Mailbox, ev.State, ev.Err, ev.Note)
				select {
				case c.states <- ev:
				default: // tests that do not look at states must not stall
				}
			case *Unseen:
				select {
				case c.unseen <- ev:
				default:
				}
			case *Gone:
				select {
				case c.gone <- ev:
				default:
				}
			}
		}
	}()
	return c
}

// startManager runs a manager for one account until the test ends.
func startManager(t *testing.T, cfg Config, store Store) (*Manager, *collector) {
	t.Helper()
	m := NewManager(Options{Store: store, Logger: testLogger(t)})
	c := collect(t, m)
	m.Apply([]Config{cfg})
	t.Cleanup(func() { m.Close(); <-c.done })
	return m, c
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// waitState waits until a mailbox reaches the state s.
func (c *collector) waitState(t *testing.T, s State, timeout time.Duration) *StateChange {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev := <-c.states:
			if ev.State == s {
				return ev
			}
		case <-deadline:
			t.Fatalf("no state %s within %s", s, timeout)
			return nil
		}
	}
}

// waitStates waits until every mailbox named has reached its state.
func (c *collector) waitStates(t *testing.T, timeout time.Duration, want map[string]State) {
	t.Helper()
	deadline := time.After(timeout)
	for len(want) > 0 {
		select {
		case ev := <-c.states:
			if s, ok := want[ev.Mailbox]; ok && s == ev.State {
				delete(want, ev.Mailbox)
			}
		case <-deadline:
			t.Fatalf("within %s, these mailboxes did not reach their state: %v", timeout, want)
		}
	}
}

// waitStatesOf waits until every account named has reached its state, and
// records every state event it passes in c.seen for later checks.
func (c *collector) waitStatesOf(t *testing.T, timeout time.Duration, want map[string]State) {
	t.Helper()
	deadline := time.After(timeout)
	for len(want) > 0 {
		select {
		case ev := <-c.states:
			c.seen = append(c.seen, ev)
			if s, ok := want[ev.Account]; ok && s == ev.State {
				delete(want, ev.Account)
			}
		case <-deadline:
			t.Fatalf("within %s, these accounts did not reach their state: %v", timeout, want)
		}
	}
}

// waitMails waits for exactly n mails, then makes sure no more arrive for
// a short while (duplicates would).
func (c *collector) waitMails(t *testing.T, n int, timeout time.Duration) []*NewMail {
	t.Helper()
	var out []*NewMail
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case m := <-c.mails:
			out = append(out, m)
		case <-deadline:
			t.Fatalf("got %d mails within %s, want %d", len(out), timeout, n)
		}
	}
	return out
}

// untilSentinel delivers a marker message and returns every mail that came
// before it. Events of one mailbox are ordered, so a duplicate or a stray old
// mail would show up here: no sleeping needed to prove "nothing else came".
func (c *collector) untilSentinel(t *testing.T, srv server, user, mbox string, timeout time.Duration) []*NewMail {
	t.Helper()
	return c.untilSentinelFunc(t, func(msg []byte) { srv.deliver(t, user, mbox, msg) }, timeout)
}

// untilSentinelFunc is untilSentinel with the delivery given.
func (c *collector) untilSentinelFunc(t *testing.T, deliver func(msg []byte), timeout time.Duration) []*NewMail {
	t.Helper()
	subject := fmt.Sprintf("sentinel %d", time.Now().UnixNano())
	deliver(testMessage(0, subject))
	var out []*NewMail
	deadline := time.After(timeout)
	for {
		select {
		case m := <-c.mails:
			if m.Subject == subject {
				return out
			}
			out = append(out, m)
		case <-deadline:
			t.Fatalf("sentinel not seen within %s; got %d other mails", timeout, len(out))
		}
	}
}

// assertOnce checks that mails are exactly the subjects want, once each.
func assertOnce(t *testing.T, mails []*NewMail, want ...string) {
	t.Helper()
	count := map[string]int{}
	for _, m := range mails {
		count[m.Subject]++
	}
	for _, w := range want {
		if count[w] != 1 {
			t.Errorf("mail %q announced %d times, want 1", w, count[w])
		}
		delete(count, w)
	}
	for s, n := range count {
		t.Errorf("unexpected mail %q announced %d times", s, n)
	}
}

// traceWriter is the IMAP trace for debugging a scenario: IDLEBELL_TEST_TRACE=1.
func traceWriter() io.Writer {
	if os.Getenv("IDLEBELL_TEST_TRACE") == "1" {
		return os.Stderr
	}
	return nil
}
