package imapwatch

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Options configure a Manager.
type Options struct {
	// Store keeps watermarks across restarts; nil keeps them in memory only
	// (every start then re-baselines silently).
	Store  Store
	Logger *slog.Logger
	// Buffer is the capacity of the event channel (default 64).
	Buffer int
	// SleepCheck is how often the wall clock is compared with the monotonic
	// clock to notice that the machine slept (default 15 s); Clock is for tests.
	SleepCheck time.Duration
	Clock      Clock
	// MaxBackoff caps the wait between reconnects (default 5 min).
	MaxBackoff time.Duration

	// For tests: timers is the clock of backoff, connection limit and
	// health (default the real one); connLimit connections per connWindow
	// per account at most (default 10 a minute).
	timers     Clock
	connLimit  int
	connWindow time.Duration
	stuckAfter time.Duration
	// text reads new mail (default mailtext's functions).
	text *mailText
}

// Manager owns one supervisor per account (and per watched-folder
// connection). All accounts share one event channel.
//
// Apply, CheckNow, Retry and Wake may be called from any goroutine. Close
// stops everything and closes the event channel.
type Manager struct {
	opts   Options
	events chan Event
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// applyMu serialises Apply and Retry, which wait for stopped accounts
	// without holding mu: CheckNow and Wake never wait for them.
	applyMu sync.Mutex

	ledgers *ledgers // exactly-once bookkeeping per account and mailbox

	mu       sync.Mutex
	accounts map[string]*account
	closed   bool
}

// account is one running account: its connections and how to stop them.
type account struct {
	cfg         Config
	supervisors []*supervisor
	cancel      context.CancelFunc
	done        chan struct{}
}

// NewManager starts a manager with no accounts; call Apply to add some.
func NewManager(opts Options) *Manager {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 64
	}
	if opts.SleepCheck <= 0 {
		opts.SleepCheck = 15 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.timers == nil {
		opts.timers = realClock{}
	}
	if opts.connLimit <= 0 {
		opts.connLimit, opts.connWindow = connLimit, connWindow
	}
	if opts.stuckAfter <= 0 {
		opts.stuckAfter = stuckAfter
	}
	if opts.text == nil {
		opts.text = &mailtextFuncs
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		opts: opts, events: make(chan Event, opts.Buffer),
		ctx: ctx, cancel: cancel,
		ledgers:  newLedgers(opts.Store),
		accounts: make(map[string]*account),
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		watchClock(ctx, opts.Clock, opts.SleepCheck, func(gap time.Duration) {
			m.opts.Logger.Info("clock jumped, machine probably slept; reconnecting", "gap", gap.Round(time.Second))
			m.Wake()
		})
	}()
	return m
}

// Events is the shared channel of all accounts' events. It is closed after
// Close has stopped every account. The consumer must keep reading: mail
// events are never dropped, so a stalled consumer stalls the watchers.
func (m *Manager) Events() <-chan Event { return m.events }

// Apply makes the running accounts match cfgs: new ones start, removed
// ones stop, changed ones restart; unchanged ones are not touched. It
// returns once changed accounts run with their new config (an old
// connection's watermark writes are over before its replacement starts).
func (m *Manager) Apply(cfgs []Config) {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	m.applyLocked(cfgs)
}

// Reload is Apply for a config the user changed, followed by Check now
// for the accounts it left running: a failed one tries again (the user may
// have fixed what failed). The accounts it started or restarted are
// connecting already and are left alone.
func (m *Manager) Reload(cfgs []Config) {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	started := m.applyLocked(cfgs)
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, a := range m.accounts {
		if !started[name] {
			for _, sv := range a.supervisors {
				sv.requestCheck()
			}
		}
	}
}

// applyLocked is Apply; it returns the names of the accounts it started
// or restarted. Callers hold applyMu.
func (m *Manager) applyLocked(cfgs []Config) (started map[string]bool) {
	started = map[string]bool{}
	want := make(map[string]Config, len(cfgs))
	for _, c := range cfgs {
		want[c.Name] = c.withDefaults()
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return started
	}
	var restarting []*account
	for name, a := range m.accounts {
		if c, ok := want[name]; !ok || !a.cfg.sameAs(&c) {
			m.stopLocked(name, a, !ok)
			if ok {
				restarting = append(restarting, a)
			}
		}
	}
	m.mu.Unlock()
	// Wait (bounded by logoutGrace) without holding mu.
	for _, a := range restarting {
		<-a.done
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return started
	}
	for _, c := range cfgs {
		if _, ok := m.accounts[c.Name]; !ok {
			m.startLocked(want[c.Name])
			started[c.Name] = true
		}
	}
	return started
}

func (m *Manager) startLocked(cfg Config) {
	ctx, cancel := context.WithCancel(m.ctx)
	a := &account{cfg: cfg, cancel: cancel, done: make(chan struct{})}
	logger := m.opts.Logger.With("account", cfg.Name)
	limit := newConnLimiter(m.opts.connLimit, m.opts.connWindow)
	// An invalid config gets one supervisor, which reports it (for the
	// account as a whole, Mailbox "", when it names no mailbox).
	groups := [][]string{cfg.Mailboxes}
	if len(cfg.Mailboxes) == 0 {
		groups = [][]string{{""}}
	}
	if cfg.validate() == nil {
		groups = groupMailboxes(cfg.Mailboxes, cfg.MaxConnections)
	}
	for _, group := range groups {
		sv := newSupervisor(cfg, group, m.ledgers, m.events, logger, m.opts.timers, limit)
		sv.stuckAfter = m.opts.stuckAfter
		sv.reader.text = m.opts.text
		a.supervisors = append(a.supervisors, sv)
	}
	m.accounts[cfg.Name] = a
	var wg sync.WaitGroup
	for _, c := range a.supervisors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx, newBackoff(m.opts.MaxBackoff))
		}()
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		wg.Wait()
		close(a.done)
	}()
}

// stopLocked cancels an account and forgets it. Its goroutines finish on
// their own (bounded by the logout grace): a replacement waits for a.done
// (without holding mu); a removed account then reports StateStopped.
func (m *Manager) stopLocked(name string, a *account, removed bool) {
	a.cancel()
	delete(m.accounts, name)
	if !removed {
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		<-a.done
		for _, mb := range a.cfg.Mailboxes {
			select {
			case m.events <- &StateChange{Account: name, Mailbox: mb, State: StateStopped}:
			case <-m.ctx.Done():
				return
			}
		}
	}()
}

// groupMailboxes gives the first max-1 mailboxes a connection each and puts
// the rest on the last connection, which checks them with STATUS.
func groupMailboxes(mailboxes []string, maxConns int) [][]string {
	if len(mailboxes) <= maxConns {
		out := make([][]string, len(mailboxes))
		for i, mb := range mailboxes {
			out[i] = []string{mb}
		}
		return out
	}
	var out [][]string
	for _, mb := range mailboxes[:maxConns-1] {
		out = append(out, []string{mb})
	}
	return append(out, mailboxes[maxConns-1:])
}

func (m *Manager) each(account string, f func(*supervisor)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, a := range m.accounts {
		if account == "" || name == account {
			for _, c := range a.supervisors {
				f(c)
			}
		}
	}
}

// CheckNow makes an account ("" for all) look for new mail now: a connected
// one re-checks, one waiting to reconnect connects now, a failed one tries
// again (after the user fixed the password, say).
func (m *Manager) CheckNow(account string) {
	m.each(account, func(c *supervisor) { c.requestCheck() })
}

// Retry restarts an account from scratch, e.g. after its password changed.
func (m *Manager) Retry(account string) {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	m.mu.Lock()
	a, ok := m.accounts[account]
	if !ok || m.closed {
		m.mu.Unlock()
		return
	}
	m.stopLocked(account, a, false)
	m.mu.Unlock()
	<-a.done // without holding mu
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, running := m.accounts[account]; !running && !m.closed {
		m.startLocked(a.cfg)
	}
}

// Wake reconnects every account at once, after the machine slept or the
// network changed: connections from before are presumed dead, and waiting
// for TCP to notice would take minutes.
func (m *Manager) Wake() {
	m.each("", func(c *supervisor) { signal(c.wake) })
}

// Close stops all accounts (each says LOGOUT, bounded by a short grace),
// waits for them and closes the event channel. Events still buffered stay
// readable. Close drains nothing itself, so it returns promptly even when
// no one reads events.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
	close(m.events)
}

// Rename moves an account's exactly-once state to its new name: its
// watermarks and announced messages in the Store, and the mail of it still
// on its way to the front, so the renamed account neither re-baselines
// (losing what arrives meanwhile) nor announces anything twice. Call it
// before the Apply whose configs carry the new name; the account under the
// old name stops (and reports StateStopped). It returns once the old
// connections are gone (bounded by the logout grace).
func (m *Manager) Rename(oldName, newName string) {
	if oldName == newName {
		return
	}
	m.stopAndWait(oldName)
	m.ledgers.rename(oldName, newName)
}

// Forget drops a removed account's state: its watermarks and announced
// messages in the Store. An account that is only disabled keeps them (it
// catches up when enabled again): call Forget only when the account is
// gone from the config. The account stops if it runs.
func (m *Manager) Forget(name string) {
	m.stopAndWait(name)
	m.ledgers.forget(name)
}

// stopAndWait stops an account if it runs and waits for its connections
// (bounded by the logout grace), without holding mu while waiting.
func (m *Manager) stopAndWait(name string) {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	m.mu.Lock()
	a, ok := m.accounts[name]
	if ok && !m.closed {
		m.stopLocked(name, a, true)
	}
	m.mu.Unlock()
	if ok {
		<-a.done
	}
}
