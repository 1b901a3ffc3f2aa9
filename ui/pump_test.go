package ui

import (
	"context"
	"sync"
	"testing"
	"time"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// fakeNotifier records bubbles and hands out ids from 1.
type fakeNotifier struct {
	mu    sync.Mutex
	sent  []Notification
	close int
}

func (f *fakeNotifier) Notify(n Notification) (uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, n)
	if n.ReplacesID != 0 {
		return n.ReplacesID, nil
	}
	return uint32(len(f.sent)), nil
}

func (f *fakeNotifier) Close() error { f.close++; return nil }

// recordingView is a view that remembers what it was told.
type recordingView struct {
	events  []imapwatch.Event
	cfgs    []*settings.Config
	paused  bool
	pausedU time.Time
}

func (v *recordingView) apply(ev imapwatch.Event)                { v.events = append(v.events, ev) }
func (v *recordingView) setConfig(c *settings.Config, err error) { v.cfgs = append(v.cfgs, c) }
func (v *recordingView) setPaused(p bool, until time.Time)       { v.paused, v.pausedU = p, until }

func newTestPump(t *testing.T, cfg *settings.Config, o Options) (*pump, *fakeNotifier, *recordingView) {
	o.Config = cfg
	o.Logger = testLogger(t)
	v := &recordingView{}
	p := newPump(o, v, func(f func()) { f() }, func() time.Time { return t0 })
	fn := &fakeNotifier{}
	p.notifier = fn
	return p, fn, v
}

func TestPumpSummaryReplacesItsOwnID(t *testing.T) {
	p, fn, _ := newTestPump(t, cfgWith(1, false, "Work"), Options{})
	for i := range 4 {
		p.event(mail("Work", uint32(i+1), "S"))
	}
	if len(fn.sent) != 4 {
		t.Fatalf("sent %d bubbles, want 4", len(fn.sent))
	}
	if fn.sent[0].ReplacesID != 0 || fn.sent[1].ReplacesID != 0 {
		t.Errorf("first single and first summary replace %d, %d, want 0, 0", fn.sent[0].ReplacesID, fn.sent[1].ReplacesID)
	}
	if fn.sent[2].ReplacesID != 2 || fn.sent[3].ReplacesID != 2 {
		t.Errorf("summary updates replace %d, %d, want the summary's id 2", fn.sent[2].ReplacesID, fn.sent[3].ReplacesID)
	}
	keys := func(n Notification) []string {
		var ks []string
		for _, a := range n.Actions {
			ks = append(ks, a.Key)
		}
		return ks
	}
	if got := keys(fn.sent[0]); len(got) != 2 || got[0] != ActionOpen || got[1] != ActionMarkRead {
		t.Errorf("single bubble actions = %q, want default and mark-read", got)
	}
	if got := keys(fn.sent[1]); len(got) != 1 || got[0] != ActionOpen {
		t.Errorf("summary actions = %q, want default only", got)
	}
}

func TestPumpMarkReadActsOnThatMessage(t *testing.T) {
	type call struct {
		account, mailbox string
		uv, uid          uint32
	}
	calls := make(chan call, 1)
	w := &fakeWatcher{}
	p, _, _ := newTestPump(t, cfgWith(3, true, "Work"), Options{
		Watcher: w,
		MarkRead: func(ctx context.Context, a settings.Account, mailbox string, uv, uid uint32) error {
			calls <- call{a.Name, mailbox, uv, uid}
			return nil
		},
	})
	p.event(mail("Work", 41, "A"))
	p.event(mail("Work", 42, "B"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.action(ctx, invoked{id: 2, key: ActionMarkRead})
	p.action(ctx, invoked{id: 99, key: ActionMarkRead}) // not ours: ignored
	select {
	case c := <-calls:
		if c != (call{"Work", "INBOX", 7, 42}) {
			t.Errorf("MarkRead(%+v), want Work INBOX uidvalidity 7 uid 42", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("MarkRead not called")
	}
	p.wg.Wait()
	if len(w.checked) != 1 || w.checked[0] != "Work" {
		t.Errorf("after Mark as read CheckNow(%q), want Work (to refresh the count)", w.checked)
	}
	select {
	case c := <-calls:
		t.Errorf("unexpected MarkRead(%+v) for a bubble that is not ours", c)
	default:
	}
}

func TestPumpPauseAndStateToView(t *testing.T) {
	p, fn, v := newTestPump(t, cfgWith(3, true, "Work"), Options{})
	p.command(command{until: t0.Add(time.Hour)})
	if !v.paused || !v.pausedU.Equal(t0.Add(time.Hour)) {
		t.Errorf("view paused = %v until %v", v.paused, v.pausedU)
	}
	p.event(mail("Work", 1, "A"))
	p.event(&imapwatch.Unseen{Account: "Work", Mailbox: "INBOX", Count: 1})
	if len(fn.sent) != 0 {
		t.Errorf("bubbles while paused: %+v", fn.sent)
	}
	if len(v.events) != 1 {
		t.Errorf("view got %d events, want the Unseen (counts update while paused)", len(v.events))
	}
	p.command(command{resume: true})
	if v.paused || len(fn.sent) != 1 || fn.sent[0].Title != "1 new message while notifications were paused" {
		t.Errorf("after resume: paused %v, sent %+v", v.paused, fn.sent)
	}
	cfg := cfgWith(3, true, "Work", "Home")
	p.update(ConfigUpdate{Config: cfg})
	if len(v.cfgs) != 1 || v.cfgs[0] != cfg || p.cfg != cfg {
		t.Errorf("config update not passed on")
	}
}
