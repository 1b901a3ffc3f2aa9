//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import (
	"fyne.io/systray"
	"github.com/godbus/dbus/v5"
)

// runNative puts the item on the session bus (StatusNotifierItem and
// dbusmenu), calls ready once that is done — before, fyne.io/systray's
// menu updates race with its own setup — and keeps it there until done is
// closed. There is no native event loop to run: D-Bus calls arrive on the
// bus connection's goroutine.
func runNative(ready func(), done <-chan struct{}) {
	start, end := systray.RunWithExternalLoop(nil, nil)
	start()
	ready()
	<-done
	end()
}

// tooltipSignal returns what tells StatusNotifierItem hosts that the
// ToolTip property changed: the item's NewToolTip signal. fyne.io/systray
// sets the property but emits only NewIcon and NewTitle, and hosts that
// read the tooltip again only on the signal kept showing the first one.
// A host takes the signal only from the item's own connection; systray's
// is godbus's shared session bus connection, which dbus.SessionBus hands
// out again (it connects only when systray could not). Call it once the
// item is on the bus; the function returned is safe from any goroutine.
func tooltipSignal() func() {
	conn, err := dbus.SessionBus()
	if err != nil {
		return func() {}
	}
	return func() {
		// An error here means the bus is gone, and the item with it.
		_ = conn.Emit("/StatusNotifierItem", "org.kde.StatusNotifierItem.NewToolTip")
	}
}
