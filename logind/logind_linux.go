package logind

import (
	"context"
	"log/slog"

	"github.com/godbus/dbus/v5"
)

// OnResume calls wake each time logind reports the end of a suspend. Without
// a system bus or logind (containers, other systems) it logs once at debug
// level and returns: the watcher's clock check still notices sleeps. It
// returns when ctx is done.
func OnResume(ctx context.Context, logger *slog.Logger, wake func()) {
	conn, err := dbus.ConnectSystemBus(dbus.WithContext(ctx))
	if err != nil {
		logger.Debug("no system bus; sleep detected by clock only", "err", err)
		return
	}
	defer conn.Close()
	if err := conn.AddMatchSignal(
		dbus.WithMatchInterface("org.freedesktop.login1.Manager"),
		dbus.WithMatchMember("PrepareForSleep"),
	); err != nil {
		logger.Debug("cannot watch logind; sleep detected by clock only", "err", err)
		return
	}
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)
	for {
		select {
		case <-ctx.Done():
			return
		case s, ok := <-signals:
			if !ok {
				return
			}
			// PrepareForSleep(false) is sent on resume.
			if len(s.Body) == 1 {
				if going, ok := s.Body[0].(bool); ok && !going {
					logger.Info("resumed from suspend; reconnecting")
					wake()
				}
			}
		}
	}
}
