package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// runSession is one connection's life: connect, log in, watch. It returns
// why it ended. reason is why the previous one ended, for the state line.
//
// Connect, TLS, greeting and login are one step bounded by
// Config.ConnectTimeout; every later command is bounded by progress (see
// await). Wake and Check now reach the session through its interrupter in
// any state.
func (sv *supervisor) runSession(ctx context.Context, b *backoff, reason error) error {
	if err := sv.cfg.validate(); err != nil {
		return err
	}
	if !folderOnly(reason) {
		// A folder tried again after it failed keeps its StateFailed until
		// it is found: the user sees no "connecting" every folderRetry.
		sv.state(ctx, StateConnecting, reason, time.Time{})
	}
	s := &session{
		sv:       sv,
		started:  time.Now(),
		exists:   make(chan struct{}, 1),
		flags:    make(chan struct{}, 1),
		checkNow: make(chan struct{}, 1),
		backoff:  b,
	}
	sctx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel(nil)
	s.ctx = sctx
	wg.Add(1)
	go func() { // the interrupter: ends with the session
		defer wg.Done()
		s.interrupts(sctx, cancel)
	}()
	err := s.run(ctx, &wg)
	if cause := context.Cause(sctx); ctx.Err() == nil && (cause == ErrWake || cause == ErrCheckNow) {
		return cause
	}
	if s.g != nil {
		if e := s.g.tooLarge(); e != nil {
			return e
		}
	}
	return sv.secrets.redactErr(err)
}

// run connects, logs in and watches; the caller classifies what it returns.
func (s *session) run(ctx context.Context, wg *sync.WaitGroup) error {
	sv := s.sv
	// Called on go-imap's reader goroutine: must not block (STYLE habit 5).
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				signal(s.exists)
			}
		},
		Expunge: func(uint32) { signal(s.flags) },
		Fetch: func(msg *imapclient.FetchMessageData) {
			// Runs on its own goroutine (go-imap starts it); the data must
			// be consumed for the reader to go on.
			msg.Collect()
			signal(s.flags)
		},
	}
	trace, onSecret := redactingTrace(&sv.cfg)
	learn := func(secret string) {
		sv.secrets.add(secret)
		if onSecret != nil {
			onSecret(secret)
		}
	}
	step, stepDone := context.WithTimeout(s.ctx, sv.cfg.ConnectTimeout)
	defer stepDone()
	lk, err := dial(step, &sv.cfg, dialOptions{handler: handler, debug: trace})
	if err != nil {
		if step.Err() == context.DeadlineExceeded && s.ctx.Err() == nil {
			return fmt.Errorf("connect to %s: %w", sv.cfg.Addr(), ErrTimeout)
		}
		return err
	}
	c := lk.c
	s.c, s.g = c, lk.g
	s.lc.Store(lk.lc)
	// Interrupted: cut the connection at once, which unblocks whatever
	// waits (STYLE habit 2). Shutdown: a short polite goodbye first.
	stop := context.AfterFunc(s.ctx, func() {
		if ctx.Err() != nil {
			time.AfterFunc(logoutGrace, func() { c.Close() })
			return
		}
		c.Close()
	})
	defer stop()
	defer c.Close()

	loginStop := context.AfterFunc(step, func() { c.Close() })
	_, err = login(step, c, &sv.cfg, learn, sv.refreshToken)
	loginStop()
	if err != nil {
		if step.Err() == context.DeadlineExceeded && s.ctx.Err() == nil {
			return fmt.Errorf("login to %s: %w", sv.cfg.Addr(), ErrTimeout)
		}
		if e := s.g.tooLarge(); e != nil {
			return e
		}
		return err
	}
	stepDone()
	s.connected.Store(true)
	sv.refreshToken = false
	s.wg = wg
	defer s.logout()
	if len(sv.mailboxes) == 1 {
		return s.watchOne(s.ctx, sv.mailboxes[0])
	}
	return s.watchMany(s.ctx)
}

// session is the state of one connection.
type session struct {
	sv      *supervisor
	ctx     context.Context // ends when the session is interrupted or shut down
	wg      *sync.WaitGroup // the session's goroutines
	started time.Time
	backoff *backoff

	c  *imapclient.Client
	lc atomic.Pointer[liveConn] // set once connected; read by the interrupter
	g  *guard

	exists, flags chan struct{}
	// checkNow is Check now, handed on by the interrupter while the
	// session waits (IDLE, a poll interval): then it is a recheck.
	checkNow chan struct{}
	// waiting is true while the session waits for the server or a timer,
	// with no command of its own in flight.
	waiting atomic.Bool
	// connected is true once the login succeeded: before, the connection
	// is bounded by Config.ConnectTimeout, and slow is not stuck.
	connected atomic.Bool

	// ahead is a UID FETCH written behind IDLE's DONE, for fetchNew.
	ahead *aheadFetch

	healthyOnce sync.Once
	selected    string
	loggedOut   bool
}

// interrupts hands Wake and Check now to the session until ctx ends. Wake
// drops the connection at once (connections from before a sleep are presumed
// dead). Check now is a recheck while the session waits; while it runs a
// command, the connection is dropped and made anew once it has been silent
// for stuckAfter (a connection making progress is left to finish, and the
// check follows). While it connects and logs in, within
// Config.ConnectTimeout, nothing is dropped: the check follows once it is
// up (a login may take seconds; the deadline ends one that hangs).
func (s *session) interrupts(ctx context.Context, cancel context.CancelCauseFunc) {
	sv := s.sv
	var stuck <-chan time.Time
	pending := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-sv.wake:
			cancel(ErrWake)
			return
		case <-sv.checkNow:
			pending = true
		case <-stuck:
			stuck = nil
		}
		if !pending {
			continue
		}
		if s.waiting.Load() {
			signal(s.checkNow)
			pending = false
			continue
		}
		now := time.Now()
		if s.stuck(now) {
			cancel(ErrCheckNow)
			return
		}
		again := sv.stuckAfter // connecting: look again, it may be up by then
		if s.connected.Load() {
			again = max(sv.stuckAfter-s.quiet(now), 50*time.Millisecond)
		}
		stuck = time.After(again)
	}
}

// stuck reports whether Check now may drop the connection: logged in, and
// the server silent for stuckAfter in a command.
func (s *session) stuck(now time.Time) bool {
	return s.connected.Load() && s.quiet(now) >= s.sv.stuckAfter
}

// quiet is how long the server has sent nothing (or, before the connection
// is up, how long connecting has taken).
func (s *session) quiet(now time.Time) time.Duration {
	if lc := s.lc.Load(); lc != nil {
		return lc.silentFor(now)
	}
	return now.Sub(s.started)
}

// healthy marks the session healthy once it stayed up for HealthyAfter
// (call it when watching began), or at once with now (a resync completed):
// only then is the backoff reset.
func (s *session) healthy(now bool) {
	if now {
		s.healthyOnce.Do(s.backoff.reset)
		return
	}
	s.wg.Add(1)
	go func() { // ends with the session
		defer s.wg.Done()
		select {
		case <-s.ctx.Done():
		case <-s.sv.clk.After(s.sv.cfg.HealthyAfter):
			s.healthyOnce.Do(s.backoff.reset)
		}
	}()
}

// await waits for a command's answer, bounded by progress: when the server
// sends nothing for CommandTimeout, the connection is closed and await
// returns ErrTimeout. go-imap bounds a response once it has begun, but not
// the wait for its first byte.
func (s *session) await(what string, wait func() error) error {
	wd := s.watchdog()
	err := wait()
	if wd.stop() {
		return fmt.Errorf("%s: %w", what, ErrTimeout)
	}
	return err
}

// watchdog closes the connection when a command makes no progress: no byte
// from the server for CommandTimeout, not counting time spent paused (while
// idlebell itself, not the server, is slow: handing on an event).
type watchdog struct {
	s       *session
	mu      sync.Mutex
	t       *time.Timer
	touched time.Time
	paused  bool
	done    bool
	fired   bool
}

func (s *session) watchdog() *watchdog {
	wd := &watchdog{s: s, touched: time.Now()}
	wd.mu.Lock()
	wd.t = time.AfterFunc(s.sv.cfg.CommandTimeout, wd.check)
	wd.mu.Unlock()
	return wd
}

func (wd *watchdog) check() {
	wd.mu.Lock()
	defer wd.mu.Unlock()
	if wd.done {
		return
	}
	timeout := wd.s.sv.cfg.CommandTimeout
	if wd.paused {
		wd.t.Reset(timeout)
		return
	}
	now := time.Now()
	quiet := min(now.Sub(wd.touched), wd.s.quiet(now))
	if quiet < timeout {
		wd.t.Reset(timeout - quiet)
		return
	}
	wd.fired = true
	wd.s.c.Close()
}

// pause stops counting until resume: idlebell is busy, not the server.
func (wd *watchdog) pause() {
	wd.mu.Lock()
	wd.paused = true
	wd.mu.Unlock()
}

func (wd *watchdog) resume() {
	wd.mu.Lock()
	wd.paused = false
	wd.touched = time.Now()
	wd.mu.Unlock()
}

// stop ends the watch and reports whether it closed the connection.
func (wd *watchdog) stop() bool {
	wd.mu.Lock()
	defer wd.mu.Unlock()
	wd.done = true
	wd.t.Stop()
	return wd.fired
}

// byeErr ends a session the server said goodbye to: close at once (the
// server is going away; no LOGOUT) and reconnect.
func (s *session) byeErr() error {
	s.c.Close()
	s.loggedOut = true
	if s.sv.cfg.Token != nil && s.g.tokenExpired() {
		// Reconnect at once (the first retry is immediate) with a new token.
		s.sv.refreshToken = true
		return fmt.Errorf("server closed the session: access token expired: %w", ErrConnectionLost)
	}
	return fmt.Errorf("server closed the session (BYE): %w", ErrConnectionLost)
}

func (s *session) logout() {
	if s.loggedOut {
		return
	}
	t := time.AfterFunc(logoutGrace, func() { s.c.Close() })
	defer t.Stop()
	s.c.Logout().Wait()
}

// commandErr says why a command failed: the guard's limit, the lost
// connection, or the server's answer (redacted).
func (s *session) commandErr(what string, err error) error {
	if e := s.g.tooLarge(); e != nil {
		return fmt.Errorf("%s: %w", what, e)
	}
	if errors.Is(err, ErrTimeout) {
		return err
	}
	var ierr *imap.Error
	select {
	case <-s.c.Closed():
		return fmt.Errorf("%s: %w", what, ErrConnectionLost)
	default:
		if errors.Is(err, ErrConnectionLost) {
			return fmt.Errorf("%s: %w", what, ErrConnectionLost)
		}
		if !errors.As(err, &ierr) {
			// go-imap fails a command with something else than the server's
			// answer only when the connection is gone (a response broken
			// off, the socket closed); it reports Closed only after.
			return fmt.Errorf("%s: %w (%v)", what, ErrConnectionLost, s.sv.secrets.redactErr(err))
		}
	}
	return fmt.Errorf("%s: %w", what, s.sv.secrets.redactErr(err))
}

// wakeReason says why a wait on the connection (IDLE or a poll interval)
// ended and what the session does next.
type wakeReason int

const (
	wakeNone     wakeReason = iota
	wakeShutdown            // ctx done: the account stops
	wakeExists              // the server pushed EXISTS: fetch the new mail
	wakeFlags               // flags changed or a message was expunged: recount unread
	wakeResync              // the periodic resync is due
	wakeCheck               // the user asked to check now
	wakeLiveness            // the server was silent for LivenessTimeout
	wakePoll                // the poll interval passed (server without IDLE)
)

func (r wakeReason) String() string {
	switch r {
	case wakeShutdown:
		return "shutdown"
	case wakeExists:
		return "exists"
	case wakeFlags:
		return "flags"
	case wakeResync:
		return "resync"
	case wakeCheck:
		return "check"
	case wakeLiveness:
		return "liveness"
	case wakePoll:
		return "poll"
	}
	return "none"
}
