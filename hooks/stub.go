// Package hooks runs the user's on_new_mail commands. (Stub: replaced by the headless issue.)
package hooks

import (
	"log/slog"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// Runner runs hooks, one at a time per account, in order.
type Runner struct{ logger *slog.Logger }

func New(logger *slog.Logger) *Runner          { return &Runner{logger: logger} }
func (r *Runner) Configure(c *settings.Config) {}
func (r *Runner) Handle(ev imapwatch.Event)    {}
func (r *Runner) Close()                       {}
