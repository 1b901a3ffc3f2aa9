package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"idlebell/imapwatch"
	"idlebell/settings"
)

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fakeNotifier records bubbles and hands out ids from 1. Each call is also
// sent to calls (when not nil), and blocks while hold is set until the
// call's ctx ends.
type fakeNotifier struct {
	mu        sync.Mutex
	sent      []Notification
	withdrawn []uint32
	calls     chan Notification
	hold      bool
	closed    bool
}

func (f *fakeNotifier) Notify(ctx context.Context, n Notification) (uint32, error) {
	f.mu.Lock()
	hold := f.hold
	f.sent = append(f.sent, n)
	id := uint32(len(f.sent))
	if n.ReplacesID != 0 {
		id = n.ReplacesID
	}
	f.mu.Unlock()
	if f.calls != nil {
		f.calls <- n
	}
	if hold {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	return id, nil
}

func (f *fakeNotifier) Withdraw(ctx context.Context, id uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.withdrawn = append(f.withdrawn, id)
	return nil
}

func (f *fakeNotifier) Close() error { f.mu.Lock(); f.closed = true; f.mu.Unlock(); return nil }

func (f *fakeNotifier) all() []Notification {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// runPump runs a pump over events until they are closed; wait returns Run's
// result.
func runPump(t *testing.T, o Options) (p *Pump, events chan imapwatch.Event, wait func() error) {
	t.Helper()
	events = make(chan imapwatch.Event, 64)
	o.Events = events
	o.Logger = testLogger(t)
	if o.Now == nil {
		o.Now = func() time.Time { return t0 }
	}
	p = New(o)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	var once sync.Once
	var err error
	wait = func() error {
		once.Do(func() {
			close(events)
			err = <-done
		})
		return err
	}
	t.Cleanup(func() { _ = wait() })
	return p, events, wait
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

func TestPumpSummaryReplacesItsOwnID(t *testing.T) {
	fn := &fakeNotifier{}
	_, events, wait := runPump(t, Options{Config: cfgWith(1, false, "Work"), Notifier: fn,
		Open:     func(context.Context, settings.Account, *imapwatch.NewMail) error { return nil },
		MarkRead: func(context.Context, settings.Account, MailRef) error { return nil }})
	for i := range 4 {
		events <- mail("Work", uint32(i+1), "S")
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	sent := fn.all()
	if len(sent) != 4 {
		t.Fatalf("sent %d bubbles, want 4", len(sent))
	}
	if sent[0].ReplacesID != 0 || sent[1].ReplacesID != 0 {
		t.Errorf("first single and first summary replace %d, %d, want 0, 0", sent[0].ReplacesID, sent[1].ReplacesID)
	}
	if sent[2].ReplacesID != 2 || sent[3].ReplacesID != 2 {
		t.Errorf("summary updates replace %d, %d, want the summary's id 2", sent[2].ReplacesID, sent[3].ReplacesID)
	}
	keys := func(n Notification) []string {
		var ks []string
		for _, a := range n.Actions {
			ks = append(ks, a.Key)
		}
		return ks
	}
	if got := keys(sent[0]); !slices.Equal(got, []string{ActionOpen, ActionMarkRead}) {
		t.Errorf("single bubble actions = %q, want default and mark-read", got)
	}
	if got := keys(sent[1]); !slices.Equal(got, []string{ActionOpen}) {
		t.Errorf("summary actions = %q, want default only", got)
	}
	if sent[0].Category != "email.arrived" || sent[0].Sound != "message-new-email" {
		t.Errorf("hints: category %q, sound %q; want email.arrived and message-new-email", sent[0].Category, sent[0].Sound)
	}
	if !fn.closed {
		t.Errorf("Run returned without closing the notifier")
	}
}

func TestPumpSoundOff(t *testing.T) {
	fn := &fakeNotifier{}
	c := cfgWith(3, false, "Work")
	c.Notifications.Sound = false
	_, events, wait := runPump(t, Options{Config: c, Notifier: fn})
	events <- mail("Work", 1, "A")
	_ = wait()
	if sent := fn.all(); len(sent) != 1 || sent[0].Sound != "" || sent[0].Category != "email.arrived" {
		t.Errorf("sound = false: %+v, want no sound-name, still the category", sent)
	}
}

// TestPumpHungNotifierDelaysNothing: while the notification daemon does not
// answer, mail goes on being delivered (the front's Write, hooks) and each
// call ends at the notify timeout.
func TestPumpHungNotifierDelaysNothing(t *testing.T) {
	fn := &fakeNotifier{hold: true, calls: make(chan Notification, 16)}
	written := make(chan uint32, 16)
	_, events, wait := runPump(t, Options{Config: cfgWith(3, false, "Work"), Notifier: fn, NotifyTimeout: time.Hour,
		Write: func(m *imapwatch.NewMail) error { written <- m.UID; return nil }})
	events <- mail("Work", 1, "A")
	recv(t, fn.calls, "Notify call") // the daemon now hangs on the first bubble
	for i := range 3 {
		events <- mail("Work", uint32(i+2), "B")
	}
	for want := uint32(1); want <= 4; want++ {
		if got := recv(t, written, "written mail"); got != want {
			t.Fatalf("written %d, want %d", got, want)
		}
	}
	// Shutdown is not held up by the hung call (bounded by the flush).
	if err := wait(); err != nil {
		t.Fatal(err)
	}
}

// TestPumpConfigNewestWins: of two config updates made before the pump gets
// to them, the second one applies.
func TestPumpConfigNewestWins(t *testing.T) {
	fn := &fakeNotifier{calls: make(chan Notification, 16)}
	events := make(chan imapwatch.Event, 4)
	p := New(Options{Events: events, Config: cfgWith(3, false, "Work"), Notifier: fn, Logger: testLogger(t), Now: func() time.Time { return t0 }})
	older, newer := cfgWith(3, false, "Work"), cfgWith(3, true, "Work")
	p.Configure(older)
	p.Configure(newer)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	// The pump applies a waiting config before an event that follows it
	// only by chance; wait until the policy shows the preview.
	for uid := uint32(1); ; uid++ {
		events <- mail("Work", uid, "A")
		n := recv(t, fn.calls, "bubble")
		if n.Body == fmt.Sprintf("subject %d\npreview", uid) {
			break
		}
		if uid > 1000 {
			t.Fatalf("bubble %q: the newer config (preview on) never applied", n.Body)
		}
	}
	close(events)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPumpClickOpensThatMail: a click on a mail's bubble opens that mail; a
// click on a summary opens the account without a message; a failed open
// says so in a bubble.
func TestPumpClickOpensThatMail(t *testing.T) {
	type open struct {
		account string
		uid     uint32
	}
	opened := make(chan open, 4)
	fn := &fakeNotifier{calls: make(chan Notification, 16)}
	fail := errors.New("no mail program")
	p, events, _ := runPump(t, Options{Config: cfgWith(1, false, "Work"), Notifier: fn,
		Open: func(ctx context.Context, a settings.Account, m *imapwatch.NewMail) error {
			var uid uint32
			if m != nil {
				uid = m.UID
			}
			opened <- open{a.Name, uid}
			if uid == 0 {
				return fail
			}
			return nil
		},
		OpenProblem: func(err error) (string, string) { return "No mail program found", "set open_command" },
	})
	events <- mail("Work", 41, "A")
	events <- mail("Work", 42, "B") // a summary, id 2
	recv(t, fn.calls, "bubble")
	recv(t, fn.calls, "summary")
	s := p.Signals()
	s.Action(1, ActionOpen)
	if got := recv(t, opened, "open"); got != (open{"Work", 41}) {
		t.Errorf("click on the mail's bubble opened %+v, want Work uid 41", got)
	}
	s.Action(99, ActionOpen) // not ours
	s.Action(2, ActionOpen)
	if got := recv(t, opened, "open"); got != (open{"Work", 0}) {
		t.Errorf("click on the summary opened %+v, want the account without a message", got)
	}
	n := recv(t, fn.calls, "problem bubble")
	if n.Title != "No mail program found" || n.Sound != "" || len(n.Actions) != 0 {
		t.Errorf("problem bubble = %+v, want the problem, no sound, no actions", n)
	}
}

func TestPumpMarkReadActsOnThatMessage(t *testing.T) {
	calls := make(chan MailRef, 1)
	checked := make(chan string, 1)
	fn := &fakeNotifier{calls: make(chan Notification, 16)}
	p, events, _ := runPump(t, Options{Config: cfgWith(3, true, "Work"), Notifier: fn,
		MarkRead: func(ctx context.Context, a settings.Account, m MailRef) error {
			calls <- m
			return nil
		},
		AfterMarkRead: func(account string) { checked <- account },
	})
	events <- mail("Work", 41, "A")
	events <- mail("Work", 42, "B")
	recv(t, fn.calls, "bubble")
	recv(t, fn.calls, "bubble")
	p.Signals().Action(2, ActionMarkRead)
	if c := recv(t, calls, "MarkRead"); c != (MailRef{"Work", "INBOX", 7, 42}) {
		t.Errorf("MarkRead(%+v), want Work INBOX uidvalidity 7 uid 42", c)
	}
	if a := recv(t, checked, "AfterMarkRead"); a != "Work" {
		t.Errorf("AfterMarkRead(%q), want Work", a)
	}
}

func TestPumpPauseAndState(t *testing.T) {
	fn := &fakeNotifier{calls: make(chan Notification, 16)}
	type pause struct {
		paused bool
		until  time.Time
	}
	pauses := make(chan pause, 4)
	states := make(chan imapwatch.Event, 4)
	p, events, _ := runPump(t, Options{Config: cfgWith(3, true, "Work"), Notifier: fn,
		PauseChanged: func(paused bool, until time.Time) { pauses <- pause{paused, until} },
		State:        func(ev imapwatch.Event) { states <- ev },
	})
	p.Pause(t0.Add(time.Hour))
	if got := recv(t, pauses, "pause"); !got.paused || !got.until.Equal(t0.Add(time.Hour)) {
		t.Errorf("PauseChanged(%+v), want paused for an hour", got)
	}
	events <- mail("Work", 1, "A")
	events <- &imapwatch.Unseen{Account: "Work", Mailbox: "INBOX", Count: 1}
	if _, ok := recv(t, states, "state").(*imapwatch.Unseen); !ok {
		t.Errorf("State got something else than the Unseen")
	}
	p.Resume()
	if got := recv(t, pauses, "resume"); got.paused {
		t.Errorf("PauseChanged(%+v) after Resume", got)
	}
	n := recv(t, fn.calls, "bubble after resume")
	if n.Title != "A" {
		t.Errorf("after resume: %+v, want the held mail's own bubble", n)
	}
	if sent := fn.all(); len(sent) != 1 {
		t.Errorf("bubbles: %+v, want only the one after resume", sent)
	}
}

// TestPumpDrainsAtShutdown: events the watcher handed on before it closed
// its channel are delivered even though ctx already ended.
func TestPumpDrainsAtShutdown(t *testing.T) {
	events := make(chan imapwatch.Event, 3)
	for i := range 3 {
		events <- mail("Work", uint32(i+1), "A")
	}
	close(events)
	var n int
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := New(Options{Events: events, Write: func(*imapwatch.NewMail) error { n++; return nil }, Logger: testLogger(t)})
	if err := p.Run(ctx); err != nil || n != 3 {
		t.Errorf("Run after ctx ended = %v and wrote %d mails, want nil and 3", err, n)
	}
}

func TestPumpWriteErrorEndsRun(t *testing.T) {
	events := make(chan imapwatch.Event, 1)
	events <- mail("Work", 1, "A")
	broken := errors.New("broken pipe")
	p := New(Options{Events: events, Write: func(*imapwatch.NewMail) error { return broken }})
	if err := p.Run(context.Background()); !errors.Is(err, broken) {
		t.Errorf("Run() = %v, want %v", err, broken)
	}
}
