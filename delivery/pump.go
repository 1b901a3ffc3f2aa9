// Package delivery takes the watcher's events to the user, the same way for
// every front (the tray app and --headless): hooks, the bubble policy
// (max_bubbles, preview, notify, pause, digests), cleaned and escaped text,
// the notifier call off the event path with a timeout, clicks that open the
// mail, bubbles withdrawn when their mail is read elsewhere, and draining at
// shutdown. It imports no GUI toolkit.
//
// Data flow: the watcher's event channel → Pump.Run (one goroutine: hooks,
// the front's Write, the policy) → the bubble goroutine (D-Bus round trips,
// each bounded by Options.NotifyTimeout) → the notification daemon.
package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"idlebell/hooks"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// Defaults of Options.
const (
	DefaultNotifyTimeout = 5 * time.Second
	// drainTimeout bounds the wait for the watcher's last events at
	// shutdown; its own goodbye (LOGOUT) is bounded by 1.5 s.
	drainTimeout = 3 * time.Second
	// flushTimeout bounds how long shutdown waits for bubbles still queued.
	flushTimeout = 2 * time.Second
)

// Options wire a Pump. Only Events is required.
type Options struct {
	Events <-chan imapwatch.Event
	Config *settings.Config // nil: the defaults
	Hooks  *hooks.Runner    // nil: no hooks
	// Write is the front's own record of a new mail (headless: the JSON
	// line, written and flushed). It is called on the pump goroutine before
	// the mail counts as delivered; an error ends Run with that error.
	Write func(*imapwatch.NewMail) error
	// State receives every *StateChange, *Unseen and *Gone event, in order,
	// on the pump goroutine (the tray's model). It must not block.
	State func(imapwatch.Event)
	// PauseChanged tells the front that bubbles were paused or resumed,
	// on the pump goroutine. It must not block.
	PauseChanged func(paused bool, until time.Time)
	// Notifier shows the bubbles; nil: none (headless without --notify).
	// Run closes it when it returns.
	Notifier Notifier
	// Open is what a click on a bubble does: open that mail (m) in the
	// account's mail program; m is nil for a digest across accounts. It
	// is called on a goroutine of its own, bounded by its ctx. Its error
	// is logged and said in a short bubble (see OpenProblem). Nil: clicks
	// do nothing.
	Open func(ctx context.Context, a settings.Account, m *imapwatch.NewMail) error
	// OpenProblem is the bubble for a failed Open (title, body); nil: a
	// generic one.
	OpenProblem func(err error) (title, body string)
	// MarkRead sets \Seen on one message (the bubble's Mark as read); nil:
	// the button is not offered. Called like Open.
	MarkRead func(ctx context.Context, a settings.Account, m MailRef) error
	// AfterMarkRead runs after a successful MarkRead (the tray: CheckNow,
	// to refresh the count).
	AfterMarkRead func(account string)
	Logger        *slog.Logger
	Now           func() time.Time // nil: time.Now
	// NotifyTimeout bounds each call to the notification daemon (default
	// 5 s): a hung daemon delays no account and no Quit.
	NotifyTimeout time.Duration
}

// Pump delivers events. Run is its loop; Configure, Pause and Resume may be
// called from any goroutine.
type Pump struct {
	o      Options
	logger *slog.Logger
	policy *Policy

	mu      sync.Mutex
	nextCfg *settings.Config // the newest config not yet applied
	cfgWake chan struct{}    // capacity 1: a config is waiting
	cmds    chan command
	done    chan struct{} // closed when Run returns

	bubbles *bubbler
	// catchUp holds catch-up mail until its Batch when there are bubbles:
	// the digest that shows it is decided then, and only then is it
	// delivered.
	catchUp map[string][]*imapwatch.NewMail // by account + "\x00" + mailbox
}

type command struct {
	resume bool
	until  time.Time // pause until; zero: until resumed
}

// New returns a pump for o; call Run.
func New(o Options) *Pump {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NotifyTimeout <= 0 {
		o.NotifyTimeout = DefaultNotifyTimeout
	}
	if o.Config == nil {
		o.Config = settings.Default()
	}
	p := &Pump{
		o: o, logger: o.Logger,
		policy:  NewPolicy(o.Config),
		cfgWake: make(chan struct{}, 1),
		cmds:    make(chan command, 8),
		done:    make(chan struct{}),
		catchUp: map[string][]*imapwatch.NewMail{},
	}
	p.bubbles = newBubbler(p)
	return p
}

// UseNotifier sets the notifier after New (its Signals come from the pump).
// Call it before Run.
func (p *Pump) UseNotifier(n Notifier) { p.o.Notifier = n }

// Signals is what the Notifier reports back to: pass it to NewNotifier.
func (p *Pump) Signals() Signals {
	return Signals{Action: p.bubbles.action, Closed: p.bubbles.closed}
}

// Configure applies a reloaded config. It never blocks; of several updates
// made before the pump gets to them, the newest wins.
func (p *Pump) Configure(c *settings.Config) {
	if c == nil {
		return
	}
	p.mu.Lock()
	p.nextCfg = c
	p.mu.Unlock()
	select {
	case p.cfgWake <- struct{}{}:
	default:
	}
}

// Pause holds bubbles until Resume or until (zero: until resumed). It
// blocks only while the pump's small command buffer is full, and returns at
// once after Run ended.
func (p *Pump) Pause(until time.Time) { p.send(command{until: until}) }

// Resume ends a pause: what came meanwhile becomes one digest.
func (p *Pump) Resume() { p.send(command{resume: true}) }

func (p *Pump) send(c command) {
	select {
	case p.cmds <- c:
	case <-p.done:
	}
}

// Run reads every event until the channel is closed, and returns nil then.
// When ctx ends it goes on reading until the channel is closed (the owner
// closes the watcher on ctx: the events it handed on may have their
// watermarks saved already), for at most 3 s. Before returning it shows the
// bubbles still queued (at most 2 s more), waits for the clicks being acted
// on (their ctx ends), and closes the Notifier. It returns Write's error
// when Write fails.
func (p *Pump) Run(ctx context.Context) error {
	defer close(p.done)
	bctx, bcancel := context.WithCancel(context.Background())
	bubblesDone := make(chan struct{})
	go func() { // owned by Run: ends when stop is called below
		defer close(bubblesDone)
		p.bubbles.run(bctx)
	}()
	defer func() {
		p.bubbles.stop()
		cut := time.AfterFunc(flushTimeout, bcancel)
		<-bubblesDone
		cut.Stop()
		bcancel()
		p.bubbles.wg.Wait()
		if p.o.Notifier != nil {
			if err := p.o.Notifier.Close(); err != nil {
				p.logger.Debug("close notifier", "err", err)
			}
		}
	}()

	var pauseTimer *time.Timer
	var pauseC <-chan time.Time
	defer func() {
		if pauseTimer != nil {
			pauseTimer.Stop()
		}
	}()
	for {
		select {
		case ev, ok := <-p.o.Events:
			if done, err := p.take(ev, ok); done {
				return err
			}
		case <-p.cfgWake:
			p.mu.Lock()
			c := p.nextCfg
			p.nextCfg = nil
			p.mu.Unlock()
			if c != nil {
				p.policy.Configure(c)
				p.bubbles.setConfig(c)
			}
		case c := <-p.cmds:
			if c.resume {
				p.show(p.policy.Resume(p.o.Now()))
			} else {
				p.policy.Pause(c.until)
			}
			if pauseTimer != nil {
				pauseTimer.Stop()
				pauseTimer, pauseC = nil, nil
			}
			if paused, until := p.policy.Paused(); paused && !until.IsZero() {
				pauseTimer = time.NewTimer(until.Sub(p.o.Now()))
				pauseC = pauseTimer.C
			}
			p.pauseChanged()
		case <-pauseC:
			pauseTimer, pauseC = nil, nil
			p.show(p.policy.Tick(p.o.Now()))
			p.pauseChanged()
		case <-ctx.Done():
			return p.drain()
		}
	}
}

// take handles one receive from the event channel: done when the channel
// closed (err nil) or the event could not be handled (err says why).
func (p *Pump) take(ev imapwatch.Event, ok bool) (done bool, err error) {
	if !ok {
		return true, nil
	}
	if err := p.event(ev); err != nil {
		return true, err
	}
	return false, nil
}

// drain handles the events the watcher still hands on after ctx ended.
func (p *Pump) drain() error {
	deadline := time.NewTimer(drainTimeout)
	defer deadline.Stop()
	for {
		select {
		case ev, ok := <-p.o.Events:
			if done, err := p.take(ev, ok); done {
				return err
			}
		case <-deadline.C:
			p.logger.Warn("event channel still open at exit; not waiting longer")
			return nil
		}
	}
}

func (p *Pump) pauseChanged() {
	if p.o.PauseChanged != nil {
		paused, until := p.policy.Paused()
		p.o.PauseChanged(paused, until)
	}
}

// event handles one watcher event. Hooks see every event first; a new mail
// counts as delivered (NewMail.Delivered, so its watermark may pass it) once
// the front wrote it, its hooks are queued and its bubble is queued — for
// catch-up mail shown in bubbles, once its Batch queued the digest. Mail held by a pause is
// delivered when held: the user asked for quiet, the digest follows.
func (p *Pump) event(ev imapwatch.Event) error {
	p.logger.Debug("event", "type", fmt.Sprintf("%T", ev))
	switch e := ev.(type) {
	case *imapwatch.NewMail:
		if p.o.Write != nil {
			if err := p.o.Write(e); err != nil {
				return err
			}
		}
		if p.o.Hooks != nil {
			p.o.Hooks.Handle(ev)
		}
		p.show(p.policy.Mail(e, p.o.Now()))
		// Without a notifier nothing waits for the Batch: the line
		// written is the delivery, and a kill in a long catch-up repeats
		// only what was written since the last save, not all of it.
		if e.CatchUp && p.o.Notifier != nil {
			k := e.Account + "\x00" + e.Mailbox
			p.catchUp[k] = append(p.catchUp[k], e)
		} else {
			delivered(e)
		}
	case *imapwatch.Batch:
		p.logger.Debug("batch", "account", e.Account, "mailbox", e.Mailbox, "count", e.Count, "catch_up", e.CatchUp)
		if p.o.Hooks != nil {
			p.o.Hooks.Handle(ev)
		}
		p.show(p.policy.Batch(e, p.o.Now()))
		k := e.Account + "\x00" + e.Mailbox
		for _, m := range p.catchUp[k] {
			delivered(m)
		}
		delete(p.catchUp, k)
	default:
		if p.o.Hooks != nil {
			p.o.Hooks.Handle(ev)
		}
		if g, ok := goneRef(ev); ok {
			p.bubbles.withdraw(g)
		}
		if p.o.State != nil {
			p.o.State(ev)
		}
	}
	return nil
}

// show queues bubbles for the bubble goroutine; it never blocks.
func (p *Pump) show(bs []Bubble) {
	if p.o.Notifier == nil {
		return
	}
	for _, b := range bs {
		p.bubbles.show(b)
	}
}

// delivered tells the watcher that m reached the user, so its watermark
// may pass it.
func delivered(m *imapwatch.NewMail) { m.Delivered() }

// goneRef is the message a *Gone event names, if ev is one.
func goneRef(ev imapwatch.Event) (MailRef, bool) {
	g, ok := ev.(*imapwatch.Gone)
	if !ok {
		return MailRef{}, false
	}
	return MailRef{Account: g.Account, Mailbox: g.Mailbox, UIDValidity: g.UIDValidity, UID: g.UID}, true
}
