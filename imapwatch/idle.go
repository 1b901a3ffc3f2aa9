package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func hasIdle(c *imapclient.Client) bool {
	caps := c.Caps()
	return caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2)
}

// watchOne keeps one mailbox: IDLE where the server has it, else polling.
func (s *session) watchOne(ctx context.Context, mbox string, healthy func()) error {
	w := s.w
	if err := s.examine(ctx, mbox); err != nil {
		return err
	}
	if err := s.unseen(ctx, mbox); err != nil {
		return err
	}
	useIdle := hasIdle(s.c)
	// Healthy, and reported so, once IDLE is accepted (in s.idle) or, for
	// polling, now.
	announced := false
	if !useIdle {
		w.state(ctx, StatePolling, nil, time.Time{})
		healthy()
		announced = true
	}
	onIdle := func() {
		if !announced {
			w.state(ctx, StateIdle, nil, time.Time{})
			healthy()
			announced = true
		}
	}
	resync := time.NewTicker(w.cfg.ResyncInterval)
	defer resync.Stop()
	for {
		var reason string
		var err error
		if useIdle {
			reason, err = s.idle(ctx, resync.C, onIdle)
			var ierr *imap.Error
			if errors.As(err, &ierr) {
				// Advertised but refused: poll for the rest of this session.
				w.logger.Warn("server refused IDLE, polling instead", "mailbox", mbox, "err", err)
				useIdle = false
				w.state(ctx, StatePolling, nil, time.Time{})
				healthy()
				announced = true
				continue
			}
		} else {
			reason, err = s.poll(ctx, resync.C)
		}
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		gotFlags := drain(s.flags)
		gotExists := drain(s.exists)
		switch {
		case reason == "resync" || reason == "check":
			// A push may have been lost: ask without fetching the newest
			// message as "UID FETCH n:*" would.
			if err := s.recheck(ctx, mbox, reason == "check"); err != nil {
				return err
			}
		case gotExists:
			// New mail: the fetch updates the unseen count from the flags.
			if err := s.fetchNew(ctx, mbox, false); err != nil {
				return err
			}
			if gotFlags {
				if err := s.unseen(ctx, mbox); err != nil {
					return err
				}
			}
		case gotFlags:
			// Read or deleted elsewhere.
			if err := s.unseen(ctx, mbox); err != nil {
				return err
			}
		}
	}
}

// idle runs one IDLE command until something needs the connection, then
// ends it (DONE and its OK, bounded). It returns why it stopped.
func (s *session) idle(ctx context.Context, resync <-chan time.Time, started func()) (string, error) {
	w := s.w
	cmd, err := s.c.Idle()
	if err != nil {
		var ierr *imap.Error
		if errors.As(err, &ierr) {
			return "", err
		}
		return "", s.commandErr("idle", err)
	}
	started()
	live := time.NewTimer(w.cfg.LivenessTimeout)
	defer live.Stop()
	reason := ""
	for reason == "" {
		select {
		case <-ctx.Done():
			reason = "shutdown"
		case <-s.c.Closed():
			cmd.Close()
			return "", fmt.Errorf("idle: %w", errConnLost)
		case <-s.bye:
			return "", s.byeErr()
		case <-s.exists:
			signal(s.exists) // keep it for the caller
			reason = "exists"
		case <-s.flags:
			signal(s.flags)
			reason = "flags"
		case <-resync:
			reason = "resync"
		case <-w.checkNow:
			reason = "check"
		case <-w.wake:
			cmd.Close()
			return "", errWake
		case now := <-live.C:
			// Any byte counts as life; after LivenessTimeout of silence the
			// server must answer DONE within CommandTimeout or we reconnect.
			if silent := s.lc.silentFor(now); silent < w.cfg.LivenessTimeout {
				live.Reset(w.cfg.LivenessTimeout - silent)
				continue
			}
			reason = "liveness"
		}
	}
	err = s.await("idle done", func() error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	})
	if err != nil {
		if reason == "liveness" {
			w.logger.Warn("server silent, reconnecting", "mailbox", s.selected, "silent", s.lc.silentFor(time.Now()).Round(time.Millisecond))
		}
		return "", s.commandErr("idle done", err)
	}
	return reason, nil
}
