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
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		opts: opts, events: make(chan Event, opts.Buffer),
		ctx: ctx, cancel: cancel,
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
// ones stop, changed ones restart; unchanged ones are not touched.
func (m *Manager) Apply(cfgs []Config) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	want := make(map[string]Config, len(cfgs))
	for _, c := range cfgs {
		want[c.Name] = c.withDefaults()
	}
	for name, a := range m.accounts {
		if c, ok := want[name]; !ok || !a.cfg.sameAs(&c) {
			m.stopLocked(name, a, !ok)
		}
	}
	for _, c := range cfgs {
		if _, ok := m.accounts[c.Name]; !ok {
			m.startLocked(want[c.Name])
		}
	}
}

func (m *Manager) startLocked(cfg Config) {
	ctx, cancel := context.WithCancel(m.ctx)
	a := &account{cfg: cfg, cancel: cancel, done: make(chan struct{})}
	logger := m.opts.Logger.With("account", cfg.Name)
	for _, group := range groupMailboxes(cfg.Mailboxes, cfg.MaxConnections) {
		a.supervisors = append(a.supervisors, newSupervisor(cfg, group, m.opts.Store, m.events, logger))
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

// stopLocked cancels an account. Its goroutines finish on their own (bounded
// by the logout grace); a removed account then reports StateStopped.
func (m *Manager) stopLocked(name string, a *account, removed bool) {
	a.cancel()
	delete(m.accounts, name)
	if !removed {
		// The replacement must not race the old connections' watermark
		// writes: wait for them (bounded by logoutGrace).
		<-a.done
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
	m.each(account, func(c *supervisor) { signal(c.checkNow) })
}

// Retry restarts an account from scratch, e.g. after its password changed.
func (m *Manager) Retry(account string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.accounts[account]; ok && !m.closed {
		m.stopLocked(account, a, false)
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
