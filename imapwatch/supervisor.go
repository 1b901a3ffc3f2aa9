package imapwatch

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// logoutGrace bounds the polite goodbye (DONE, LOGOUT) on shutdown.
const logoutGrace = 1500 * time.Millisecond

var (
	errConnLost = errors.New("connection lost")
	errWake     = errors.New("reconnecting after sleep")
	errTimeout  = errors.New("server did not answer in time")
)

// supervisor keeps one IMAP connection for one account. With one mailbox it
// IDLEs on it (or polls when the server lacks IDLE); with several it checks
// them in turn with STATUS (the folders beyond max_connections).
//
// run is its only goroutine; the account owns it and waits for it.
type supervisor struct {
	cfg       Config
	mailboxes []string
	store     Store
	events    chan<- Event
	logger    *slog.Logger

	// Each a capacity-1 "something happened" signal; sends never block.
	checkNow chan struct{}
	wake     chan struct{}

	marks map[string]*mark

	// refreshToken: the last session ended because the access token
	// expired; the next login asks for a new one first.
	refreshToken bool
}

func newSupervisor(cfg Config, mailboxes []string, store Store, events chan<- Event, logger *slog.Logger) *supervisor {
	return &supervisor{
		cfg: cfg, mailboxes: mailboxes, store: store, events: events,
		logger:   logger,
		checkNow: make(chan struct{}, 1),
		wake:     make(chan struct{}, 1),
		marks:    make(map[string]*mark),
	}
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

func (sv *supervisor) state(ctx context.Context, s State, err error, retryAt time.Time) {
	for _, mb := range sv.mailboxes {
		sv.send(ctx, &StateChange{Account: sv.cfg.Name, Mailbox: mb, State: s, Err: err, RetryAt: retryAt})
	}
}

// run supervises the connection: connect, watch, and on failure reconnect
// with backoff. Permanent errors park it until CheckNow. It returns when ctx
// is done.
func (sv *supervisor) run(ctx context.Context, b *backoff) {
	for {
		err := sv.runSession(ctx, b.reset)
		if ctx.Err() != nil {
			return
		}
		if IsPermanent(err) {
			sv.logger.Error("account failed", "mailboxes", sv.mailboxes, "err", err)
			sv.state(ctx, StateFailed, err, time.Time{})
			select {
			case <-ctx.Done():
				return
			case <-sv.checkNow:
				b.reset()
				continue
			}
		}
		delay := b.next()
		retryAt := time.Now().Add(delay)
		sv.logger.Warn("connection lost", "mailboxes", sv.mailboxes, "err", err, "retry_in", delay.Round(time.Millisecond))
		if delay > 0 {
			sv.state(ctx, StateReconnecting, err, retryAt)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-sv.checkNow:
			t.Stop()
		case <-sv.wake:
			t.Stop()
		}
	}
}
