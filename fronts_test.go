//go:build !nogui

package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"idlebell/delivery"
	"idlebell/headless"
	"idlebell/imapwatch"
	"idlebell/settings"
	"idlebell/tray"
)

// recordingNotifier records every bubble, with ids from 1.
type recordingNotifier struct {
	mu   sync.Mutex
	sent []string
}

func (r *recordingNotifier) Notify(_ context.Context, n delivery.Notification) (uint32, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, fmt.Sprintf("replaces=%d %q %q sound=%q", n.ReplacesID, n.Title, n.Body, n.Sound))
	if n.ReplacesID != 0 {
		return n.ReplacesID, nil
	}
	return uint32(len(r.sent)), nil
}
func (r *recordingNotifier) Withdraw(context.Context, uint32) error { return nil }
func (r *recordingNotifier) Close() error                           { return nil }

// TestFrontsSameDecisions: for the same events and config, --headless
// --notify and the tray app show the same bubbles: notify, preview,
// max_bubbles, sound and catch-up mean the same in both.
func TestFrontsSameDecisions(t *testing.T) {
	mail := func(account string, uid uint32, catchUp bool) *imapwatch.NewMail {
		return &imapwatch.NewMail{Account: account, Mailbox: "INBOX", UID: uid, UIDValidity: 1, FromName: fmt.Sprintf("Sender %d", uid),
			Subject: fmt.Sprintf("<b>Subject</b> %d", uid), Preview: "preview", CatchUp: catchUp}
	}
	cfg := func(mut func(*settings.Config)) *settings.Config {
		c := settings.Default()
		for _, n := range []string{"Work", "Quiet"} {
			c.Accounts = append(c.Accounts, settings.NewAccount(n))
		}
		c.Accounts[1].Notify = false
		if mut != nil {
			mut(c)
		}
		return c
	}
	burst := func(n int) []imapwatch.Event {
		var evs []imapwatch.Event
		for i := range n {
			evs = append(evs, mail("Work", uint32(i+1), false))
		}
		return evs
	}
	tests := []struct {
		name   string
		cfg    *settings.Config
		events []imapwatch.Event
		want   int // bubbles
	}{
		{"burst over max_bubbles", cfg(nil), burst(6), 6},
		{"max_bubbles 1, no preview, no sound", cfg(func(c *settings.Config) {
			c.Notifications.MaxBubbles, c.Notifications.Preview, c.Notifications.Sound = 1, false, false
		}), burst(3), 3},
		{"notify = false", cfg(nil), []imapwatch.Event{mail("Quiet", 1, false), mail("Quiet", 2, false)}, 0},
		{"catch-up digest", cfg(nil), []imapwatch.Event{mail("Work", 1, true), mail("Work", 2, true), &imapwatch.Batch{Account: "Work", Mailbox: "INBOX", Count: 2, CatchUp: true}}, 1},
	}
	now := func() time.Time { return time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) }
	run := func(t *testing.T, pump *delivery.Pump, events chan imapwatch.Event, evs []imapwatch.Event) {
		for _, ev := range evs {
			events <- ev
		}
		close(events)
		if err := pump.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hn, tn := &recordingNotifier{}, &recordingNotifier{}
			hev, tev := make(chan imapwatch.Event, 16), make(chan imapwatch.Event, 16)
			var out bytes.Buffer
			h := headless.New(context.Background(), headless.Options{
				Delivery: delivery.Options{Events: hev, Config: tt.cfg, Now: now}, Out: &out, Notify: true, Notifier: hn})
			tr := tray.New(tray.Options{Delivery: delivery.Options{Events: tev, Config: tt.cfg, Now: now}, Config: tt.cfg})
			tr.Pump().UseNotifier(tn)
			run(t, h.Pump(), hev, tt.events)
			run(t, tr.Pump(), tev, tt.events)
			if !slices.Equal(hn.sent, tn.sent) {
				t.Errorf("headless showed\n%q\nthe tray\n%q", hn.sent, tn.sent)
			}
			if len(tn.sent) != tt.want {
				t.Errorf("%d bubbles, want %d: %q", len(tn.sent), tt.want, tn.sent)
			}
		})
	}
}
