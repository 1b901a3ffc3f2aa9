//go:build !linux

package logind

import (
	"context"
	"log/slog"
)

// OnResume returns at once: there is no logind outside Linux, and looking
// for a system bus there would dial whatever DBUS_SYSTEM_BUS_ADDRESS or
// the default names. The watcher's clock check notices sleeps.
func OnResume(ctx context.Context, logger *slog.Logger, wake func()) {}
