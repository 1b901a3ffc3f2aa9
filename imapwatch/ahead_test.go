package imapwatch

import (
	"errors"
	"testing"
	"time"

	"idlebell/internal/badimap"
)

// An IDLE that goes wrong at DONE, with the UID FETCH of the new mail
// already written behind DONE: each ends as an IDLE ending so did before
// (the server's NO: poll for the rest of the session, on the same
// connection; a cut: reconnect, connection lost; silence: reconnect, timed
// out), and the mail is announced once.
func TestIdleEndFaultsWithFetchBehindDone(t *testing.T) {
	for _, tt := range []struct {
		name   string
		action badimap.Action
		conns  int   // connections made in all
		err    error // why the account reconnected; nil: it did not
	}{
		{"NO", badimap.Rewrite("OK IDLE completed", "NO IDLE failed"), 1, nil},
		{"cut", badimap.Cut(0), 2, ErrConnectionLost},
		{"silent", badimap.Stall(), 2, ErrTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, cfg := startBad(t, badimap.Behaviour{Name: "DONE " + tt.name,
				Rules: []*badimap.Rule{{Command: "DONE", Times: 1, Action: tt.action}}})
			cfg.CommandTimeout = 300 * time.Millisecond
			cfg.PollInterval = 50 * time.Millisecond
			_, c := faultManager(t, cfg, Options{MaxBackoff: 10 * time.Millisecond})
			c.waitState(t, StateIdle, wait)
			want := deliverN(t, srv, 1, "at done")
			next := StatePolling
			if tt.err != nil {
				next = StateReconnecting
			}
			ev := c.waitState(t, next, wait)
			if tt.err != nil && !errors.Is(ev.Err, tt.err) {
				t.Errorf("reconnecting because %v, want %v", ev.Err, tt.err)
			}
			assertOnce(t, c.untilSentinelFunc(t, badDeliver(t, srv), wait), want...)
			if n := len(srv.Conns()); n != tt.conns {
				t.Errorf("%d connections, want %d", n, tt.conns)
			}
		})
	}
}
