package delivery

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// maxPending bounds the bubble queue: a notification daemon that stopped
// answering must not grow memory. Bubbles beyond it are dropped and logged;
// the mail itself (hooks, the front's record) is never dropped.
const maxPending = 100

// maxTargets bounds the remembered bubbles; daemons close old ones anyway.
const maxTargets = 500

// actionTimeout bounds what a click runs in the background (Mark as read's
// connection; starting the mail program).
const actionTimeout = 30 * time.Second

// bubbler is the goroutine between the pump and the notification daemon.
// It owns every bubble id: which key an id replaces, which mail a click on
// an id opens, which id a withdrawn mail closes. Jobs come from the pump
// (show, withdraw) and from the notifier's signals (action, closed), in one
// queue, so they are handled in order.
type bubbler struct {
	p   *Pump
	cfg atomic.Pointer[settings.Config]

	mu      sync.Mutex
	queue   []job
	wake    chan struct{}
	quit    chan struct{}
	flushBy time.Time // set by stop: finish the queue, then return

	keys    map[string]uint32  // bubble key → notification id, for replaces_id
	targets map[uint32]*target // notification id → what its actions act on
	order   []uint32           // targets in insertion order, to bound the map
	byMail  map[MailRef]uint32 // a mail's own bubble

	wg sync.WaitGroup // action goroutines
}

type target struct {
	account string
	mail    *imapwatch.NewMail
	own     bool // the bubble is that mail's own (KindMail)
}

type job struct {
	show     *Bubble
	withdraw *MailRef
	action   *invoked
	closed   uint32
}

type invoked struct {
	id  uint32
	key string
}

func newBubbler(p *Pump) *bubbler {
	b := &bubbler{
		p: p, wake: make(chan struct{}, 1), quit: make(chan struct{}),
		keys: map[string]uint32{}, targets: map[uint32]*target{}, byMail: map[MailRef]uint32{},
	}
	b.cfg.Store(p.o.Config)
	return b
}

func (b *bubbler) setConfig(c *settings.Config) { b.cfg.Store(c) }

func (b *bubbler) push(j job, droppable bool) {
	b.mu.Lock()
	if droppable && len(b.queue) >= maxPending {
		b.mu.Unlock()
		b.p.logger.Warn("desktop notifications behind; bubble dropped")
		return
	}
	b.queue = append(b.queue, j)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

func (b *bubbler) show(bb Bubble)       { b.push(job{show: &bb}, true) }
func (b *bubbler) withdraw(ref MailRef) { b.push(job{withdraw: &ref}, true) }
func (b *bubbler) action(id uint32, key string) {
	b.push(job{action: &invoked{id, key}}, true)
}
func (b *bubbler) closed(id, _ uint32) { b.push(job{closed: id}, true) }

// run handles jobs until stop, then what is still queued until the flush
// deadline. ctx bounds every call and the action goroutines; its owner
// cancels it at the flush deadline, which also ends a call in flight.
func (b *bubbler) run(ctx context.Context) {
	for {
		b.mu.Lock()
		flushBy := b.flushBy
		if len(b.queue) == 0 {
			b.mu.Unlock()
			if !flushBy.IsZero() {
				return
			}
			select {
			case <-b.wake:
			case <-b.quit:
			}
			continue
		}
		j := b.queue[0]
		b.queue = b.queue[1:]
		b.mu.Unlock()
		if !flushBy.IsZero() && ctx.Err() != nil {
			b.p.logger.Warn("desktop notifications still queued at exit; not waiting longer")
			return
		}
		callCtx, cancel := context.WithTimeout(ctx, b.p.o.NotifyTimeout)
		b.handle(ctx, callCtx, j)
		cancel()
	}
}

// stop makes run finish the queue and return; the owner cancels run's ctx
// after grace.
func (b *bubbler) stop() {
	b.mu.Lock()
	b.flushBy = time.Now()
	b.mu.Unlock()
	close(b.quit)
}

func (b *bubbler) handle(ctx, callCtx context.Context, j job) {
	n := b.p.o.Notifier
	switch {
	case j.show != nil:
		b.notify(callCtx, *j.show)
	case j.withdraw != nil:
		id, ok := b.byMail[*j.withdraw]
		if !ok {
			return
		}
		delete(b.byMail, *j.withdraw)
		if err := n.Withdraw(callCtx, id); err != nil {
			b.p.logger.Warn("notification not withdrawn", "account", j.withdraw.Account, "err", err)
		}
	case j.closed != 0:
		if t := b.targets[j.closed]; t != nil && t.own {
			delete(b.byMail, refOf(t.mail))
		}
		delete(b.targets, j.closed)
	case j.action != nil:
		b.act(ctx, *j.action)
	}
}

// notify sends one bubble. A failed bubble is logged, not retried: the tray
// still shows the counts.
func (b *bubbler) notify(ctx context.Context, bb Bubble) {
	cfg := b.cfg.Load()
	n := Notification{Title: bb.Title, Body: bb.Body}
	switch bb.Kind {
	case KindMail, KindSummary, KindDigest:
		n.Category = "email.arrived"
		if cfg.Notifications.Sound {
			n.Sound = "message-new-email"
		}
		if b.p.o.Open != nil {
			n.Actions = append(n.Actions, Action{ActionOpen, i18n.T("Open")})
		}
		if bb.Kind == KindMail && b.p.o.MarkRead != nil {
			n.Actions = append(n.Actions, Action{ActionMarkRead, i18n.T("Mark as read")})
		}
	}
	if bb.Replace {
		n.ReplacesID = b.keys[bb.Key]
	}
	id, err := b.p.o.Notifier.Notify(ctx, n)
	if err != nil {
		b.p.logger.Warn("notification not shown", "account", bb.Account, "err", err)
		return
	}
	if id == 0 {
		return
	}
	if bb.Key != "" {
		b.keys[bb.Key] = id
	}
	if _, ok := b.targets[id]; !ok {
		b.order = append(b.order, id)
	}
	t := &target{account: bb.Account, mail: bb.Mail, own: bb.Kind == KindMail && bb.Mail != nil}
	b.targets[id] = t
	if t.own {
		b.byMail[refOf(bb.Mail)] = id
	}
	for len(b.order) > maxTargets {
		old := b.order[0]
		b.order = b.order[1:]
		if t := b.targets[old]; t != nil && t.own && b.byMail[refOf(t.mail)] == old {
			delete(b.byMail, refOf(t.mail))
		}
		delete(b.targets, old)
	}
}

// act runs what a click asked for, on a goroutine of its own bounded by
// ctx and actionTimeout.
func (b *bubbler) act(ctx context.Context, a invoked) {
	t, ok := b.targets[a.id]
	if !ok {
		return // not ours, or forgotten
	}
	cfg := b.cfg.Load()
	acct, ok := cfg.Account(t.account)
	if !ok {
		b.p.logger.Warn("bubble clicked, but its account is gone", "account", t.account)
		return
	}
	logger := b.p.logger.With("account", t.account)
	switch a.key {
	case ActionOpen:
		if b.p.o.Open == nil {
			return
		}
		m := t.mail
		if !t.own {
			m = nil // a summary or digest opens the mail program, not one message
		}
		b.wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, actionTimeout)
			defer cancel()
			if err := b.p.o.Open(ctx, acct, m); err != nil {
				logger.Warn("open mail failed", "err", err)
				title, body := i18n.T("Could not open the mail"), err.Error()
				if b.p.o.OpenProblem != nil {
					title, body = b.p.o.OpenProblem(err)
				}
				b.show(Bubble{Kind: KindProblem, Account: t.account, Title: SafeLine(title, maxTitleRunes), Body: SafeLine(body, maxBodyRunes)})
			}
		})
	case ActionMarkRead:
		if !t.own || b.p.o.MarkRead == nil {
			return
		}
		ref := refOf(t.mail)
		b.wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, actionTimeout)
			defer cancel()
			if err := b.p.o.MarkRead(ctx, acct, ref); err != nil {
				logger.Warn("mark as read failed", "mailbox", ref.Mailbox, "uid", ref.UID, "err", err)
				return
			}
			logger.Info("marked as read", "mailbox", ref.Mailbox, "uid", ref.UID)
			if b.p.o.AfterMarkRead != nil {
				b.p.o.AfterMarkRead(ref.Account)
			}
		})
	}
}
