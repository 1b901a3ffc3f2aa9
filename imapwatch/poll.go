package imapwatch

import (
	"context"
	"time"
)

// poll waits for the next poll tick and sends NOOP, which makes the server
// report EXISTS and flag changes through the unilateral handler.
func (s *session) poll(ctx context.Context, resync <-chan time.Time) (wakeReason, error) {
	sv := s.sv
	t := time.NewTimer(sv.cfg.PollInterval)
	defer t.Stop()
	reason := wakePoll
	s.waiting.Store(true)
	select {
	case <-ctx.Done():
		reason = wakeShutdown
	case <-s.c.Closed():
		reason = wakeNone
	case <-s.g.bye:
		s.waiting.Store(false)
		return wakeNone, s.byeErr()
	case <-t.C:
	case <-resync:
		reason = wakeResync
	case <-s.checkNow:
		reason = wakeCheck
	}
	s.waiting.Store(false)
	switch reason {
	case wakeShutdown:
		return reason, nil
	case wakeNone:
		return wakeNone, s.commandErr("poll", ErrConnectionLost)
	}
	if err := s.await("noop", func() error { return s.c.Noop().Wait() }); err != nil {
		return wakeNone, s.commandErr("noop", err)
	}
	return reason, nil
}
