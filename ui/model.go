package ui

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// IconState is what the tray icon shows.
type IconState int

const (
	IconQuiet     IconState = iota // connected, nothing unread
	IconUnread                     // a count on the bell
	IconAttention                  // an account failed, or the config is broken
	IconPaused                     // bubbles paused
)

func (s IconState) String() string {
	return [...]string{"quiet", "unread", "attention", "paused"}[s]
}

// mailboxView is one watched folder's connection as last reported.
type mailboxView struct {
	state   imapwatch.State
	err     error
	retryAt time.Time
	unseen  uint32
	counted bool // an Unseen event arrived
}

// accountView is an account as the tray shows it.
type accountView struct {
	name      string
	host      string
	enabled   bool
	mailboxes map[string]*mailboxView
}

// model is the tray's state: accounts, unread counts, pause, config errors.
// It lives on the Fyne goroutine (apply is called through fyne.Do), so it
// has no lock. It knows nothing about widgets: the tray renders it.
type model struct {
	cfg         *settings.Config
	cfgErr      error
	demo        bool
	order       []string
	accounts    map[string]*accountView
	paused      bool
	pausedUntil time.Time
	signIns     map[string]*signIn // browser sign-ins the tray started, by account
}

// signIn is a browser sign-in for one account: running, or how the last
// one failed (shown while the account still needs a sign-in).
type signIn struct {
	running bool
	err     error
}

func newModel(cfg *settings.Config, cfgErr error, demo bool) *model {
	m := &model{accounts: map[string]*accountView{}, signIns: map[string]*signIn{}, demo: demo}
	m.setConfig(cfg, cfgErr)
	return m
}

// setConfig shows a (re)loaded config. A config that failed to load keeps
// the accounts of the running one and turns the icon to attention.
func (m *model) setConfig(cfg *settings.Config, err error) {
	m.cfgErr = err
	if cfg == nil {
		return
	}
	m.cfg = cfg
	old := m.accounts
	m.accounts = map[string]*accountView{}
	m.order = m.order[:0]
	for _, a := range cfg.Accounts {
		v := old[a.Name]
		if v == nil {
			v = &accountView{name: a.Name, mailboxes: map[string]*mailboxView{}}
		}
		v.host, v.enabled = a.Host, a.Enabled
		if !a.Enabled {
			v.mailboxes = map[string]*mailboxView{}
		}
		m.accounts[a.Name] = v
		m.order = append(m.order, a.Name)
	}
}

// apply folds one watcher event into the model. NewMail and Batch change
// nothing here (counts come with Unseen); they are for the notifier.
func (m *model) apply(ev imapwatch.Event) {
	switch e := ev.(type) {
	case *imapwatch.StateChange:
		v := m.accounts[e.Account]
		if v == nil {
			return // removed meanwhile
		}
		if e.State == imapwatch.StateStopped {
			delete(v.mailboxes, e.Mailbox)
			return
		}
		mb := v.mailbox(e.Mailbox)
		mb.state, mb.err, mb.retryAt = e.State, e.Err, e.RetryAt
	case *imapwatch.Unseen:
		v := m.accounts[e.Account]
		if v == nil {
			return
		}
		mb := v.mailbox(e.Mailbox)
		mb.unseen, mb.counted = e.Count, true
	}
}

func (v *accountView) mailbox(name string) *mailboxView {
	mb := v.mailboxes[name]
	if mb == nil {
		mb = &mailboxView{state: imapwatch.StateConnecting}
		v.mailboxes[name] = mb
	}
	return mb
}

// unread sums the account's folders; ok is false before any count came.
func (v *accountView) unread() (n int, ok bool) {
	for _, mb := range v.mailboxes {
		if mb.counted {
			n += int(mb.unseen)
			ok = true
		}
	}
	return n, ok
}

// worst is the folder whose state speaks for the account: failed before
// reconnecting before connecting before connected. Ties go to the first name.
func (v *accountView) worst() (string, *mailboxView) {
	rank := func(s imapwatch.State) int {
		switch s {
		case imapwatch.StateFailed:
			return 4
		case imapwatch.StateReconnecting:
			return 3
		case imapwatch.StateConnecting:
			return 2
		case imapwatch.StatePolling:
			return 1
		}
		return 0
	}
	names := make([]string, 0, len(v.mailboxes))
	for n := range v.mailboxes {
		names = append(names, n)
	}
	sort.Strings(names)
	var best *mailboxView
	bestName := ""
	for _, n := range names {
		mb := v.mailboxes[n]
		if best == nil || rank(mb.state) > rank(best.state) {
			best, bestName = mb, n
		}
	}
	return bestName, best
}

// status is the part of the menu line after the name: "3 unread ·
// connected", "reconnecting in 20 s", "login failed: check the password".
func (v *accountView) status(now time.Time) string {
	if !v.enabled {
		return "disabled"
	}
	_, mb := v.worst()
	if mb == nil {
		return "connecting…"
	}
	var state string
	switch mb.state {
	case imapwatch.StateFailed:
		return sentence(mb.err)
	case imapwatch.StateReconnecting:
		secs := int(mb.retryAt.Sub(now).Round(time.Second) / time.Second)
		s := retryIn(secs)
		if mb.err != nil {
			s += " (" + sentence(mb.err) + ")"
		}
		return s
	case imapwatch.StateConnecting:
		state = "connecting…"
	case imapwatch.StatePolling:
		state = "connected (polling)"
	default:
		state = "connected"
	}
	if n, ok := v.unread(); ok {
		return fmt.Sprintf("%d unread · %s", n, state)
	}
	return state
}

// needsSignIn reports whether the account stopped because its OAuth2
// sign-in is missing or was refused: the menu then offers "Sign in again…".
func (v *accountView) needsSignIn() bool {
	if !v.enabled {
		return false
	}
	for _, mb := range v.mailboxes {
		if (mb.state == imapwatch.StateFailed || mb.state == imapwatch.StateReconnecting) && errors.Is(mb.err, imapwatch.ErrSignInNeeded) {
			return true
		}
	}
	return false
}

// signingIn reports whether a browser sign-in for the account is running.
func (m *model) signingIn(name string) bool {
	s := m.signIns[name]
	return s != nil && s.running
}

// line is the account's menu line: "Work — 3 unread · connected".
func (m *model) line(name string, now time.Time) string {
	v := m.accounts[name]
	status := v.status(now)
	switch s := m.signIns[name]; {
	case s == nil:
	case s.running:
		status = "waiting for the sign-in in the browser…"
	case s.err != nil && v.needsSignIn():
		status = "sign-in failed: " + sentence(s.err)
	}
	return safeLine(name, 60) + " — " + status
}

// totalUnread sums enabled accounts.
func (m *model) totalUnread() int {
	n := 0
	for _, v := range m.accounts {
		if v.enabled {
			u, _ := v.unread()
			n += u
		}
	}
	return n
}

// failed lists the names of accounts in StateFailed, in config order.
func (m *model) failed() []string {
	var out []string
	for _, name := range m.order {
		v := m.accounts[name]
		if _, mb := v.worst(); v.enabled && mb != nil && mb.state == imapwatch.StateFailed {
			out = append(out, name)
		}
	}
	return out
}

// iconState: paused wins, then attention, then unread.
func (m *model) iconState() IconState {
	switch {
	case m.paused:
		return IconPaused
	case m.cfgErr != nil || len(m.failed()) > 0:
		return IconAttention
	case m.totalUnread() > 0:
		return IconUnread
	}
	return IconQuiet
}

// tooltip sums the state up in one line: "3 unread · all accounts connected".
func (m *model) tooltip(now time.Time) string {
	var parts []string
	if m.paused {
		if m.pausedUntil.IsZero() {
			parts = append(parts, "notifications paused")
		} else {
			parts = append(parts, "notifications paused until "+m.pausedUntil.Format("15:04"))
		}
	}
	if n := m.totalUnread(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d unread", n))
	} else {
		parts = append(parts, "no unread mail")
	}
	enabled := 0
	connected := 0
	for _, name := range m.order {
		v := m.accounts[name]
		if !v.enabled {
			continue
		}
		enabled++
		if _, mb := v.worst(); mb != nil && (mb.state == imapwatch.StateIdle || mb.state == imapwatch.StatePolling) {
			connected++
		}
	}
	switch failed := m.failed(); {
	case m.cfgErr != nil:
		parts = append(parts, "config has errors: open Settings")
	case len(failed) > 0:
		v := m.accounts[failed[0]]
		parts = append(parts, safeLine(failed[0], 40)+": "+v.status(now))
	case enabled == 0:
		parts = append(parts, "no accounts: open Settings")
	case connected == enabled && enabled == 1:
		parts = append(parts, "connected")
	case connected == enabled:
		parts = append(parts, "all accounts connected")
	default:
		parts = append(parts, fmt.Sprintf("%d of %d accounts connected", connected, enabled))
	}
	return "idlebell: " + strings.Join(parts, " · ")
}

// waiting reports whether an account waits to reconnect at a later time.
func (m *model) waiting(now time.Time) bool {
	for _, v := range m.accounts {
		for _, mb := range v.mailboxes {
			if v.enabled && mb.state == imapwatch.StateReconnecting && mb.retryAt.After(now) {
				return true
			}
		}
	}
	return false
}
