package tray

import (
	"errors"
	"sort"
	"strings"
	"time"

	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// IconState is what the tray icon shows: the unread count (its badge), the
// attention mark, and whether bubbles are paused (a dimmed bell). The count
// combines with either mark: an account in trouble does not hide it. The
// marks share a corner, and attention wins: a paused idlebell with an
// account in trouble shows the attention icon, since only that asks the
// user to act (the tooltip names both). Paused is set only without
// Attention.
type IconState struct {
	Unread    int
	Attention bool // an account failed or has not been connected for a while, or the config is broken
	Paused    bool // bubbles are paused and nothing needs attention
}

func (s IconState) String() string {
	k := "bell"
	if s.Unread > 0 {
		k += "-" + badgeText(s.Unread)
	}
	if s.Attention {
		k += "-attention"
	}
	if s.Paused && !s.Attention {
		k += "-paused"
	}
	return k
}

// DefaultAttentionAfter is how long an account may be without a
// connection (reconnecting, unreachable, refused) before the icon asks for
// attention, as for a failed login.
const DefaultAttentionAfter = 2 * time.Minute

// mailboxView is one watched folder's connection as last reported.
type mailboxView struct {
	state   imapwatch.State
	err     error
	down    time.Time // since when it has not been connected; zero while connected
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
	attentionAfter time.Duration
	cfg            *settings.Config
	cfgErr         error
	demo           bool
	order          []string
	accounts       map[string]*accountView
	paused         bool
	pausedUntil    time.Time
	signIns        map[string]*signIn // browser sign-ins the tray started, by account
}

// signIn is a browser sign-in for one account: running, or how the last
// one failed (shown while the account still needs a sign-in).
type signIn struct {
	running bool
	err     error
}

func newModel(cfg *settings.Config, cfgErr error, demo bool) *model {
	m := &model{accounts: map[string]*accountView{}, signIns: map[string]*signIn{}, demo: demo, attentionAfter: DefaultAttentionAfter}
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

// apply folds one watcher event, seen at now, into the model. NewMail and
// Batch change nothing here (counts come with Unseen); they are for the
// notifier.
func (m *model) apply(ev imapwatch.Event, now time.Time) {
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
		mb := v.mailbox(e.Mailbox, now)
		if e.State == imapwatch.StateConnecting && mb.state == imapwatch.StateReconnecting {
			return // a retry: the line keeps saying why and since when
		}
		mb.state, mb.err = e.State, e.Err
		switch {
		case connected(e.State):
			mb.down = time.Time{}
		case mb.down.IsZero():
			mb.down = now
		}
	case *imapwatch.Unseen:
		v := m.accounts[e.Account]
		if v == nil {
			return
		}
		mb := v.mailbox(e.Mailbox, now)
		mb.unseen, mb.counted = e.Count, true
	}
}

func connected(s imapwatch.State) bool {
	return s == imapwatch.StateIdle || s == imapwatch.StatePolling
}

func (v *accountView) mailbox(name string, now time.Time) *mailboxView {
	mb := v.mailboxes[name]
	if mb == nil {
		mb = &mailboxView{state: imapwatch.StateConnecting, down: now}
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
// connected", "can't reach imap.example.com, retrying since 10:42",
// "reconnecting…" (after a wake or Check now: nothing failed), "login
// failed: check the password". It changes only when the state does: no
// countdown, so the menu stays still while a reconnect waits.
func (v *accountView) status(now time.Time) string {
	state := v.state(now)
	if n, ok := v.unread(); ok && v.enabled {
		return i18n.T("%d unread · %s", n, state)
	}
	return state
}

// state is status without the unread count: "connected", "login failed:
// check the password".
func (v *accountView) state(now time.Time) string {
	if !v.enabled {
		return i18n.T("disabled")
	}
	_, mb := v.worst()
	if mb == nil {
		return i18n.T("connecting…")
	}
	var state string
	switch mb.state {
	case imapwatch.StateFailed:
		state = sentence(mb.err)
	case imapwatch.StateReconnecting:
		if errors.Is(mb.err, imapwatch.ErrWake) || errors.Is(mb.err, imapwatch.ErrCheckNow) {
			// idlebell dropped the connection itself: nothing failed.
			state = i18n.T("reconnecting…")
			break
		}
		why := i18n.T("connection lost")
		if mb.err != nil {
			why = sentence(mb.err)
		}
		state = i18n.T("%s, retrying since %s", why, sinceText(now, mb.down))
	case imapwatch.StateConnecting:
		state = i18n.T("connecting…")
	case imapwatch.StatePolling:
		state = i18n.T("connected (polling)")
	default:
		state = i18n.T("connected")
	}
	for _, mb := range v.mailboxes {
		if connected(mb.state) && errors.Is(mb.err, imapwatch.ErrStateLost) {
			// Once, however many folders lost their state.
			return i18n.T("%s · %s", state, sentence(mb.err))
		}
	}
	return state
}

// sinceText is "10:42" today, "Mar 3 10:42" before (in German "3.3. 10:42").
func sinceText(now, t time.Time) string {
	if y, m, d := now.Date(); t.Year() == y && t.Month() == m && t.Day() == d {
		return t.Format("15:04")
	}
	return t.Format(i18n.T("Jan 2 15:04")) // a time layout
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

// line is the account's menu line: "Work — 3 unread · connected" (in
// German with the en dash German sets between name and state).
func (m *model) line(name string, now time.Time) string {
	return i18n.T("%s — %s", safeLine(name, 60), m.status(name, now))
}

// status is the part of an account's line after its name.
func (m *model) status(name string, now time.Time) string {
	v := m.accounts[name]
	status := v.status(now)
	switch s := m.signIns[name]; {
	case s == nil:
	case s.running:
		status = i18n.T("waiting for the sign-in in the browser…")
	case s.err != nil && v.needsSignIn():
		status = i18n.T("sign-in failed: %s", sentence(s.err))
	}
	return status
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

// attention reports whether the icon asks for attention at now: the config
// is broken, an account failed, or one has not been connected for
// attentionAfter.
func (m *model) attention(now time.Time) bool {
	return m.cfgErr != nil || len(m.failed()) > 0 || len(m.unreachable(now)) > 0
}

// unreachable lists the enabled accounts with a folder that has not been
// connected for attentionAfter, in config order.
func (m *model) unreachable(now time.Time) []string {
	var out []string
	for _, name := range m.order {
		v := m.accounts[name]
		if !v.enabled {
			continue
		}
		for _, mb := range v.mailboxes {
			if !mb.down.IsZero() && now.Sub(mb.down) >= m.attentionAfter {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// nextAttention is when an account that is down now will have been down
// for attentionAfter: when the icon may change without an event. Zero: no
// such time.
func (m *model) nextAttention(now time.Time) time.Time {
	var next time.Time
	for _, v := range m.accounts {
		if !v.enabled {
			continue
		}
		for _, mb := range v.mailboxes {
			if mb.down.IsZero() {
				continue
			}
			at := mb.down.Add(m.attentionAfter)
			if at.After(now) && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
	}
	return next
}

// iconState is the icon at now: attention wins over paused.
func (m *model) iconState(now time.Time) IconState {
	attention := m.attention(now)
	return IconState{Unread: m.totalUnread(), Attention: attention, Paused: m.paused && !attention}
}

// tooltip sums the state up in one line, starting with what the icon's
// corner mark means: the trouble when it asks for attention ("Work: login
// failed: check the password · notifications paused until 11:00 · 3
// unread"), else the pause ("notifications paused · 3 unread · all accounts
// connected"), else the count ("3 unread · all accounts connected").
func (m *model) tooltip(now time.Time) string {
	var parts []string
	failed := append(m.failed(), m.unreachable(now)...)
	switch {
	case m.cfgErr != nil && unreadable(m.cfgErr):
		parts = append(parts, i18n.T("can't read the config file: open Settings"))
	case m.cfgErr != nil:
		parts = append(parts, i18n.T("config has errors: open Settings"))
	case len(failed) > 0:
		parts = append(parts, safeLine(failed[0], 40)+": "+m.accounts[failed[0]].state(now))
	}
	if m.paused {
		if m.pausedUntil.IsZero() {
			parts = append(parts, i18n.T("notifications paused"))
		} else {
			parts = append(parts, i18n.T("notifications paused until %s", m.pausedUntil.Format("15:04")))
		}
	}
	if n := m.totalUnread(); n > 0 {
		parts = append(parts, i18n.T("%d unread", n))
	} else {
		parts = append(parts, i18n.T("no unread mail"))
	}
	if m.cfgErr != nil || len(failed) > 0 {
		return "idlebell: " + strings.Join(parts, " · ")
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
	switch {
	case enabled == 0 && len(m.order) == 0:
		// The words of the one menu item that helps, as the menu shows it.
		parts = append(parts, i18n.T("no accounts: choose %s in the menu", i18n.T("Add account…")))
	case enabled == 0:
		parts = append(parts, i18n.T("all accounts disabled: choose %s in the menu", i18n.T("Settings…")))
	case connected == enabled && enabled == 1:
		parts = append(parts, i18n.T("connected"))
	case connected == enabled:
		parts = append(parts, i18n.T("all accounts connected"))
	default:
		parts = append(parts, i18n.T("%d of %d accounts connected", connected, enabled))
	}
	return "idlebell: " + strings.Join(parts, " · ")
}

// unreadable reports whether the config file could not be read at all (a
// folder, no permission), which is not a file with errors.
func unreadable(cfgErr error) bool {
	var rerr *settings.ReadError
	return errors.As(cfgErr, &rerr)
}
