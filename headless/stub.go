// Package headless is idlebell without a GUI. (Stub: replaced by the headless issue.)
package headless

import (
	"context"
	"io"
	"log/slog"

	"idlebell/hooks"
	"idlebell/imapwatch"
)

// Options wire the headless loop.
type Options struct {
	Events <-chan imapwatch.Event
	Out    io.Writer
	Hooks  *hooks.Runner
	Notify bool
	Logger *slog.Logger
}

// Run writes one JSON line per new mail until ctx is done.
func Run(ctx context.Context, o Options) int { <-ctx.Done(); return 0 }
