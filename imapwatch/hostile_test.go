package imapwatch

import (
	"errors"
	"testing"
	"time"

	"idlebell/internal/badimap"
)

// A server that goes silent in the FETCH for a mail's Sender (its From
// names a group only), the second round trip of that mail: the account
// reconnects, saying why, and the mail arrives once, with its sender.
func TestSilenceInSenderFetchReconnects(t *testing.T) {
	stall := badimap.StallNth("UID FETCH", 2)
	srv, cfg := startBad(t, stall)
	cfg.CommandTimeout = 300 * time.Millisecond
	_, c := faultManager(t, cfg, Options{})
	c.waitState(t, StateIdle, wait)
	badDeliver(t, srv)(groupFromMessage("for the team"))
	ev := c.waitState(t, StateReconnecting, wait)
	if !errors.Is(ev.Err, ErrTimeout) {
		t.Errorf("reconnecting because %v, want ErrTimeout", ev.Err)
	}
	if n := stall.Rules[len(stall.Rules)-1].Fired(); n != 1 {
		t.Errorf("the server stalled %d FETCHes, want 1", n)
	}
	got := c.untilSubject(t, "for the team", wait)
	assertOnce(t, got, "for the team")
	if got[0].FromAddress != "bob@example.org" {
		t.Errorf("sender %q, want bob@example.org (from Sender)", got[0].FromAddress)
	}
}
