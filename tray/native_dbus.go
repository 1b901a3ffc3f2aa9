//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import "fyne.io/systray"

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
