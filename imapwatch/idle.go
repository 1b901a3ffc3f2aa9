package imapwatch

import (
	"context"
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func hasIdle(c *imapclient.Client) bool {
	caps := c.Caps()
	return caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2)
}

// watchOne keeps one mailbox: IDLE where the server has it, else polling.
func (s *session) watchOne(ctx context.Context, mbox string) error {
	sv := s.sv
	if err := s.examine(ctx, mbox, true); err != nil {
		return err
	}
	if err := s.unseen(ctx, mbox); err != nil {
		return err
	}
	useIdle := hasIdle(s.c)
	// Reported as idle once IDLE is accepted (in s.idle) or, for polling,
	// now; healthy (for the backoff) only after staying up.
	announced := false
	watching := func(st State) {
		if !announced {
			sv.state(ctx, st, nil, time.Time{})
			s.healthy(false)
			announced = true
		}
	}
	if !useIdle {
		watching(StatePolling)
	}
	resync := time.NewTimer(sv.resyncEvery)
	defer resync.Stop()
	// A FETCH written ahead and left unread would hold go-imap's reader
	// (and Close, which waits for it) once its answer comes.
	defer s.dropAhead()
	for {
		var reason wakeReason
		var err error
		if useIdle {
			reason, err = s.idle(ctx, resync.C, func() { watching(StateIdle) })
			var ierr *imap.Error
			if errors.As(err, &ierr) {
				// Advertised but refused: poll for the rest of this session.
				sv.logger.Warn("server refused IDLE, polling instead", "mailbox", mbox, "err", sv.secrets.redactErr(err))
				useIdle = false
				announced = false
				watching(StatePolling)
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
			found, err := s.recheck(ctx, mbox, reason == wakeCheck)
			if err != nil {
				return err
			}
			if reason == wakeResync {
				s.healthy(true)
				resync.Reset(sv.resynced(found))
			}
		case gotExists:
			// New mail: the fetch updates the unseen count from the flags.
			err := s.fetchNew(ctx, mbox, false)
			s.dropAhead() // written behind DONE, but nothing was to fetch
			if err != nil {
				return err
			}
			if gotFlags {
				if err := s.flagsChanged(ctx, mbox); err != nil {
					return err
				}
			}
		case gotFlags:
			// Read or deleted elsewhere.
			if err := s.flagsChanged(ctx, mbox); err != nil {
				return err
			}
		}
	}
}

// idle runs one IDLE command until something needs the connection, then
// ends it (DONE and its OK, bounded). It returns why it stopped. The start
// (IDLE until the server's "+") is bounded like any command. When new mail
// woke it, fetchNew's UID FETCH is written in the same write as DONE (see
// fetchAhead) and idle still waits for the IDLE's OK, so an IDLE that ends
// in an error ends as before; the FETCH is then read and dropped.
func (s *session) idle(ctx context.Context, resync <-chan time.Time, started func()) (wakeReason, error) {
	sv := s.sv
	var cmd *imapclient.IdleCommand
	err := s.await("idle", func() (err error) {
		cmd, err = s.c.Idle()
		return err
	})
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
	s.waiting.Store(true)
	for reason == wakeNone {
		select {
		case <-ctx.Done():
			reason = wakeShutdown
		case <-s.c.Closed():
			s.waiting.Store(false)
			cmd.Close()
			sv.droppedSilently()
			return wakeNone, s.commandErr("idle", ErrConnectionLost)
		case <-s.g.bye:
			s.waiting.Store(false)
			return wakeNone, s.byeErr()
		case <-s.exists:
			signal(s.exists) // keep it for the caller
			reason = wakeExists
		case <-s.flags:
			signal(s.flags)
			reason = wakeFlags
		case <-resync:
			reason = wakeResync
		case <-s.checkNow:
			reason = wakeCheck
		case now := <-live.C:
			// Any byte counts as life; after LivenessTimeout of silence the
			// server must answer DONE within CommandTimeout or we reconnect.
			if silent := s.quiet(now); silent < sv.cfg.LivenessTimeout {
				live.Reset(sv.cfg.LivenessTimeout - silent)
				continue
			}
			reason = wakeLiveness
		}
	}
	s.waiting.Store(false)
	// New mail: the UID FETCH goes out in DONE's write (fetchAhead), one
	// TLS record and no round trip for the IDLE's OK before it.
	ahead := reason == wakeExists && s.g != nil
	err = s.await("idle done", func() error {
		if ahead {
			s.g.hold()
		}
		err := cmd.Close()
		if ahead {
			if err == nil {
				s.fetchAhead()
			}
			if rerr := s.g.release(); err == nil {
				err = rerr
			}
		}
		if err != nil {
			return err
		}
		return cmd.Wait()
	})
	if err != nil {
		s.dropAhead()
		if reason == wakeLiveness {
			sv.droppedSilently()
			sv.logger.Warn("server silent, reconnecting", "mailbox", s.selected, "silent", s.quiet(time.Now()).Round(time.Millisecond))
		}
		return wakeNone, s.commandErr("idle done", err)
	}
	return reason, nil
}
