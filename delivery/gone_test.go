package delivery

import (
	"slices"
	"testing"

	"idlebell/imapwatch"
)

// TestPumpGoneWithdrawsTheBubble: a mail read or deleted in another client
// (the watcher's Gone) closes that mail's bubble, and only that one.
func TestPumpGoneWithdrawsTheBubble(t *testing.T) {
	fn := &fakeNotifier{}
	_, events, wait := runPump(t, Options{Config: cfgWith(3, false, "Work"), Notifier: fn})
	events <- mail("Work", 1, "A")
	events <- mail("Work", 2, "B")
	events <- &imapwatch.Gone{Account: "Work", Mailbox: "INBOX", UIDValidity: 7, UID: 2, Reason: imapwatch.GoneSeen}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if !slices.Equal(fn.withdrawn, []uint32{2}) {
		t.Errorf("withdrawn bubbles = %v, want [2] (the second mail's)", fn.withdrawn)
	}
}
