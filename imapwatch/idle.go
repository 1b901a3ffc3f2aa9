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
	sv := s.sv
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
		sv.state(ctx, StatePolling, nil, time.Time{})
		healthy()
		announced = true
	}
	onIdle := func() {
		if !announced {
			sv.state(ctx, StateIdle, nil, time.Time{})
			healthy()
			announced = true
		}
	}
	resync := time.NewTicker(sv.cfg.ResyncInterval)
	defer resync.Stop()
	for {
		var reason wakeReason
		var err error
		if useIdle {
			reason, err = s.idle(ctx, resync.C, onIdle)
			var ierr *imap.Error
			if errors.As(err, &ierr) {
				// Advertised but refused: poll for the rest of this session.
				sv.logger.Warn("server refused IDLE, polling instead", "mailbox", mbox, "err", err)
				useIdle = false
				sv.state(ctx, StatePolling, nil, time.Time{})
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
		case reason == wakeResync || reason == wakeCheck:
			// A push may have been lost: ask without fetching the newest
			// message as "UID FETCH n:*" would.
			if err := s.recheck(ctx, mbox, reason == wakeCheck); err != nil {
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
func (s *session) idle(ctx context.Context, resync <-chan time.Time, started func()) (wakeReason, error) {
	sv := s.sv
	cmd, err := s.c.Idle()
	if err != nil {
		var ierr *imap.Error
		if errors.As(err, &ierr) {
			return wakeNone, err
		}
		return wakeNone, s.commandErr("idle", err)
	}
	started()
	live := time.NewTimer(sv.cfg.LivenessTimeout)
	defer live.Stop()
	reason := wakeNone
	for reason == wakeNone {
		select {
		case <-ctx.Done():
			reason = wakeShutdown
		case <-s.c.Closed():
			cmd.Close()
			return wakeNone, fmt.Errorf("idle: %w", errConnLost)
		case <-s.bye:
			return wakeNone, s.byeErr()
		case <-s.exists:
			signal(s.exists) // keep it for the caller
			reason = wakeExists
		case <-s.flags:
			signal(s.flags)
			reason = wakeFlags
		case <-resync:
			reason = wakeResync
		case <-sv.checkNow:
			reason = wakeCheck
		case <-sv.wake:
			cmd.Close()
			return wakeNone, errWake
		case now := <-live.C:
			// Any byte counts as life; after LivenessTimeout of silence the
			// server must answer DONE within CommandTimeout or we reconnect.
			if silent := s.lc.silentFor(now); silent < sv.cfg.LivenessTimeout {
				live.Reset(sv.cfg.LivenessTimeout - silent)
				continue
			}
			reason = wakeLiveness
		}
	}
	err = s.await("idle done", func() error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	})
	if err != nil {
		if reason == wakeLiveness {
			sv.logger.Warn("server silent, reconnecting", "mailbox", s.selected, "silent", s.lc.silentFor(time.Now()).Round(time.Millisecond))
		}
		return wakeNone, s.commandErr("idle done", err)
	}
	return reason, nil
}
