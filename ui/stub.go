// Package ui is the Fyne tray app. (Stub: replaced by the tray issue.)
package ui

import (
	"context"
	"log/slog"

	"idlebell/hooks"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// Watcher is what the tray asks of the watcher.
type Watcher interface {
	CheckNow(account string)
	Retry(account string)
}

// ConfigUpdate is a reloaded config (or why it could not be loaded).
type ConfigUpdate struct {
	Config *settings.Config
	Err    error
}

// Options wire the tray app.
type Options struct {
	Events     <-chan imapwatch.Event
	Watcher    Watcher
	Hooks      *hooks.Runner
	ConfigPath string // "" in demo mode
	Config     *settings.Config
	ConfigErr  error
	Updates    <-chan ConfigUpdate
	Secrets    settings.Secrets
	Demo       bool
	Test       func(ctx context.Context, a settings.Account) *imapwatch.CheckResult
	MarkRead   func(ctx context.Context, a settings.Account, mailbox string, uidValidity, uid uint32) error
	Logger     *slog.Logger
}

// Run shows the tray and blocks until Quit or ctx is done.
func Run(ctx context.Context, o Options) int { <-ctx.Done(); return 0 }
