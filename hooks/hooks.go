// Package hooks runs the user's on_new_mail and on_new_mail_batch commands.
//
// A hook is a command line from the config, run under sh on Linux and
// macOS and under Windows PowerShell (or cmd.exe, if the account asks) on
// Windows. The mail's data reaches it only through environment variables
// (IDLEBELL_SUBJECT and friends), never through the command line, so a
// subject like `$(rm -rf ~)` or `& calc &` is inert text.
// Hooks of one account run one at a time, in the order their mail arrived;
// accounts do not wait for each other.
package hooks

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// Names of the hooks, as in the config file and in log lines.
const (
	HookNewMail = "on_new_mail"
	HookBatch   = "on_new_mail_batch"
)

// maxOutput is how much of a hook's combined output is kept for the log.
const maxOutput = 4 << 10

// accountHooks is one account's hook settings, captured by Configure.
type accountHooks struct {
	onNewMail string
	onBatch   string
	timeout   time.Duration
	shell     string // hook_shell
}

// job is one hook run, fully decided when the event arrives: a config change
// afterwards does not alter queued runs.
type job struct {
	account   string
	hook      string // HookNewMail or HookBatch
	command   string
	hookShell string // the account's hook_shell
	env       []string
	timeout   time.Duration
	attrs     []any // log attributes naming the mail or the batch
}

// Result is what a finished hook run is logged as; tests observe it.
type Result struct {
	Account  string
	Hook     string
	Env      []string // the IDLEBELL_* variables it ran with
	ExitCode int      // -1 when it did not exit by itself (killed, not started)
	TimedOut bool
	Err      error
	Output   string // combined stdout and stderr, at most 4 KiB
	Duration time.Duration
}

// Runner runs hooks, one at a time per account, in order.
//
// Handle is called by the event pump (tray or headless) for every event and
// only queues: it never waits for a hook. Each account with queued runs has
// one worker goroutine, owned by the Runner; it exits when the queue is
// empty and Close waits for it. Configure and Handle may be called from any
// goroutine.
type Runner struct {
	logger *slog.Logger
	ctx    context.Context // cancelled by Close: kills running hooks
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	hooks   map[string]accountHooks
	queues  map[string][]job // per account; a key exists while its worker runs
	closed  bool
	dropped int

	// onDone, when set (tests), sees every finished run, on the worker's
	// goroutine.
	onDone func(Result)
}

// New returns a Runner without hooks; call Configure with the config.
func New(logger *slog.Logger) *Runner {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{
		logger: logger, ctx: ctx, cancel: cancel,
		hooks:  make(map[string]accountHooks),
		queues: make(map[string][]job),
	}
}

// Configure takes the hooks of every account in c (nil: none). Runs already
// queued keep the command they were queued with.
func (r *Runner) Configure(c *settings.Config) {
	m := make(map[string]accountHooks)
	if c != nil {
		for _, a := range c.Accounts {
			a = a.WithDefaults()
			if a.OnNewMail == "" && a.OnNewMailBatch == "" {
				continue
			}
			m[a.Name] = accountHooks{onNewMail: a.OnNewMail, onBatch: a.OnNewMailBatch, timeout: a.HookTimeout.Duration, shell: a.HookShell}
		}
	}
	r.mu.Lock()
	r.hooks = m
	r.mu.Unlock()
}

// Handle queues the hooks an event calls for: on_new_mail for a *NewMail,
// on_new_mail_batch for a *Batch; other events are ignored. It does not
// block on hooks.
func (r *Runner) Handle(ev imapwatch.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	j, ok := r.jobFor(ev)
	if !ok {
		return
	}
	q, running := r.queues[j.account]
	r.queues[j.account] = append(q, j)
	if n := len(q) + 1; n%100 == 0 {
		r.logger.Warn("hooks falling behind", "account", j.account, "queued", n)
	}
	if !running {
		r.wg.Add(1)
		go r.work(j.account)
	}
}

// jobFor is the hook run ev calls for, if any. r.mu is held.
func (r *Runner) jobFor(ev imapwatch.Event) (job, bool) {
	var j job
	var command func(accountHooks) string
	var env func() []string // only for a hook that runs
	switch ev := ev.(type) {
	case *imapwatch.NewMail:
		j = job{account: ev.Account, hook: HookNewMail, attrs: []any{"mailbox", ev.Mailbox, "uid", ev.UID}}
		command, env = func(h accountHooks) string { return h.onNewMail }, func() []string { return MailEnv(ev) }
	case *imapwatch.Batch:
		j = job{account: ev.Account, hook: HookBatch, attrs: []any{"mailbox", ev.Mailbox, "count", ev.Count}}
		command, env = func(h accountHooks) string { return h.onBatch }, func() []string { return BatchEnv(ev) }
	default:
		return job{}, false
	}
	h, ok := r.hooks[j.account]
	if !ok || command(h) == "" {
		return job{}, false
	}
	j.command, j.hookShell, j.timeout, j.env = command(h), h.shell, h.timeout, env()
	return j, true
}

// work runs an account's queue until it is empty or the Runner closes.
func (r *Runner) work(account string) {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		q := r.queues[account]
		if len(q) == 0 || r.closed {
			delete(r.queues, account)
			r.mu.Unlock()
			return
		}
		j := q[0]
		q[0] = job{}
		r.queues[account] = q[1:]
		r.mu.Unlock()

		res := r.run(j)
		r.log(j, res)
		if r.onDone != nil {
			r.onDone(res)
		}
	}
}

// Close kills running hooks, drops queued ones (logging how many) and waits
// for the workers. It is called at shutdown, which must stay quick; Handle
// does nothing afterwards.
func (r *Runner) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	for _, q := range r.queues {
		r.dropped += len(q)
	}
	dropped := r.dropped
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	if dropped > 0 {
		r.logger.Warn("hooks not run: shutting down", "count", dropped)
	}
}

func (r *Runner) log(j job, res Result) {
	attrs := append([]any{"account", j.account, "hook", j.hook}, j.attrs...)
	attrs = append(attrs, "duration", res.Duration.Round(time.Millisecond))
	if res.Output != "" {
		attrs = append(attrs, "output", res.Output)
	}
	switch {
	case res.TimedOut:
		r.logger.Warn("hook timed out; killed it", append(attrs, "timeout", j.timeout)...)
	case res.Err != nil && r.ctx.Err() != nil:
		r.logger.Warn("hook killed: shutting down", attrs...)
	case res.Err != nil && res.ExitCode > 0:
		r.logger.Warn("hook failed", append(attrs, "exit_code", res.ExitCode)...)
	case res.Err != nil:
		r.logger.Warn("hook failed", append(attrs, "err", res.Err)...)
	default:
		r.logger.Info("hook finished", append(attrs, "exit_code", 0)...)
	}
}

// MailEnv is the environment an on_new_mail hook gets for one mail (besides
// the inherited one).
func MailEnv(m *imapwatch.NewMail) []string {
	return []string{
		"IDLEBELL_ACCOUNT=" + envValue(m.Account),
		"IDLEBELL_MAILBOX=" + envValue(m.Mailbox),
		"IDLEBELL_UID=" + strconv.FormatUint(uint64(m.UID), 10),
		"IDLEBELL_UIDVALIDITY=" + strconv.FormatUint(uint64(m.UIDValidity), 10),
		"IDLEBELL_FROM=" + envValue(m.FromName),
		"IDLEBELL_FROM_ADDRESS=" + envValue(m.FromAddress),
		"IDLEBELL_SUBJECT=" + envValue(m.Subject),
		"IDLEBELL_MESSAGE_ID=" + envValue(MessageID(m.MessageID)),
		"IDLEBELL_CATCH_UP=" + strconv.FormatBool(m.CatchUp),
	}
}

// BatchEnv is the environment an on_new_mail_batch hook gets for one
// wake-up's mail.
func BatchEnv(b *imapwatch.Batch) []string {
	return []string{
		"IDLEBELL_ACCOUNT=" + envValue(b.Account),
		"IDLEBELL_MAILBOX=" + envValue(b.Mailbox),
		"IDLEBELL_COUNT=" + strconv.Itoa(b.Count),
		"IDLEBELL_CATCH_UP=" + strconv.FormatBool(b.CatchUp),
	}
}

// MessageID puts the angle brackets back that the IMAP envelope parser
// strips: "<id@host>", as in the header. Empty stays empty.
func MessageID(id string) string {
	if id == "" || strings.HasPrefix(id, "<") {
		return id
	}
	return "<" + id + ">"
}

// envValue drops NUL bytes, which an environment cannot carry (the watcher
// already removes other control characters).
func envValue(s string) string { return strings.ReplaceAll(s, "\x00", "") }
