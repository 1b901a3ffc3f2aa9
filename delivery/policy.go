package delivery

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// burstWindow is the "within a minute" of max_bubbles, and how long a
// summary lasts.
const burstWindow = time.Minute

// Caps for bubble text. Daemons truncate or wrap on their own; these keep a
// hostile header from filling the screen or the bus.
const (
	maxTitleRunes = 100
	maxBodyRunes  = 300
)

// BubbleKind says what a bubble stands for.
type BubbleKind int

const (
	KindMail    BubbleKind = iota // one message: click opens it, Mark as read
	KindSummary                   // a burst in one account, updated in place
	KindDigest                    // catch-up, or everything that came while paused
	KindProblem                   // idlebell could not do what was asked (a click found no mail program)
)

func (k BubbleKind) String() string {
	return [...]string{"mail", "summary", "digest", "problem"}[k]
}

// MailRef names one message for good: Mark as read acts on it, and a *Gone
// event for it withdraws its bubble.
type MailRef struct {
	Account     string
	Mailbox     string
	UIDValidity uint32
	UID         uint32
}

func refOf(m *imapwatch.NewMail) MailRef {
	return MailRef{Account: m.Account, Mailbox: m.Mailbox, UIDValidity: m.UIDValidity, UID: m.UID}
}

// Bubble is what the policy wants shown. Text is plain (not yet escaped,
// already cleaned and capped). When Replace is set, the bubble replaces the
// one last shown under the same Key (D-Bus replaces_id).
type Bubble struct {
	Kind    BubbleKind
	Key     string
	Replace bool
	Account string // what a click opens; "" for a digest across accounts
	Title   string
	Body    string
	// Mail is the message of a KindMail bubble (its click opens that
	// message), the first message of a summary or digest (a click opens the
	// account's mail program there), nil otherwise.
	Mail *imapwatch.NewMail
}

// Policy decides which bubbles new mail produces: one per message up to
// max_bubbles per account within a minute, then one summary, updated in
// place, for the rest of that minute; one digest per catch-up batch;
// nothing while paused, then one digest on resume. It is plain logic: no
// D-Bus, no clock of its own (every call takes now). It is not safe for
// concurrent use: the delivery Pump owns it.
type Policy struct {
	maxBubbles  int
	preview     bool
	quiet       map[string]bool // accounts with notify = false
	showAccount bool            // more than one account: bubbles name theirs

	accounts map[string]*burst
	catchUp  map[string][]*imapwatch.NewMail // by account + "\x00" + mailbox

	paused      bool
	pausedUntil time.Time // zero: until resumed
	held        []*imapwatch.NewMail
}

type burst struct {
	shown   []shownMail // single bubbles within the last minute
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
	first   *imapwatch.NewMail
	start   time.Time // the summary takes mail until start + burstWindow
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
	p.showAccount = len(cfg.Accounts) > 1
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
		Title:   SafeLine(i18n.N("%d new message in %s", "%d new messages in %s", len(held), len(held), b.Account), maxTitleRunes),
		Body:    SafeLine(i18n.T("while you were away — %s", SendersPhrase(senders(held))), maxBodyRunes),
		Mail:    held[0],
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
	if s := a.summary; s != nil && now.Sub(s.start) < burstWindow {
		s.count++
		s.senders = addSender(s.senders, senderOf(m))
		return []Bubble{p.summaryBubble(m.Account, s, true)}
	}
	a.summary = nil
	if len(a.shown) < p.maxBubbles {
		a.shown = append(a.shown, shownMail{at: now, sender: senderOf(m)})
		return []Bubble{p.mailBubble(m)}
	}
	// One more than max_bubbles within a minute: one summary of the burst
	// (the single bubbles shown included) that takes the mail of the next
	// minute, then single bubbles resume.
	s := &summary{key: fmt.Sprintf("summary/%s/%d", m.Account, now.UnixNano()), start: now, first: m}
	for _, sh := range a.shown {
		s.count++
		s.senders = addSender(s.senders, sh.sender)
	}
	s.count++
	s.senders = addSender(s.senders, senderOf(m))
	a.summary = s
	a.shown = nil
	return []Bubble{p.summaryBubble(m.Account, s, false)}
}

func (p *Policy) mailBubble(m *imapwatch.NewMail) Bubble {
	subject := SafeLine(m.Subject, maxBodyRunes)
	if subject == "" {
		subject = i18n.T("(no subject)")
	}
	body := subject
	if p.showAccount {
		body = SafeLine(m.Account, 40) + " · " + subject
	}
	if p.preview {
		if pv := SafeLine(m.Preview, maxBodyRunes); pv != "" {
			body += "\n" + pv
		}
	}
	if r := []rune(body); len(r) > maxBodyRunes {
		body = string(r[:maxBodyRunes-1]) + "…"
	}
	return Bubble{
		Kind:    KindMail,
		Account: m.Account,
		Title:   SafeLine(senderOf(m), maxTitleRunes),
		Body:    body,
		Mail:    m,
	}
}

func (p *Policy) summaryBubble(account string, s *summary, replace bool) Bubble {
	return Bubble{
		Kind:    KindSummary,
		Key:     s.key,
		Replace: replace,
		Account: account,
		Title:   SafeLine(i18n.N("%d new message in %s", "%d new messages in %s", s.count, s.count, account), maxTitleRunes),
		Body:    SafeLine(SendersPhrase(s.senders), maxBodyRunes),
		Mail:    s.first,
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

// Resume ends a pause: what came meanwhile becomes one digest, or the
// mail's own bubble when it was a single message.
func (p *Policy) Resume(now time.Time) []Bubble {
	if !p.paused {
		return nil
	}
	p.paused, p.pausedUntil = false, time.Time{}
	held := p.held
	p.held = nil
	switch len(held) {
	case 0:
		return nil
	case 1:
		return []Bubble{p.mailBubble(held[0])}
	}
	var order []string
	per := map[string]int{}
	for _, m := range held {
		if per[m.Account] == 0 {
			order = append(order, m.Account)
		}
		per[m.Account]++
	}
	var body string
	if len(order) == 1 {
		body = i18n.T("in %s", order[0]) + " " + SendersPhrase(senders(held))
	} else {
		parts := make([]string, len(order))
		for i, a := range order {
			parts[i] = fmt.Sprintf("%s: %d", a, per[a])
		}
		body = i18n.T("%s — %s", strings.Join(parts, " · "), SendersPhrase(senders(held)))
	}
	// A click opens the first account's mail program.
	return []Bubble{{
		Kind:    KindDigest,
		Key:     "paused",
		Account: order[0],
		Title:   SafeLine(i18n.N("%d new message while notifications were paused", "%d new messages while notifications were paused", len(held), len(held)), maxTitleRunes),
		Body:    SafeLine(body, maxBodyRunes),
		Mail:    held[0],
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
	if s := SafeLine(m.FromName, maxTitleRunes); s != "" {
		return s
	}
	if s := SafeLine(m.FromAddress, maxTitleRunes); s != "" {
		return s
	}
	return i18n.T("Unknown sender")
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
