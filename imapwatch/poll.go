package imapwatch

import (
	"context"
	"fmt"
	"time"
)

// poll waits for the next poll tick and sends NOOP, which makes the server
// report EXISTS and flag changes through the unilateral handler.
func (s *session) poll(ctx context.Context, resync <-chan time.Time) (string, error) {
	w := s.w
	t := time.NewTimer(w.cfg.PollInterval)
	defer t.Stop()
	reason := "poll"
	select {
	case <-ctx.Done():
		return "shutdown", nil
	case <-s.c.Closed():
		return "", fmt.Errorf("poll: %w", errConnLost)
	case <-s.bye:
		return "", s.byeErr()
	case <-w.wake:
		return "", errWake
	case <-t.C:
	case <-resync:
		reason = "resync"
	case <-w.checkNow:
		reason = "check"
	}
	if err := s.await("noop", func() error { return s.c.Noop().Wait() }); err != nil {
		return "", s.commandErr("noop", err)
	}
	return reason, nil
}
