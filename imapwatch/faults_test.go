package imapwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"idlebell/internal/badimap"
)

// Faults a real server produces only now and then, played on demand by the
// misbehaving server. Each test asserts what a user would see: the mails
// announced, the state lines, the connections made, the memory used.

const badPassword = "pw-\"quoted\"-s3cret"

// startBad starts a misbehaving server with one user and returns a config
// for that user's account.
func startBad(t *testing.T, behaviours ...badimap.Behaviour) (*badimap.Server, Config) {
	t.Helper()
	s, err := badimap.Start(badimap.Options{}, behaviours...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.AddUser("alice", badPassword); err != nil {
		t.Fatal(err)
	}
	host, port := s.HostPort()
	return s, Config{Name: "bad", Host: host, Port: port, Security: SecurityNone, Username: "alice",
		Password: staticPassword(badPassword), CommandTimeout: 5 * time.Second, Trace: traceWriter(),
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute}
}

// faultManager runs a manager for one account with test knobs: a backoff
// capped at maxBackoff and a connection limit high enough not to matter
// unless the test is about it.
func faultManager(t *testing.T, cfg Config, opts Options) (*Manager, *collector) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	if opts.Store == nil {
		opts.Store = newMemStore()
	}
	if opts.connLimit == 0 {
		opts.connLimit, opts.connWindow = 1000, time.Minute
	}
	m := NewManager(opts)
	c := collect(t, m)
	m.Apply([]Config{cfg})
	t.Cleanup(func() { m.Close(); <-c.done })
	return m, c
}

// badDeliver delivers to alice's INBOX.
func badDeliver(t *testing.T, s *badimap.Server) func([]byte) {
	return func(msg []byte) {
		if _, err := s.Append("alice", "INBOX", msg); err != nil {
			t.Error(err)
		}
	}
}

// deliverN delivers n test mails and returns their subjects.
func deliverN(t *testing.T, s *badimap.Server, n int, prefix string) []string {
	t.Helper()
	var subjects []string
	for i := range n {
		subj := fmt.Sprintf("%s %d", prefix, i)
		subjects = append(subjects, subj)
		if _, err := s.Append("alice", "INBOX", testMessage(i, subj)); err != nil {
			t.Fatal(err)
		}
	}
	return subjects
}

// untilSubject returns the mails announced up to and including the one with
// subject last.
func (c *collector) untilSubject(t *testing.T, last string, timeout time.Duration) []*NewMail {
	t.Helper()
	deadline := time.After(timeout)
	var out []*NewMail
	for {
		select {
		case m := <-c.mails:
			out = append(out, m)
			if m.Subject == last {
				return out
			}
		case <-deadline:
			t.Fatalf("mail %q not announced within %s; got %d others", last, timeout, len(out))
		}
	}
}

// A connection cut in the middle of the UID FETCH answer: no mail is handed
// on blank, none is lost, none twice — 20 cuts at different places of the
// answer (in an envelope, in a literal, between two messages).
func TestCutFetchAnnouncesEveryMailOnce(t *testing.T) {
	rule := badimap.CutFetch(20, 30, 150, 300, 450, 600, 90, 520)
	srv, cfg := startBad(t, rule)
	_, c := faultManager(t, cfg, Options{MaxBackoff: 10 * time.Millisecond})
	c.waitState(t, StateIdle, wait)
	want := deliverN(t, srv, 20, "cut")
	got := c.untilSentinelFunc(t, badDeliver(t, srv), time.Minute)
	blank := 0
	for _, m := range got {
		if m.Subject == "" || m.FromAddress == "" {
			blank++
		}
	}
	if blank != 0 {
		t.Errorf("%d mails announced blank (no subject or sender), want 0", blank)
	}
	assertOnce(t, got, want...)
	if n := rule.Rules[0].Fired(); n != 20 {
		t.Errorf("the server cut %d FETCH answers, want 20", n)
	}
	t.Logf("20 cut FETCHes: %d mails announced, %d blank, %d connections", len(got), blank, len(srv.Conns()))
}

// peakHeap samples the heap until stop is closed and returns the largest
// value seen; above limit it calls over (once) so the test can end the flood.
func peakHeap(stop <-chan struct{}, limit uint64, over func()) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() { // ends when stop is closed
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak {
				if peak <= limit && ms.HeapAlloc > limit {
					over()
				}
				peak = ms.HeapAlloc
			}
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// A server that sends an endless line or announces a 4 GB literal (in the
// subject, or in the text although idlebell asked for a few hundred bytes)
// costs a bounded amount of memory: the connection is closed with a typed
// error before go-imap buffers it.
func TestHostileInputMemoryBounded(t *testing.T) {
	const limit = 64 << 20
	for _, b := range []badimap.Behaviour{
		badimap.EndlessSubject(),
		badimap.HugeLiteral("ENVELOPE"),
		badimap.HugeLiteral("BODY[TEXT]<0>"),
	} {
		t.Run(b.Name, func(t *testing.T) {
			srv, cfg := startBad(t, b)
			_, c := faultManager(t, cfg, Options{})
			c.waitState(t, StateIdle, wait)
			runtime.GC()
			stop := make(chan struct{})
			var once sync.Once
			peak := peakHeap(stop, limit, func() { once.Do(func() { srv.Close() }) })
			deliverN(t, srv, 1, "hostile")
			ev := c.waitState(t, StateReconnecting, wait)
			close(stop)
			p := <-peak
			t.Logf("%s: peak heap %.1f MiB; state reconnecting: %v", b.Name, float64(p)/(1<<20), ev.Err)
			if p > limit {
				t.Errorf("peak heap %.1f MiB, want at most %d MiB", float64(p)/(1<<20), limit>>20)
			}
			var tooLarge *ResponseTooLargeError
			if !errors.As(ev.Err, &tooLarge) {
				t.Errorf("reconnecting because %v, want a *ResponseTooLargeError", ev.Err)
			}
		})
	}
}

// A server that never answers LOGIN (every command gets an untagged OK, never
// a tag) leaves the account connecting only for ConnectTimeout; the state
// then says why.
func TestSilentLoginTimesOut(t *testing.T) {
	_, cfg := startBad(t, badimap.SilentLogin())
	cfg.ConnectTimeout = 300 * time.Millisecond
	_, c := faultManager(t, cfg, Options{})
	c.waitState(t, StateConnecting, wait)
	ev := c.waitState(t, StateReconnecting, wait)
	if !errors.Is(ev.Err, ErrTimeout) {
		t.Errorf("reconnecting because %v, want ErrTimeout", ev.Err)
	}
}

// A TLS handshake that never completes is bounded too.
func TestTLSHandshakeTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() { // ends when the listener is closed
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // accepted, never answered
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
	host, port := splitAddr(t, ln.Addr().String())
	cfg := Config{Name: "tls", Host: host, Port: port, Security: SecurityTLS, Username: "alice",
		Password: staticPassword("x"), ConnectTimeout: 300 * time.Millisecond,
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute}
	_, c := faultManager(t, cfg, Options{})
	ev := c.waitState(t, StateReconnecting, wait)
	if !errors.Is(ev.Err, ErrTimeout) {
		t.Errorf("reconnecting because %v, want ErrTimeout", ev.Err)
	}
}

// A server that goes silent just as idlebell sends IDLE, or in the middle of
// the UID FETCH after a push: the account reconnects (saying why) and the
// mail arrives; the state never said idle while nothing was idling.
func TestSilenceInCommandReconnects(t *testing.T) {
	for _, command := range []string{"IDLE", "UID FETCH"} {
		t.Run(command, func(t *testing.T) {
			srv, cfg := startBad(t, badimap.StallAfter(command, 1))
			cfg.CommandTimeout = 300 * time.Millisecond
			_, c := faultManager(t, cfg, Options{})
			if command == "UID FETCH" {
				c.waitState(t, StateIdle, wait)
				deliverN(t, srv, 1, "after silence")
			}
			// IDLE: connecting, (IDLE never started: no idle), reconnecting,
			// connecting, idle. FETCH: idle, reconnecting, connecting, idle.
			var states []State
			for {
				ev := c.waitAnyState(t, wait)
				states = append(states, ev.State)
				if ev.State == StateReconnecting && !errors.Is(ev.Err, ErrTimeout) {
					t.Errorf("reconnecting because %v, want ErrTimeout", ev.Err)
				}
				if ev.State == StateIdle {
					break
				}
			}
			if i := indexState(states, StateReconnecting); i < 0 {
				t.Errorf("states %v: want reconnecting before idle", states)
			}
			if command == "IDLE" {
				deliverN(t, srv, 1, "after silence")
			}
			assertOnce(t, c.untilSubject(t, "after silence 0", wait), "after silence 0")
		})
	}
}

func indexState(states []State, s State) int {
	for i, x := range states {
		if x == s {
			return i
		}
	}
	return -1
}

// waitAnyState returns the next state change.
func (c *collector) waitAnyState(t *testing.T, timeout time.Duration) *StateChange {
	t.Helper()
	select {
	case ev := <-c.states:
		return ev
	case <-time.After(timeout):
		t.Fatalf("no state change within %s", timeout)
		return nil
	}
}

// Check now reaches a connection stuck in a command: the connection is made
// anew at once and the mail arrives, long before the command timeout.
func TestCheckNowInterruptsStuckCommand(t *testing.T) {
	rule := badimap.StallAfter("UID FETCH", 1)
	srv, cfg := startBad(t, rule)
	cfg.CommandTimeout = time.Hour // only Check now can end the stall
	m, c := faultManager(t, cfg, Options{stuckAfter: 100 * time.Millisecond})
	c.waitState(t, StateIdle, wait)
	subjects := deliverN(t, srv, 1, "checked")
	waitFor(t, "the FETCH to stall", func() bool { return rule.Rules[0].Fired() == 1 })
	m.CheckNow(cfg.Name)
	if ev := c.waitState(t, StateReconnecting, wait); !errors.Is(ev.Err, ErrCheckNow) {
		t.Errorf("reconnecting because %v, want ErrCheckNow", ev.Err)
	}
	assertOnce(t, c.untilSubject(t, subjects[0], wait), subjects...)
}

// TestCheckNowLeavesConnectingAlone: Check now while the connection logs
// in (a config reload asks for one) does not drop it as stuck: the login
// has its own deadline, and a slow login is not a stuck one. Here the
// server never answers LOGIN, and the connect deadline ends it.
func TestCheckNowLeavesConnectingAlone(t *testing.T) {
	rule := badimap.StallAfter("LOGIN", 1)
	_, cfg := startBad(t, rule)
	cfg.ConnectTimeout = time.Second
	m, c := faultManager(t, cfg, Options{stuckAfter: 50 * time.Millisecond})
	waitFor(t, "the LOGIN to stall", func() bool { return rule.Rules[0].Fired() == 1 })
	m.CheckNow(cfg.Name)
	if ev := c.waitState(t, StateReconnecting, wait); !errors.Is(ev.Err, ErrTimeout) {
		t.Errorf("reconnecting because %v, want ErrTimeout (the login's deadline), not Check now", ev.Err)
	}
	c.waitState(t, StateIdle, wait)
}

// waitFor polls cond until it holds, with a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", wait, what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not a fixed wait
	}
}

// stepClock is a Clock whose time moves only when the test advances it to
// the next pending timer.
type stepClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []stepTimer
	changed chan struct{} // capacity 1: a timer was added
}

type stepTimer struct {
	at time.Time
	ch chan time.Time
}

func newStepClock() *stepClock {
	return &stepClock{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), changed: make(chan struct{}, 1)}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, stepTimer{at: c.now.Add(d), ch: ch})
	signal(c.changed)
	return ch
}

// pending waits until a timer due within horizon is set and returns when it
// is due; the clock does not move.
func (c *stepClock) pending(t *testing.T, horizon time.Duration) time.Time {
	t.Helper()
	deadline := time.After(wait)
	for {
		c.mu.Lock()
		var at time.Time
		for _, tm := range c.timers {
			if tm.at.Sub(c.now) <= horizon && (at.IsZero() || tm.at.Before(at)) {
				at = tm.at
			}
		}
		c.mu.Unlock()
		if !at.IsZero() {
			return at
		}
		select {
		case <-c.changed:
		case <-deadline:
			t.Fatalf("no timer due within %s was set within %s", horizon, wait)
		}
	}
}

// waitTimer waits until a timer due at at is set; the clock does not move.
func (c *stepClock) waitTimer(t *testing.T, at time.Time) {
	t.Helper()
	deadline := time.After(wait)
	for {
		c.mu.Lock()
		found := slices.ContainsFunc(c.timers, func(tm stepTimer) bool { return tm.at.Equal(at) })
		c.mu.Unlock()
		if found {
			return
		}
		select {
		case <-c.changed:
		case <-deadline:
			t.Fatalf("no timer due at %s was set within %s", at.Format(time.TimeOnly), wait)
		}
	}
}

// advance moves the clock to at and fires every timer due by then.
func (c *stepClock) advance(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(at) {
			tm.ch <- at
		} else {
			kept = append(kept, tm)
		}
	}
	c.timers = kept
}

// A server that accepts IDLE and closes at once: while no time passes, one
// retry only (immediate); the backoff grows although IDLE was accepted every
// time; never more than 10 connections in a minute; every reconnecting state
// gives the reason.
func TestNoReconnectStorm(t *testing.T) {
	srv, cfg := startBad(t, badimap.CloseAfterIdle())
	cfg.HealthyAfter = time.Hour
	clk := newStepClock()
	_, c := faultManager(t, cfg, Options{timers: clk, MaxBackoff: 2 * time.Second, connLimit: connLimit, connWindow: connWindow})
	start := clk.Now()
	// The first connection and the immediate retry, then a wait on the
	// clock: no third connection until time passes.
	at := clk.pending(t, time.Minute)
	if n := len(srv.Conns()); n != 2 {
		t.Errorf("connections before any time passed = %d, want 2", n)
	}
	// A minute of retries: connections are made right after the clock
	// moves, and the supervisor is waiting on the clock again when pending
	// returns, so the count is that of the minute.
	for at.Sub(start) < connWindow {
		clk.advance(at)
		at = clk.pending(t, time.Minute)
	}
	n := len(srv.Conns())
	t.Logf("connections in the first minute against close-after-IDLE: %d", n)
	if n > connLimit {
		t.Errorf("%d connections in a minute, want at most %d", n, connLimit)
	}
	reasons := 0
	for len(c.states) > 0 {
		ev := <-c.states
		if ev.State == StateReconnecting {
			if ev.Err == nil {
				t.Errorf("reconnecting state without a reason")
			}
			reasons++
		}
	}
	if reasons == 0 {
		t.Error("no reconnecting state")
	}
}

// A mail whose text holds a line "* BYE ..." is a mail, not the server
// saying goodbye: announced once, and no reconnect.
func TestByeLineInMailIsNotBye(t *testing.T) {
	srv, cfg := startBad(t)
	_, c := faultManager(t, cfg, Options{})
	c.waitState(t, StateIdle, wait)
	if _, err := srv.Append("alice", "INBOX", badimap.ByeInBody("server log")); err != nil {
		t.Fatal(err)
	}
	got := c.untilSubject(t, "server log", wait)
	assertOnce(t, got, "server log")
	if !strings.Contains(got[0].Preview, "BYE") {
		t.Errorf("preview %q: want the mail's text with its BYE line", got[0].Preview)
	}
	assertOnce(t, c.untilSentinelFunc(t, badDeliver(t, srv), wait))
	if n := len(srv.Conns()); n != 1 {
		t.Errorf("%d connections, want 1: a BYE line in a mail made idlebell reconnect", n)
	}
}

// A server that repeats the LOGIN arguments in its NO: the password appears
// in no state, no log line, no trace, no check result.
func TestServerTextRedacted(t *testing.T) {
	_, cfg := startBad(t, badimap.EchoLogin())
	var logs, trace bytes.Buffer
	var mu sync.Mutex
	cfg.Trace = lockedWriter{&mu, &trace}
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, c := faultManager(t, cfg, Options{Logger: logger})
	ev := c.waitState(t, StateFailed, wait)
	res := Check(context.Background(), cfg)
	mu.Lock()
	defer mu.Unlock()
	for what, text := range map[string]string{
		"state": ev.Err.Error(), "log": logs.String(), "trace": trace.String(), "check": fmt.Sprint(res.Err),
	} {
		for _, form := range []string{badPassword, `pw-\"quoted\"-s3cret`} {
			if strings.Contains(text, form) {
				t.Errorf("%s shows the password: %s", what, text)
			}
		}
	}
	if !errors.Is(ev.Err, ErrAuthFailed) || !errors.Is(res.Err, ErrAuthFailed) {
		t.Errorf("state %v, check %v: want ErrAuthFailed", ev.Err, res.Err)
	}
}

// A server that answers with kilobytes of words: the state, the log and
// check show at most maxServerText characters of them, marked as cut; the
// login and the folder's refusal are classified all the same.
func TestServerTextCut(t *testing.T) {
	long := "Login refused " + strings.Repeat("x", 3500)
	_, cfg := startBad(t, badimap.Behaviour{Name: "long refusals",
		Login: func(_ int, _, _ string) error {
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: long}
		}})
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, c := faultManager(t, cfg, Options{Logger: logger})
	ev := c.waitState(t, StateFailed, wait)
	res := Check(context.Background(), cfg)
	mu.Lock()
	defer mu.Unlock()
	cut := long[:maxServerText] + cutMark
	for what, text := range map[string]string{"state": ev.Err.Error(), "log": logs.String(), "check": fmt.Sprint(res.Err)} {
		if strings.Contains(text, long[:maxServerText+1]) || !strings.Contains(text, cut) {
			t.Errorf("%s does not cut the server's words after %d characters: %.400q…", what, maxServerText, text)
		}
	}
	if !errors.Is(ev.Err, ErrAuthFailed) || !errors.Is(res.Err, ErrAuthFailed) {
		t.Errorf("state %v, check %v: want ErrAuthFailed", ev.Err, res.Err)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Errors are classified by response code: only [NONEXISTENT] (or a NO
// without code for a mailbox LIST does not show) is a missing mailbox;
// "try again later" codes are retried; LOGINDISABLED is not a wrong
// password. The server's *imap.Error stays in the chain.
func TestErrorClassification(t *testing.T) {
	tests := []struct {
		name      string
		b         badimap.Behaviour
		mailbox   string
		permanent error // nil: retried, then idle
	}{
		{"unavailable", badimap.RefuseSelect(imap.ResponseCodeUnavailable, 1), "INBOX", nil},
		{"serverbug", badimap.RefuseSelect(imap.ResponseCodeServerBug, 1), "INBOX", nil},
		{"limit", badimap.RefuseSelect(imap.ResponseCodeLimit, 1), "INBOX", nil},
		{"inuse", badimap.RefuseSelect(imap.ResponseCodeInUse, 1), "INBOX", nil},
		{"no code, listed", badimap.RefuseSelect("", 1), "INBOX", nil},
		{"nonexistent", badimap.RefuseSelect(imap.ResponseCodeNonExistent, 0), "INBOX", ErrMailboxMissing},
		{"no code, not listed", badimap.RefuseSelect("", 0), "NoSuchBox", ErrMailboxMissing},
		{"noperm", badimap.RefuseSelect(imap.ResponseCodeNoPerm, 0), "INBOX", ErrMailboxDenied},
		{"logindisabled", badimap.LoginDisabled(), "INBOX", ErrAuthUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cfg := startBad(t, tt.b)
			cfg.Mailboxes = []string{tt.mailbox}
			_, c := faultManager(t, cfg, Options{MaxBackoff: 10 * time.Millisecond})
			if tt.permanent == nil {
				ev := c.waitState(t, StateReconnecting, wait)
				var ierr *imap.Error
				if IsPermanent(ev.Err) || !errors.As(ev.Err, &ierr) {
					t.Errorf("reconnecting because %v: want a temporary error with the server's *imap.Error", ev.Err)
				}
				c.waitState(t, StateIdle, wait)
				return
			}
			ev := c.waitState(t, StateFailed, wait)
			if !errors.Is(ev.Err, tt.permanent) {
				t.Errorf("failed because %v, want %v", ev.Err, tt.permanent)
			}
			if tt.permanent != ErrAuthFailed && errors.Is(ev.Err, ErrAuthFailed) {
				t.Errorf("failed because %v: not a wrong password", ev.Err)
			}
		})
	}
}

// Changing one account while it is slow to stop (its server never answers
// LOGOUT) does not hold up Check now: the manager does not keep its lock
// while it waits.
func TestCheckNowNotBlockedByStoppingAccount(t *testing.T) {
	stall := badimap.StallAfter("LOGOUT", 0)
	_, cfg := startBad(t, stall)
	m, c := faultManager(t, cfg, Options{})
	c.waitState(t, StateIdle, wait)
	changed := cfg
	changed.PollInterval = time.Hour
	applied := make(chan struct{})
	go func() {
		defer close(applied)
		m.Apply([]Config{changed})
	}()
	waitFor(t, "the old connection's LOGOUT", func() bool { return stall.Rules[0].Fired() > 0 })
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		m.CheckNow(cfg.Name)
	}()
	select {
	case <-checked:
	case <-applied:
		t.Error("CheckNow waited for Apply to finish stopping the account")
	}
	<-applied
	<-checked
}

// Wake (resume from sleep, a network change) reaches a connection stuck in
// its login: it is made anew at once, long before the connect timeout.
func TestWakeInterruptsStuckLogin(t *testing.T) {
	b := badimap.StallAfter("LOGIN", 1)
	srv, cfg := startBad(t, b)
	cfg.ConnectTimeout = time.Hour // only Wake can end the stall
	m, c := faultManager(t, cfg, Options{})
	waitFor(t, "the LOGIN to stall", func() bool { return b.Rules[0].Fired() == 1 })
	m.Wake()
	if ev := c.waitState(t, StateReconnecting, wait); !errors.Is(ev.Err, ErrWake) {
		t.Errorf("reconnecting because %v, want ErrWake", ev.Err)
	}
	c.waitState(t, StateIdle, wait)
	if n := len(srv.Conns()); n != 2 {
		t.Errorf("%d connections, want 2: the stuck one and its replacement", n)
	}
}
