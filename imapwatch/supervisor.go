package imapwatch

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// logoutGrace bounds the polite goodbye (DONE, LOGOUT) on shutdown.
const logoutGrace = 1500 * time.Millisecond

// stuckAfter is how long a connection must have been silent, connecting or
// in a command, for Check now to drop it and connect anew.
const stuckAfter = 2 * time.Second

// folderRetry is how often a folder the server does not have (or does not
// let the account read) is tried again: a folder deleted and created again
// in another client is watched again within this, and what arrived in it
// meanwhile announced. One login, or one STATUS on a shared connection, per
// folder and interval.
const folderRetry = 5 * time.Minute

// supervisor keeps one IMAP connection for one account. With one mailbox it
// IDLEs on it (or polls when the server lacks IDLE); with several it checks
// them in turn with STATUS (the folders beyond max_connections).
//
// run is its goroutine; the account owns it and waits for it. Each session
// adds an interrupter and a health timer, which end with the session.
type supervisor struct {
	cfg       Config
	mailboxes []string
	ledgers   *ledgers
	events    chan<- Event
	logger    *slog.Logger

	// Each a capacity-1 "something happened" signal; sends never block.
	checkNow chan struct{}
	wake     chan struct{}

	marks map[string]*mark

	// failed are the folders of a shared polling connection that failed
	// alone (missing, no permission), with why; the others go on, these
	// wait for Check now or retryFailedAt (folderRetry after they failed).
	// Only run's goroutine touches them.
	failed        map[string]error
	retryFailedAt time.Time
	// checks counts Check now requests (Manager.CheckNow); retried is the
	// count watchMany last saw, so that it tries failed folders again once
	// per request, whichever wait the request woke.
	checks  atomic.Uint64
	retried uint64

	// clk times backoff, the connection limit and health; limit is
	// shared by the account's supervisors.
	clk        Clock
	limit      *connLimiter
	stuckAfter time.Duration

	// secrets are the account's password and tokens as login learnt them:
	// server texts pass through them before they reach a log or the user.
	secrets *secretSet

	// reader reads the fetched data of new mail.
	reader *mailReader

	// resyncEvery is the current resync interval: it stretches while the
	// connection proves healthy (see Config.MaxResyncInterval).
	resyncEvery time.Duration

	// refreshToken: the last session ended because the access token
	// expired; the next login asks for a new one first.
	refreshToken bool
}

func newSupervisor(cfg Config, mailboxes []string, lg *ledgers, events chan<- Event, logger *slog.Logger, clk Clock, limit *connLimiter) *supervisor {
	secrets := &secretSet{}
	return &supervisor{
		cfg: cfg, mailboxes: mailboxes, ledgers: lg, events: events,
		logger:     logger,
		checkNow:   make(chan struct{}, 1),
		wake:       make(chan struct{}, 1),
		marks:      make(map[string]*mark),
		secrets:    secrets,
		reader:     &mailReader{text: &mailtextFuncs, logger: logger, secrets: secrets},
		clk:        clk,
		limit:      limit,
		stuckAfter: stuckAfter,

		resyncEvery: cfg.ResyncInterval,
	}
}

// requestCheck is Check now for this connection: counted, then signalled.
func (sv *supervisor) requestCheck() {
	sv.checks.Add(1)
	signal(sv.checkNow)
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func drain(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// send hands an event on. It blocks until the consumer takes it or ctx is
// done: mail events are never dropped, only abandoned at shutdown (and then
// the watermark was not advanced, so they come back as catch-up).
func (sv *supervisor) send(ctx context.Context, ev Event) bool {
	select {
	case sv.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// state reports the connection's state for each of its mailboxes but those
// that failed alone: they keep their own StateFailed until Check now. A
// watched mailbox whose saved state was lost says so (ErrStateLost).
func (sv *supervisor) state(ctx context.Context, s State, err error, retryAt time.Time) {
	for _, mb := range sv.mailboxes {
		if _, failed := sv.failed[mb]; failed {
			continue
		}
		e := err
		if m := sv.marks[mb]; e == nil && m != nil && (s == StateIdle || s == StatePolling) {
			e = m.lost
		}
		sv.send(ctx, &StateChange{Account: sv.cfg.Name, Mailbox: mb, State: s, Err: e, RetryAt: retryAt})
	}
}

// run supervises the connection: connect, watch, and on failure reconnect
// with backoff. Permanent errors park it until CheckNow; a missing or
// forbidden folder is also tried again every folderRetry, quietly while it
// fails the same way. It returns when ctx is done.
//
// A session counts as healthy (and resets the backoff) only once it stayed
// up for Config.HealthyAfter or completed a resync, so a server that accepts
// IDLE and drops the connection at once is retried ever more slowly; one
// that handed on new mail resets it too, so a link that cuts every answer
// is retried soon for as long as it still delivers; and
// whatever happens, the account makes at most connLimit connections per
// connWindow. Every reconnecting and connecting state carries the reason.
func (sv *supervisor) run(ctx context.Context, b *backoff) {
	var reason error // why the last session ended
	for {
		if wait := sv.limit.reserve(sv.clk.Now()); wait > 0 {
			sv.logger.Warn("connection limit reached, waiting", "mailboxes", sv.mailboxes,
				"limit", sv.limit.max, "per", sv.limit.window, "wait", wait.Round(time.Millisecond), "err", reason)
			sv.state(ctx, StateReconnecting, reason, sv.clk.Now().Add(wait))
			select {
			case <-ctx.Done():
				return
			case <-sv.clk.After(wait):
			}
			continue
		}
		err := sv.runSession(ctx, b, reason)
		if ctx.Err() != nil {
			return
		}
		same := reason != nil && err != nil && err.Error() == reason.Error()
		reason = err
		if IsPermanent(err) {
			var retry <-chan time.Time
			if folderOnly(err) {
				retry = sv.clk.After(folderRetry)
			}
			if folderOnly(err) && same {
				sv.logger.Debug("folder still failing", "mailboxes", sv.mailboxes, "err", err, "retry_in", folderRetry)
			} else {
				sv.logger.Error("account failed", "mailboxes", sv.mailboxes, "err", err)
				sv.state(ctx, StateFailed, err, time.Time{})
			}
			select {
			case <-ctx.Done():
				return
			case <-sv.checkNow:
				b.reset()
				continue
			case <-retry:
				continue
			}
		}
		delay := b.next()
		if errors.Is(err, ErrWake) || errors.Is(err, ErrCheckNow) {
			delay = 0 // asked for; the connection limit still applies
		}
		sv.logger.Warn("connection lost", "mailboxes", sv.mailboxes, "err", err, "retry_in", delay.Round(time.Millisecond))
		sv.state(ctx, StateReconnecting, err, sv.clk.Now().Add(delay))
		if delay <= 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-sv.clk.After(delay):
		case <-sv.checkNow:
		case <-sv.wake:
		}
	}
}

// connLimiter allows at most max connections in any window, over all the
// connections of one account. Safe for concurrent use.
type connLimiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	times []time.Time // the last max connection starts, oldest first
}

// Defaults of the connection limit: at most 10 connections per account in
// any minute, whatever the server does.
const (
	connLimit  = 10
	connWindow = time.Minute
)

func newConnLimiter(max int, window time.Duration) *connLimiter {
	return &connLimiter{max: max, window: window}
}

// reserve counts a connection starting at now and returns 0, or returns how
// long to wait before asking again (and counts nothing).
func (l *connLimiter) reserve(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.times) >= l.max {
		if wait := l.times[0].Add(l.window).Sub(now); wait > 0 {
			return min(wait, l.window) // a wall clock set back does not block for longer
		}
		l.times = l.times[1:]
	}
	l.times = append(l.times, now)
	return 0
}
