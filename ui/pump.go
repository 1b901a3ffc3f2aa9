package ui

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"idlebell/imapwatch"
	"idlebell/internal/proc"
	"idlebell/settings"
)

// view is what the pump tells the tray. Its methods run on the Fyne
// goroutine: the pump only ever calls them inside its ui function
// (fyne.Do in the app, inline in tests).
type view interface {
	apply(ev imapwatch.Event)
	setConfig(cfg *settings.Config, err error)
	setPaused(paused bool, until time.Time)
}

// pump is the one goroutine between the watcher and the desktop: it reads
// every event in order (mail is never dropped), runs hooks, asks the policy
// which bubbles to show and shows them (D-Bus round trips, off the Fyne
// goroutine), and hands state to the tray through ui. It also owns the
// bubbles' ids, so clicks and buttons come back here.
type pump struct {
	o        Options
	policy   *Policy
	notifier Notifier
	view     view
	ui       func(func())
	now      func() time.Time
	logger   *slog.Logger

	cfg     *settings.Config
	keys    map[string]uint32 // bubble key → notification id, for replaces_id
	targets map[uint32]target // notification id → what its actions act on
	order   []uint32          // targets in insertion order, to bound the map

	cmds    chan command
	actions chan invoked
	closed  chan uint32
	done    chan struct{}

	wg sync.WaitGroup // action goroutines (open command, mark as read)
}

type target struct {
	account string
	mail    *MailRef
}

type command struct {
	resume bool
	until  time.Time // pause until; zero: until resumed
}

type invoked struct {
	id  uint32
	key string
}

// maxTargets bounds the remembered bubbles; daemons close old ones anyway.
const maxTargets = 500

func newPump(o Options, v view, ui func(func()), now func() time.Time) *pump {
	p := &pump{
		o: o, view: v, ui: ui, now: now, logger: o.Logger,
		cfg:     o.Config,
		policy:  NewPolicy(o.Config),
		keys:    map[string]uint32{},
		targets: map[uint32]target{},
		cmds:    make(chan command, 8),
		actions: make(chan invoked, 16),
		closed:  make(chan uint32, 16),
		done:    make(chan struct{}),
	}
	if p.cfg == nil {
		p.cfg = settings.Default()
	}
	return p
}

// onAction is the notifier's ActionFunc: it hands the click to the pump
// without blocking the notifier's signal loop, and never drops it.
func (p *pump) onAction(id uint32, key string) {
	select {
	case p.actions <- invoked{id, key}:
	default:
		go func() {
			select {
			case p.actions <- invoked{id, key}:
			case <-p.done:
			}
		}()
	}
}

// onClosed forgets a bubble the daemon closed; dropping one only delays that.
func (p *pump) onClosed(id uint32) {
	select {
	case p.closed <- id:
	default:
	}
}

// Pause and Resume are called from the Fyne goroutine (menu clicks). They
// block only while the pump's small command buffer is full.
func (p *pump) Pause(until time.Time) { p.send(command{until: until}) }
func (p *pump) Resume()               { p.send(command{resume: true}) }

func (p *pump) send(c command) {
	select {
	case p.cmds <- c:
	case <-p.done:
	}
}

// run is the pump's loop. It returns when ctx is done, after the action
// goroutines it started have finished (they are bounded by ctx too).
func (p *pump) run(ctx context.Context) {
	defer p.wg.Wait()
	defer close(p.done)
	events := p.o.Events
	updates := p.o.Updates
	var pauseTimer *time.Timer
	var pauseC <-chan time.Time
	defer func() {
		if pauseTimer != nil {
			pauseTimer.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				events = nil // watcher closed; keep serving the tray until ctx ends
				continue
			}
			p.event(ev)
		case u, ok := <-updates:
			if !ok {
				updates = nil
				continue
			}
			p.update(u)
		case c := <-p.cmds:
			p.command(c)
			if pauseTimer != nil {
				pauseTimer.Stop()
				pauseTimer, pauseC = nil, nil
			}
			if paused, until := p.policy.Paused(); paused && !until.IsZero() {
				pauseTimer = time.NewTimer(until.Sub(p.now()))
				pauseC = pauseTimer.C
			}
		case <-pauseC:
			pauseTimer, pauseC = nil, nil
			p.show(p.policy.Tick(p.now()))
			p.syncPause()
		case a := <-p.actions:
			p.action(ctx, a)
		case id := <-p.closed:
			delete(p.targets, id)
		}
	}
}

// event handles one watcher event. Hooks see every event first.
func (p *pump) event(ev imapwatch.Event) {
	p.logger.Debug("event", "type", fmt.Sprintf("%T", ev))
	if p.o.Hooks != nil {
		p.o.Hooks.Handle(ev)
	}
	switch e := ev.(type) {
	case *imapwatch.NewMail:
		p.show(p.policy.Mail(e, p.now()))
	case *imapwatch.Batch:
		p.show(p.policy.Batch(e, p.now()))
	case *imapwatch.StateChange, *imapwatch.Unseen:
		p.ui(func() { p.view.apply(ev) })
	}
}

func (p *pump) update(u ConfigUpdate) {
	if u.Err == nil && u.Config != nil {
		p.cfg = u.Config
		p.policy.Configure(u.Config)
	}
	p.ui(func() { p.view.setConfig(u.Config, u.Err) })
}

func (p *pump) command(c command) {
	if c.resume {
		p.show(p.policy.Resume(p.now()))
	} else {
		p.policy.Pause(c.until)
	}
	p.syncPause()
}

func (p *pump) syncPause() {
	paused, until := p.policy.Paused()
	p.ui(func() { p.view.setPaused(paused, until) })
}

// show sends bubbles, in order. A failed bubble is logged, not retried:
// the tray still shows the counts.
func (p *pump) show(bs []Bubble) {
	for _, b := range bs {
		n := Notification{Title: b.Title, Body: b.Body, Actions: []Action{{ActionOpen, "Open mail client"}}}
		if b.Mail != nil {
			n.Actions = append(n.Actions, Action{ActionMarkRead, "Mark as read"})
		}
		if b.Replace {
			n.ReplacesID = p.keys[b.Key]
		}
		id, err := p.notifier.Notify(n)
		if err != nil {
			p.logger.Warn("notification not shown", "account", b.Account, "err", err)
			continue
		}
		if id == 0 {
			continue
		}
		if b.Key != "" {
			p.keys[b.Key] = id
		}
		if _, ok := p.targets[id]; !ok {
			p.order = append(p.order, id)
		}
		p.targets[id] = target{account: b.Account, mail: b.Mail}
		for len(p.order) > maxTargets {
			delete(p.targets, p.order[0])
			p.order = p.order[1:]
		}
	}
}

// action runs what a click asked for, in the background.
func (p *pump) action(ctx context.Context, a invoked) {
	t, ok := p.targets[a.id]
	if !ok {
		return // not ours, or forgotten
	}
	switch a.key {
	case ActionOpen:
		acct, _ := p.cfg.Account(t.account)
		if err := openMailClient(p.cfg.EffectiveOpenCommand(acct)); err != nil {
			p.logger.Warn("open mail client", "account", t.account, "err", err)
		}
	case ActionMarkRead:
		if t.mail == nil || p.o.MarkRead == nil {
			return
		}
		acct, ok := p.cfg.Account(t.account)
		if !ok {
			p.logger.Warn("mark as read: account is gone", "account", t.account)
			return
		}
		m := *t.mail
		logger := p.logger.With("account", m.Account)
		p.wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := p.o.MarkRead(ctx, acct, m.Mailbox, m.UIDValidity, m.UID); err != nil {
				logger.Warn("mark as read failed", "mailbox", m.Mailbox, "uid", m.UID, "err", err)
				return
			}
			logger.Info("marked as read", "mailbox", m.Mailbox, "uid", m.UID)
			if p.o.Watcher != nil {
				p.o.Watcher.CheckNow(m.Account) // refresh the unread count
			}
		})
	}
}

// openMailClient runs command (see internal/proc: directly, or through sh
// or cmd.exe when it has shell syntax), or the desktop's mail handler when
// it is empty. It does not wait: the mail client outlives the click and
// idlebell (a goroutine reaps it).
func openMailClient(command string) error {
	open := func() (*proc.Cmd, error) { return proc.Opener("mailto:") }
	if command != "" {
		open = func() (*proc.Cmd, error) { return proc.Detached(command, proc.Auto) }
	}
	cmd, err := open()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
