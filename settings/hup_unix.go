//go:build unix

package settings

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyHUP delivers SIGHUP, the conventional "reload your config", for as
// long as the returned stop is not called.
func notifyHUP() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGHUP)
	return c, func() { signal.Stop(c) }
}
