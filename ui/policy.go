package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// burstWindow is the "within a minute" of max_bubbles.
const burstWindow = time.Minute

// BubbleKind says what a bubble stands for.
type BubbleKind int

const (
	KindMail    BubbleKind = iota // one message: click opens, Mark as read
	KindSummary                   // a burst in one account, updated in place
	KindDigest                    // catch-up, or everything that came while paused
)

// MailRef names one message for Mark as read.
type MailRef struct {
	Account     string
	Mailbox     string
	UIDValidity uint32
	UID         uint32
}

// Bubble is what the policy wants shown. Text is plain (not yet escaped,
// already cleaned and capped). When Replace is set, the bubble replaces the
// one last shown under the same Key (D-Bus replaces_id).
type Bubble struct {
	Kind    BubbleKind
	Key     string
	Replace bool
	Account string // for the click action; "" for a digest across accounts
	Title   string
	Body    string
	Mail    *MailRef // KindMail only
}

// Policy decides which bubbles new mail produces: one per message up to
// max_bubbles per account within a minute, then one summary that is updated
// in place; one digest per catch-up batch; nothing while paused, then one
// digest on resume. It is plain logic: no Fyne, no D-Bus, no clock of its
// own (every call takes now). It is not safe for concurrent use: the UI pump
// owns it.
type Policy struct {
	maxBubbles int
	preview    bool
	quiet      map[string]bool // accounts with notify = false

	accounts map[string]*burst
	catchUp  map[string][]*imapwatch.NewMail // by account + "\x00" + mailbox

	paused      bool
	pausedUntil time.Time // zero: until resumed
	held        []*imapwatch.NewMail
}

type burst struct {
	shown   []shownMail // single bubbles within the window
	summary *summary
}

type shownMail struct {
	at     time.Time
	sender string
}

type summary struct {
	key     string
	count   int
	senders []string
	last    time.Time
}

// NewPolicy returns a policy for cfg (nil: the defaults).
func NewPolicy(cfg *settings.Config) *Policy {
	p := &Policy{accounts: map[string]*burst{}, catchUp: map[string][]*imapwatch.NewMail{}}
	p.Configure(cfg)
	return p
}

// Configure applies the [notifications] options and each account's notify.
func (p *Policy) Configure(cfg *settings.Config) {
	if cfg == nil {
		cfg = settings.Default()
	}
	p.maxBubbles = cfg.Notifications.MaxBubbles
	if p.maxBubbles < 1 {
		p.maxBubbles = settings.DefaultMaxBubbles
	}
	p.preview = cfg.Notifications.Preview
	p.quiet = map[string]bool{}
	for _, a := range cfg.Accounts {
		if !a.Notify {
			p.quiet[a.Name] = true
		}
	}
}

// Mail is called for every NewMail event, in order. Catch-up mail is held
// until its Batch.
func (p *Policy) Mail(m *imapwatch.NewMail, now time.Time) []Bubble {
	if p.quiet[m.Account] {
		return nil
	}
	if m.CatchUp {
		k := m.Account + "\x00" + m.Mailbox
		p.catchUp[k] = append(p.catchUp[k], m)
		return nil
	}
	return p.deliver(m, now)
}

// Batch is called for every Batch event: it ends a fetch. A catch-up batch
// becomes one digest for the account (or a plain bubble for a single mail).
func (p *Policy) Batch(b *imapwatch.Batch, now time.Time) []Bubble {
	k := b.Account + "\x00" + b.Mailbox
	held := p.catchUp[k]
	delete(p.catchUp, k)
	switch len(held) {
	case 0:
		return nil
	case 1:
		return p.deliver(held[0], now)
	}
	if p.paused {
		p.held = append(p.held, held...)
		return nil
	}
	return []Bubble{{
		Kind:    KindDigest,
		Key:     "catchup/" + b.Account,
		Account: b.Account,
		Title:   safeLine(plural(len(held), "new message", "new messages")+" in "+b.Account, maxTitleRunes),
		Body:    safeLine("while you were away — "+sendersPhrase(senders(held)), maxBodyRunes),
	}}
}

// deliver shows m alone, or folds it into the account's summary.
func (p *Policy) deliver(m *imapwatch.NewMail, now time.Time) []Bubble {
	if p.paused {
		p.held = append(p.held, m)
		return nil
	}
	a := p.accounts[m.Account]
	if a == nil {
		a = &burst{}
		p.accounts[m.Account] = a
	}
	a.shown = slices.DeleteFunc(a.shown, func(s shownMail) bool { return now.Sub(s.at) >= burstWindow })
	if s := a.summary; s != nil && now.Sub(s.last) < burstWindow {
		s.count++
		s.senders = addSender(s.senders, senderOf(m))
		s.last = now
		return []Bubble{p.summaryBubble(m.Account, s, true)}
	}
	a.summary = nil
	if len(a.shown) < p.maxBubbles {
		a.shown = append(a.shown, shownMail{at: now, sender: senderOf(m)})
		return []Bubble{p.mailBubble(m)}
	}
	s := &summary{key: fmt.Sprintf("summary/%s/%d", m.Account, now.UnixNano()), last: now}
	for _, sh := range a.shown {
		s.count++
		s.senders = addSender(s.senders, sh.sender)
	}
	s.count++
	s.senders = addSender(s.senders, senderOf(m))
	a.summary = s
	return []Bubble{p.summaryBubble(m.Account, s, false)}
}

func (p *Policy) mailBubble(m *imapwatch.NewMail) Bubble {
	subject := safeLine(m.Subject, maxBodyRunes)
	if subject == "" {
		subject = "(no subject)"
	}
	body := subject
	if p.preview {
		if pv := safeLine(m.Preview, maxBodyRunes); pv != "" {
			body += "\n" + pv
		}
	}
	if r := []rune(body); len(r) > maxBodyRunes {
		body = string(r[:maxBodyRunes-1]) + "…"
	}
	return Bubble{
		Kind:    KindMail,
		Account: m.Account,
		Title:   safeLine(senderOf(m), maxTitleRunes),
		Body:    body,
		Mail:    &MailRef{Account: m.Account, Mailbox: m.Mailbox, UIDValidity: m.UIDValidity, UID: m.UID},
	}
}

func (p *Policy) summaryBubble(account string, s *summary, replace bool) Bubble {
	return Bubble{
		Kind:    KindSummary,
		Key:     s.key,
		Replace: replace,
		Account: account,
		Title:   safeLine(plural(s.count, "new message", "new messages")+" in "+account, maxTitleRunes),
		Body:    safeLine(sendersPhrase(s.senders), maxBodyRunes),
	}
}

// Pause holds every bubble until Resume, or until the time passed (zero:
// indefinitely). Counts in the tray still update: the policy only concerns
// bubbles.
func (p *Policy) Pause(until time.Time) {
	p.paused = true
	p.pausedUntil = until
}

// Paused reports whether bubbles are held, and until when (zero: until
// resumed).
func (p *Policy) Paused() (bool, time.Time) { return p.paused, p.pausedUntil }

// Resume ends a pause: what came meanwhile becomes one digest.
func (p *Policy) Resume(now time.Time) []Bubble {
	if !p.paused {
		return nil
	}
	p.paused, p.pausedUntil = false, time.Time{}
	held := p.held
	p.held = nil
	if len(held) == 0 {
		return nil
	}
	var order []string
	per := map[string]int{}
	for _, m := range held {
		if per[m.Account] == 0 {
			order = append(order, m.Account)
		}
		per[m.Account]++
	}
	account := ""
	where := ""
	if len(order) == 1 {
		account = order[0]
		where = "in " + order[0] + " "
	} else {
		parts := make([]string, len(order))
		for i, a := range order {
			parts[i] = fmt.Sprintf("%s: %d", a, per[a])
		}
		where = strings.Join(parts, " · ") + " — "
	}
	// Open the first account's mail client on a click.
	if account == "" {
		account = order[0]
	}
	return []Bubble{{
		Kind:    KindDigest,
		Key:     "paused",
		Account: account,
		Title:   safeLine(plural(len(held), "new message", "new messages")+" while notifications were paused", maxTitleRunes),
		Body:    safeLine(where+sendersPhrase(senders(held)), maxBodyRunes),
	}}
}

// Tick resumes an expired pause; the pump calls it when its pause timer
// fires (and may call it any time).
func (p *Policy) Tick(now time.Time) []Bubble {
	if p.paused && !p.pausedUntil.IsZero() && !now.Before(p.pausedUntil) {
		return p.Resume(now)
	}
	return nil
}

func senderOf(m *imapwatch.NewMail) string {
	if s := safeLine(m.FromName, maxTitleRunes); s != "" {
		return s
	}
	if s := safeLine(m.FromAddress, maxTitleRunes); s != "" {
		return s
	}
	return "Unknown sender"
}

func senders(ms []*imapwatch.NewMail) []string {
	var out []string
	for _, m := range ms {
		out = addSender(out, senderOf(m))
	}
	return out
}

func addSender(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
