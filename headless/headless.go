// Package headless is idlebell without a GUI: one JSON line per new mail on
// stdout, state changes and errors as log lines on stderr, hooks, and
// optional desktop bubbles, all through the delivery package that the tray
// app uses too. No X or D-Bus is needed unless Notify is set.
package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"time"

	"idlebell/delivery"
	"idlebell/explain"
	"idlebell/hooks"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// Options wire the headless front.
type Options struct {
	// Delivery is what both fronts share: Events, Config, Hooks, Open,
	// MarkRead, Logger. New sets Write and State.
	Delivery delivery.Options
	Out      io.Writer // JSON lines; stdout
	// Notify shows desktop bubbles too (--notify), through Notifier, or
	// the desktop's notification service when Notifier is nil.
	Notify   bool
	Notifier delivery.Notifier
}

// Front is the headless front: the delivery pump writing JSON lines.
type Front struct {
	pump   *delivery.Pump
	logger *slog.Logger
}

// New wires the front; call Run. With Notify and no Notifier it connects
// to the desktop's notification service (bounded by ctx).
func New(ctx context.Context, o Options) *Front {
	d := o.Delivery
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	f := &Front{logger: d.Logger}
	out := o.Out
	d.Write = func(m *imapwatch.NewMail) error {
		if _, err := out.Write(NewMailLine(m, time.Now())); err != nil {
			return err
		}
		if fl, ok := out.(interface{ Flush() error }); ok {
			return fl.Flush()
		}
		return nil
	}
	d.State = f.state
	if !o.Notify {
		d.Notifier = nil
	}
	f.pump = delivery.New(d)
	if o.Notify {
		n := o.Notifier
		if n == nil {
			ctx, cancel := context.WithTimeout(ctx, delivery.DefaultNotifyTimeout)
			var err error
			n, err = delivery.NewNotifier(ctx, f.pump.Signals())
			cancel()
			if err != nil {
				d.Logger.Warn("desktop notifications", "err", err)
			}
		}
		f.pump.UseNotifier(n)
	}
	return f
}

// Pump is the front's delivery pump (tests compare the fronts' decisions).
func (f *Front) Pump() *delivery.Pump { return f.pump }

// Configure applies a reloaded config: notify, preview, max_bubbles and
// sound mean here what they mean in the tray app. It never blocks.
func (f *Front) Configure(c *settings.Config) { f.pump.Configure(c) }

// ConfigChanged is Configure for a config that loaded; a config that did
// not leaves the running one in force (the error is logged by the caller).
func (f *Front) ConfigChanged(c *settings.Config, err error) {
	if err == nil {
		f.Configure(c)
	}
}

// Run is the event loop: every event goes to the hooks, new mail to Out
// (one Write per line, so each line is flushed at once), state changes to the
// log at info level as msg="state" with account, mailbox and state, and
// bubbles (with Notify) through the same policy as the tray app. It
// returns 0 when the event channel is closed (after ctx ends, the owner
// closes the watcher; everything handed on before is written), and 1 when
// Out cannot be written (a closed pipe, a full disk).
func (f *Front) Run(ctx context.Context) int {
	if err := f.pump.Run(ctx); err != nil {
		f.logger.Error("cannot write new mail to stdout; exiting", "err", err)
		return 1
	}
	return 0
}

// Mail is one JSON line on stdout. The field names are an interface:
// scripts parse them.
type Mail struct {
	Time        string `json:"time"` // when idlebell saw it, RFC 3339
	Account     string `json:"account"`
	Mailbox     string `json:"mailbox"`
	UID         uint32 `json:"uid"`
	UIDValidity uint32 `json:"uidvalidity"`
	MessageID   string `json:"message_id"`   // with angle brackets, as in the header
	From        string `json:"from"`         // display name, may be empty
	FromAddress string `json:"from_address"` // mailbox@host
	Subject     string `json:"subject"`
	Date        string `json:"date"` // the Date header, RFC 3339; empty when missing
	Preview     string `json:"preview"`
	CatchUp     bool   `json:"catch_up"` // arrived while idlebell was not watching
}

// NewMailLine is the JSON line for m, with its newline, as Run writes it.
func NewMailLine(m *imapwatch.NewMail, now time.Time) []byte {
	j := Mail{
		Time: now.Format(time.RFC3339), Account: m.Account, Mailbox: m.Mailbox,
		UID: m.UID, UIDValidity: m.UIDValidity, MessageID: hooks.MessageID(m.MessageID),
		From: m.FromName, FromAddress: m.FromAddress, Subject: m.Subject,
		Preview: m.Preview, CatchUp: m.CatchUp,
	}
	if !m.Date.IsZero() {
		j.Date = m.Date.Format(time.RFC3339)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<id@host>" stays readable
	if err := enc.Encode(j); err != nil {
		panic(err) // strings and numbers only: cannot fail
	}
	return b.Bytes()
}

func (f *Front) state(ev imapwatch.Event) {
	switch ev := ev.(type) {
	case *imapwatch.StateChange:
		logState(f.logger, ev)
	case *imapwatch.Unseen:
		f.logger.Debug("unseen", "account", ev.Account, "mailbox", ev.Mailbox, "count", ev.Count)
	}
}

// retryHint says how a failed account is tried again, the headless way of
// the tray's Check now.
const retryHint = "Then send idlebell SIGHUP (kill -HUP), or save the config, and it tries again (the tray's Check now)."

// logState logs a state change as msg="state": info while things work,
// warn while reconnecting, error when an account failed for good (the other
// accounts go on; `idlebell check` explains the failure).
func logState(logger *slog.Logger, ev *imapwatch.StateChange) {
	attrs := []any{"account", ev.Account, "mailbox", ev.Mailbox, "state", ev.State.String()}
	if ev.Note != "" {
		attrs = append(attrs, "note", ev.Note)
	}
	switch ev.State {
	case imapwatch.StateReconnecting:
		attrs = append(attrs, "err", ev.Err)
		if !ev.RetryAt.IsZero() {
			attrs = append(attrs, "retry_in", time.Until(ev.RetryAt).Round(time.Second))
		}
		logger.Warn("state", attrs...)
	case imapwatch.StateFailed:
		problem, hint := explain.Describe(ev.Err)
		attrs = append(attrs, "err", ev.Err, "problem", problem,
			"hint", strings.TrimSpace(hint+" "+retryHint))
		logger.Error("state", attrs...)
	default:
		if ev.Err != nil {
			attrs = append(attrs, "err", ev.Err)
		}
		logger.Info("state", attrs...)
	}
}
