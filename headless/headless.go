// Package headless is idlebell without a GUI: one JSON line per new mail on
// stdout, state changes and errors as log lines on stderr, hooks, and
// optional desktop bubbles. No X or D-Bus is needed unless Notify is set.
package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"idlebell/explain"
	"idlebell/hooks"
	"idlebell/imapwatch"
)

// Notifier shows a desktop bubble. Notify may block (D-Bus); it is called
// from the notifier goroutine only, never from the event pump.
type Notifier interface {
	Notify(title, body string) error
}

// Options wire the headless loop.
type Options struct {
	Events <-chan imapwatch.Event
	Out    io.Writer     // JSON lines; stdout
	Hooks  *hooks.Runner // may be nil
	// Notify shows a desktop bubble per new mail (one per catch-up batch),
	// through Notifier, or beeep when Notifier is nil.
	Notify   bool
	Notifier Notifier
	Logger   *slog.Logger
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

// Run is the event pump: it hands every event to the hooks, writes new mail
// to Out (one Write per line, so each line is flushed at once), logs state
// changes at info level as msg="state" with account, mailbox and state, and
// queues bubbles. It returns 0 when ctx is done or the event channel is
// closed, and 1 when Out cannot be written (a closed pipe, a full disk).
// When ctx ends it goes on writing until the channel is closed (the caller
// closes the watcher on ctx): events handed on may have their watermarks
// saved already.
func Run(ctx context.Context, o Options) int {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var bubbles *bubbler
	if o.Notify {
		n := o.Notifier
		if n == nil {
			n = beeepNotifier{}
		}
		bubbles = startBubbler(n, logger)
		defer bubbles.stop()
	}
	p := &pump{o: o, logger: logger, bubbles: bubbles}
	for {
		select {
		case ev, ok := <-o.Events:
			if !ok {
				return 0
			}
			if err := p.handle(ev); err != nil {
				logger.Error("cannot write new mail to stdout; exiting", "err", err)
				return 1
			}
		case <-ctx.Done():
			// The owner closes the watcher when ctx ends; everything it
			// handed on before closing the channel is written, since its
			// watermark may be saved already. Bounded, in case no one closes.
			deadline := time.After(drainTimeout)
			for {
				select {
				case ev, ok := <-o.Events:
					if !ok {
						return 0
					}
					if err := p.handle(ev); err != nil {
						return 1
					}
				case <-deadline:
					logger.Warn("event channel still open at exit; not waiting longer")
					return 0
				}
			}
		}
	}
}

// drainTimeout bounds the wait for the watcher's last events at shutdown; its
// own goodbye (LOGOUT) is bounded by 1.5 s.
const drainTimeout = 3 * time.Second

type pump struct {
	o       Options
	logger  *slog.Logger
	bubbles *bubbler
}

func (p *pump) handle(ev imapwatch.Event) error {
	if p.o.Hooks != nil {
		p.o.Hooks.Handle(ev)
	}
	switch ev := ev.(type) {
	case *imapwatch.NewMail:
		if _, err := p.o.Out.Write(NewMailLine(ev, time.Now())); err != nil {
			return err
		}
		if f, ok := p.o.Out.(interface{ Flush() error }); ok {
			if err := f.Flush(); err != nil {
				return err
			}
		}
		if p.bubbles != nil && !ev.CatchUp {
			title := ev.FromName
			if title == "" {
				title = ev.FromAddress
			}
			body := ev.Subject
			if ev.Preview != "" {
				body += "\n" + ev.Preview
			}
			p.bubbles.add(title, body)
		}
	case *imapwatch.Batch:
		p.logger.Debug("batch", "account", ev.Account, "mailbox", ev.Mailbox, "count", ev.Count, "catch_up", ev.CatchUp)
		if p.bubbles != nil && ev.CatchUp {
			noun := "messages"
			if ev.Count == 1 {
				noun = "message"
			}
			p.bubbles.add(fmt.Sprintf("%d new %s", ev.Count, noun),
				fmt.Sprintf("in %s, %s, while idlebell was not watching", ev.Account, ev.Mailbox))
		}
	case *imapwatch.StateChange:
		p.logState(ev)
	case *imapwatch.Unseen:
		p.logger.Debug("unseen", "account", ev.Account, "mailbox", ev.Mailbox, "count", ev.Count)
	}
	return nil
}

// retryHint says how a failed account is tried again, the headless way of
// the tray's Check now.
const retryHint = "Then send idlebell SIGHUP (kill -HUP), or save the config, and it tries again (the tray's Check now)."

// logState logs a state change as msg="state": info while things work,
// warn while reconnecting, error when an account failed for good (the other
// accounts go on; `idlebell check` explains the failure).
func (p *pump) logState(ev *imapwatch.StateChange) {
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
		p.logger.Warn("state", attrs...)
	case imapwatch.StateFailed:
		problem, hint := explain.Describe(ev.Err)
		attrs = append(attrs, "err", ev.Err, "problem", problem,
			"hint", strings.TrimSpace(hint+" "+retryHint))
		p.logger.Error("state", attrs...)
	default:
		if ev.Err != nil {
			attrs = append(attrs, "err", ev.Err)
		}
		p.logger.Info("state", attrs...)
	}
}
