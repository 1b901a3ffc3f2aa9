package imapwatch

import (
	"context"
	"fmt"
	"time"
)

// poll waits for the next poll tick and sends NOOP, which makes the server
// report EXISTS and flag changes through the unilateral handler.
func (s *session) poll(ctx context.Context, resync <-chan time.Time) (wakeReason, error) {
	sv := s.sv
	t := time.NewTimer(sv.cfg.PollInterval)
	defer t.Stop()
	reason := wakePoll
	select {
	case <-ctx.Done():
		return wakeShutdown, nil
	case <-s.c.Closed():
		return wakeNone, fmt.Errorf("poll: %w", errConnLost)
	case <-s.bye:
		return wakeNone, s.byeErr()
	case <-sv.wake:
		return wakeNone, errWake
	case <-t.C:
	case <-resync:
		reason = wakeResync
	case <-sv.checkNow:
		reason = wakeCheck
	}
	if err := s.await("noop", func() error { return s.c.Noop().Wait() }); err != nil {
		return wakeNone, s.commandErr("noop", err)
	}
	return reason, nil
}
